/* SPDX-License-Identifier: MIT */
/* coroloop_uv.c: the coroutine core's libuv backend: a poll handle per wait on a descriptor, one timer for the next deadline. */
#include "eventloop.h"
#include "machine.h"
#include "uvcheck.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct uvb {
	uv_loop_t loop;
	uv_timer_t deadline; /* the core's next timer: what poll waits for at most */
	struct sim_coroloop *core;
	uv_poll_t **polls;   /* per slot: the wait on a descriptor in progress, if any */
	uint32_t nslots, npolls;
};

static struct uvb *uvb_of(uv_loop_t *loop) { return (struct uvb *)(void *)((char *)loop - offsetof(struct uvb, loop)); }

uv_loop_t *sim_eventloop_uv(void *be) { return &((struct uvb *)be)->loop; }

static void on_poll_closed(uv_handle_t *h) { free(h); }

/* Closing the poll handle takes the descriptor out of epoll before the task resumes, so the
 * task may close it, and the next wait may watch it again, at once. A handle per wait: one
 * kept across waits would outlive the task's close() of its descriptor, and closing it
 * later would take a reused descriptor number out of epoll under another task. */
static void end_poll(struct uvb *b, uint32_t slot)
{
	if (b->polls[slot]) {
		uv_close((uv_handle_t *)b->polls[slot], on_poll_closed);
		b->polls[slot] = NULL;
		b->npolls--;
	}
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	(void)events; /* readable, writable or hung up: the next read or write says which */
	struct uvb *b = uvb_of(p->loop);
	uint32_t slot = (uint32_t)(uintptr_t)p->data;
	end_poll(b, slot);
	/* libuv reports POLLERR (a connection reset, a refused connect) as UV_EBADF. Like
	 * poll() in the blocking models, call that ready: the read, write or SO_ERROR that
	 * follows names the real error (ECONNRESET, ECONNREFUSED), or EBADF if it was one. */
	sim_coro_wake(b->core, slot, status < 0 && status != UV_EBADF ? status : 0);
}

static int uvb_wait_fd(void *be, uint32_t slot, int fd, short events)
{
	struct uvb *b = be;
	uv_poll_t *p = malloc(sizeof *p);
	if (!p)
		return -ENOMEM;
	int e = uv_poll_init(&b->loop, p, fd);
	if (e < 0) {
		free(p);
		return e;
	}
	p->data = (void *)(uintptr_t)slot;
	b->polls[slot] = p;
	b->npolls++;
	e = uv_poll_start(p, ((events & POLLIN) ? UV_READABLE : 0) | ((events & POLLOUT) ? UV_WRITABLE : 0), on_poll);
	if (e < 0)
		end_poll(b, slot);
	return e;
}

static void uvb_cancel(void *be, uint32_t slot) { end_poll(be, slot); }

static void on_deadline(uv_timer_t *t) { (void)t; }

static int uvb_poll(void *be, int64_t timeout_ns)
{
	struct uvb *b = be;
	if (timeout_ns == 0) {
		uv_run(&b->loop, UV_RUN_NOWAIT);
		return 0;
	}
	if (timeout_ns > 0) {
		/* libuv counts whole milliseconds: rounded up, and the core checks its deadlines
		 * against the clock itself, so a timer that fires a little early costs a turn. */
		uv_update_time(&b->loop);
		int e = uv_timer_start(&b->deadline, on_deadline, (uint64_t)(timeout_ns + 999999) / 1000000u, 0);
		if (e < 0)
			return e;
	}
	uv_run(&b->loop, UV_RUN_ONCE);
	uv_timer_stop(&b->deadline);
	return 0;
}

static int uvb_init(void *be, struct sim_coroloop *core, uint32_t nslots, char *err, size_t errlen)
{
	struct uvb *b = be;
	b->core = core;
	b->nslots = nslots;
	if (!(b->polls = calloc(nslots, sizeof *b->polls))) {
		snprintf(err, errlen, "out of memory for %u coroutine slots: use --limit or fewer --tasks", nslots);
		return -ENOMEM;
	}
	char why[160], fix[160];
	int rc = sim_uv_loop_init(&b->loop, why, sizeof why);
	if (rc < 0) {
		sim_nofile_fix(0, fix, sizeof fix);
		snprintf(err, errlen, "%s: %s", why, rc == -EMFILE ? fix : "free some memory or descriptors");
		free(b->polls);
		return rc;
	}
	uv_timer_init(&b->loop, &b->deadline); /* cannot fail in libuv 1.44 */
	return 0;
}

static void on_closed(uv_handle_t *h) { (void)h; }

static void uvb_fini(void *be)
{
	struct uvb *b = be;
	for (uint32_t i = 0; i < b->nslots && b->npolls; i++) /* none, unless the run failed */
		end_poll(b, i);
	uv_close((uv_handle_t *)&b->deadline, on_closed);
	uv_run(&b->loop, UV_RUN_DEFAULT); /* the close callbacks: the loop owns nothing when closed */
	uv_loop_close(&b->loop);
	free(b->polls);
}

static const char *uvb_detail(void)
{
	static char line[80];
	snprintf(line, sizeof line, "libuv %s (epoll)", uv_version_string());
	return line;
}

const struct sim_backend sim_backend_uv = {
	.name = "libuv",
	.size = sizeof(struct uvb),
	.init = uvb_init,
	.fini = uvb_fini,
	.wait_fd = uvb_wait_fd,
	.cancel = uvb_cancel,
	.poll = uvb_poll,
	.detail = uvb_detail,
};
