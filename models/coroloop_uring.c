/* SPDX-License-Identifier: MIT */
/* coroloop_uring.c: the coroutine core's io_uring backend: sleeps, connects, sends and receives as ring operations. */
#include "coroloop.h"

#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Every wait of a task is one operation on the ring (a time-out a second, linked to it):
 * a sleep is IORING_OP_TIMEOUT at an absolute deadline, so the time its submission waits
 * for the loop's turn does not lengthen it; connect, send and recv are the kernel's own,
 * and wait_fd, which the runtime no longer needs here, is a poll. Operations are queued as
 * tasks ask and submitted once a turn, with the wait for completions, in one system call.
 * What an operation points at stays put until it completes: the core moves a buffer on the
 * copied stack to the heap first, and the time-outs' timespecs sit beside the submission
 * queue entry they belong to (an entry is not reused before the kernel has read it). */
enum kind { K_SLEEP = 1, K_IO, K_POLL, K_IGNORE };

#define SQ_ENTRIES 4096u
#define CQ_MAX 65536u /* the kernel's most (IORING_MAX_CQ_ENTRIES) */

struct ub {
	struct io_uring ring;
	struct sim_coroloop *core;
	struct __kernel_timespec ts[SQ_ENTRIES]; /* per submission queue entry */
	uint8_t *gen;                            /* per slot: polls cancelled, so a late completion is dropped */
	uint32_t nslots;
};

static uint64_t udata(uint32_t slot, uint8_t gen, enum kind k) { return (uint64_t)slot << 16 | (uint64_t)gen << 8 | k; }

/* An entry; when the queue is full, what is queued goes to the kernel first. */
static struct io_uring_sqe *sqe_get(struct ub *b)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
	if (!sqe && io_uring_submit(&b->ring) >= 0)
		sqe = io_uring_get_sqe(&b->ring);
	return sqe;
}

static struct __kernel_timespec *ts_of(struct ub *b, const struct io_uring_sqe *sqe, uint64_t ns)
{
	struct __kernel_timespec *ts = &b->ts[sqe - b->ring.sq.sqes];
	ts->tv_sec = (long long)(ns / 1000000000u);
	ts->tv_nsec = (long long)(ns % 1000000000u);
	return ts;
}

static uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int ub_sleep(void *be, uint32_t slot, uint64_t ns)
{
	struct ub *b = be;
	struct io_uring_sqe *sqe = sqe_get(b);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_timeout(sqe, ts_of(b, sqe, mono_ns() + ns), 0, IORING_TIMEOUT_ABS);
	io_uring_sqe_set_data64(sqe, udata(slot, 0, K_SLEEP));
	return 0;
}

/* The operation in sqe, and its time-out linked to it when there is one. */
static int queue_io(struct ub *b, struct io_uring_sqe *sqe, uint32_t slot, int timeout_ms)
{
	io_uring_sqe_set_data64(sqe, udata(slot, 0, K_IO));
	if (timeout_ms <= 0)
		return 0;
	sqe->flags |= IOSQE_IO_LINK;
	struct io_uring_sqe *t = sqe_get(b);
	if (!t) {
		/* The operation is queued already: it must complete, without its time-out. */
		sqe->flags &= (__u8)~IOSQE_IO_LINK;
		return 0;
	}
	io_uring_prep_link_timeout(t, ts_of(b, t, (uint64_t)timeout_ms * 1000000u), 0);
	io_uring_sqe_set_data64(t, udata(slot, 0, K_IGNORE));
	return 0;
}

static int ub_connect(void *be, uint32_t slot, int fd, const struct sockaddr *addr, socklen_t len, int timeout_ms)
{
	struct io_uring_sqe *sqe = sqe_get(be);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_connect(sqe, fd, addr, len);
	return queue_io(be, sqe, slot, timeout_ms);
}

static int ub_recv(void *be, uint32_t slot, int fd, void *buf, size_t len, int timeout_ms)
{
	struct io_uring_sqe *sqe = sqe_get(be);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_recv(sqe, fd, buf, len, 0);
	return queue_io(be, sqe, slot, timeout_ms);
}

static int ub_send(void *be, uint32_t slot, int fd, const void *buf, size_t len, int timeout_ms)
{
	struct io_uring_sqe *sqe = sqe_get(be);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_send(sqe, fd, buf, len, MSG_NOSIGNAL);
	return queue_io(be, sqe, slot, timeout_ms);
}

static int ub_wait_fd(void *be, uint32_t slot, int fd, short events)
{
	struct ub *b = be;
	struct io_uring_sqe *sqe = sqe_get(b);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_add(sqe, fd, (unsigned)(events & (POLLIN | POLLOUT)));
	io_uring_sqe_set_data64(sqe, udata(slot, b->gen[slot], K_POLL));
	return 0;
}

/* The core's time-out ended a poll: remove it, and drop its completion when it comes. */
static void ub_cancel(void *be, uint32_t slot)
{
	struct ub *b = be;
	uint64_t old = udata(slot, b->gen[slot]++, K_POLL);
	struct io_uring_sqe *sqe = sqe_get(b);
	if (sqe) {
		io_uring_prep_poll_remove(sqe, old);
		io_uring_sqe_set_data64(sqe, udata(slot, 0, K_IGNORE));
	}
}

static void complete(struct ub *b, const struct io_uring_cqe *cqe)
{
	uint64_t d = io_uring_cqe_get_data64(cqe);
	if (d == LIBURING_UDATA_TIMEOUT)
		return;
	uint32_t slot = (uint32_t)(d >> 16);
	int res = cqe->res;
	switch ((enum kind)(d & 0xff)) {
	case K_SLEEP:
		res = res == -ETIME ? 0 : res;
		break;
	case K_IO:
		res = res == -ECANCELED ? -ETIMEDOUT : res; /* its linked time-out fired */
		break;
	case K_POLL:
		if ((uint8_t)(d >> 8) != b->gen[slot])
			return;
		res = res < 0 ? res : 0; /* ready, or an error the next call names */
		break;
	case K_IGNORE:
		return;
	}
	sim_coro_wake(b->core, slot, res);
}

static int ub_poll(void *be, int64_t timeout_ns)
{
	struct ub *b = be;
	struct io_uring_cqe *cqe;
	int e;
	if (timeout_ns == 0) {
		e = io_uring_submit_and_get_events(&b->ring);
	} else {
		struct __kernel_timespec ts = { .tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000 };
		e = io_uring_submit_and_wait_timeout(&b->ring, &cqe, 1, timeout_ns > 0 ? &ts : NULL, NULL);
	}
	if (e < 0 && e != -ETIME && e != -EINTR && e != -EBUSY)
		return e;
	unsigned head, n = 0;
	io_uring_for_each_cqe(&b->ring, head, cqe)
	{
		complete(b, cqe);
		n++;
	}
	io_uring_cq_advance(&b->ring, n);
	return 0;
}

/* ---- the ring, and what refuses it ---------------------------------------------------------- */

/* The tests' way to see a refusal on a machine that allows io_uring: SIMUL_URING_REFUSE=
 * ENOSYS, EPERM or NODROP makes the set-up fail as that kernel or container would. */
static int forced_refusal(void)
{
	const char *v = getenv("SIMUL_URING_REFUSE");
	if (!v || !*v)
		return 0;
	return strcmp(v, "ENOSYS") == 0 ? -ENOSYS : strcmp(v, "EPERM") == 0 ? -EPERM : strcmp(v, "NODROP") == 0 ? 1 : 0;
}

/* A ring for nslots tasks in flight: the kernel's own way to wait for completions (only the
 * loop's thread submits; its work runs when the loop asks for completions), falling back to
 * a plain ring on older kernels. 0, or -errno with one line naming the cause and the fix. */
static int uring_open(struct io_uring *ring, uint32_t nslots, char *err, size_t errlen)
{
	int forced = forced_refusal();
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	                             .cq_entries = nslots * 2 < CQ_MAX ? (nslots * 2 > SQ_ENTRIES * 2 ? nslots * 2 : SQ_ENTRIES * 2) : CQ_MAX };
	int e = forced < 0 ? forced : io_uring_queue_init_params(SQ_ENTRIES, ring, &p);
	if (e == -EINVAL) {
		p.flags = IORING_SETUP_CQSIZE;
		e = io_uring_queue_init_params(SQ_ENTRIES, ring, &p);
	}
	if (e < 0) {
		snprintf(err, errlen, "io_uring is refused here (%s%s): use --model eventloop, the same coroutines on libuv",
		         e == -ENOSYS ? "ENOSYS: the kernel has none" : e == -EPERM ? "EPERM: kernel.io_uring_disabled, or the container's seccomp policy" : strerror(-e),
		         e == -ENOMEM ? ", or RLIMIT_MEMLOCK too low for the ring" : "");
		return e;
	}
	bool nodrop = (p.features & IORING_FEAT_NODROP) && forced != 1;
	if (!nodrop && nslots > p.cq_entries) {
		io_uring_queue_exit(ring);
		snprintf(err, errlen, "this kernel's io_uring drops completions beyond its ring (no IORING_FEAT_NODROP): %u "
		         "tasks in flight need more than its %u: use --limit %u, or --model eventloop",
		         nslots, p.cq_entries, p.cq_entries);
		return -ENOSPC;
	}
	return 0;
}

static int ub_check(const struct sim_run *run, char *err, size_t errlen)
{
	struct io_uring ring;
	int e = uring_open(&ring, sim_run_concurrency(run), err, errlen);
	if (e == 0)
		io_uring_queue_exit(&ring);
	return e;
}

static const char *ub_detail(void)
{
	static char line[120];
	struct io_uring_probe *p = io_uring_get_probe();
	snprintf(line, sizeof line, "io_uring (liburing)%s", p ? "" : ", refused on this machine");
	if (p)
		io_uring_free_probe(p);
	return line;
}

static int ub_init(void *be, struct sim_coroloop *core, uint32_t nslots, char *err, size_t errlen)
{
	struct ub *b = be;
	b->core = core;
	b->nslots = nslots;
	if (!(b->gen = calloc(nslots, 1))) {
		snprintf(err, errlen, "out of memory for %u coroutine slots: use --limit or fewer --tasks", nslots);
		return -ENOMEM;
	}
	int e = uring_open(&b->ring, nslots, err, errlen);
	if (e < 0)
		free(b->gen);
	return e;
}

static void ub_fini(void *be)
{
	struct ub *b = be;
	io_uring_queue_exit(&b->ring); /* cancels what is still in flight */
	free(b->gen);
}

const struct sim_backend sim_backend_uring = {
	.name = "io_uring",
	.size = sizeof(struct ub),
	.init = ub_init,
	.fini = ub_fini,
	.wait_fd = ub_wait_fd,
	.cancel = ub_cancel,
	.poll = ub_poll,
	.sleep = ub_sleep,
	.connect = ub_connect,
	.recv = ub_recv,
	.send = ub_send,
	.detail = ub_detail,
	.check = ub_check,
};
