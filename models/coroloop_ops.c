/* SPDX-License-Identifier: MIT */
/* coroloop_ops.c: the runtime's hooks on the coroutine core: sleeps, waits, sockets through the backend, tokens. */
#include "coroloop_core.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- the runtime's hooks ------------------------------------------------------------------- */

static int co_sleep(uint64_t ms)
{
	struct slot *s = sim_cl_running;
	if (!s)
		return sim_blocking_ops.sleep_ms(ms);
	struct sim_coroloop *L = sim_cl_cur;
	if (ms == 0) { /* let the other tasks run once */
		sim_cl_ready(L, s);
		sim_cl_yield(s);
		return 0;
	}
	if (L->be->sleep) {
		int e = L->be->sleep(L->bes, sim_cl_id(L, s), ms * 1000000u);
		return e < 0 ? e : sim_cl_wait_io(s);
	}
	/* The deadline in nanoseconds, checked against the clock: never a millisecond early. */
	sim_cl_timer_start(L, s, sim_cl_now_ns() + ms * 1000000u);
	return sim_cl_wait_timer(s);
}

static int co_wait_fd(int fd, short events, int timeout_ms)
{
	struct slot *s = sim_cl_running;
	if (!s)
		return sim_blocking_ops.wait_fd(fd, events, timeout_ms);
	struct sim_coroloop *L = sim_cl_cur;
	int e = L->be->wait_fd(L->bes, sim_cl_id(L, s), fd, events);
	if (e < 0)
		return e;
	if (timeout_ms > 0)
		sim_cl_timer_start(L, s, sim_cl_now_ns() + (uint64_t)timeout_ms * 1000000u);
	return sim_cl_wait_io(s);
}

/* Memory the kernel reads or fills after the task has switched out may not lie on the copied
 * run stack (another task's frames are there by then): such a buffer goes through the heap. */
static bool on_run_stack(const void *p)
{
	return sim_cl_cur->stacks.kind == SIM_STACK_COPY && sim_copystack_contains(&sim_cl_cur->stacks.copy, p);
}

static int co_connect(int fd, const struct sockaddr *addr, socklen_t len, int timeout_ms)
{
	struct slot *s = sim_cl_running;
	if (!s)
		return SIM_OPS_GENERIC;
	struct sim_coroloop *L = sim_cl_cur;
	struct sockaddr_storage *copy = NULL;
	if (on_run_stack(addr)) {
		if (len > sizeof *copy || !(copy = malloc(sizeof *copy)))
			return -ENOMEM;
		memcpy(copy, addr, len);
		addr = (const struct sockaddr *)copy;
	}
	int e = L->be->connect(L->bes, sim_cl_id(L, s), fd, addr, len, timeout_ms);
	if (e == 0)
		e = sim_cl_wait_io(s);
	free(copy);
	return e;
}

static ssize_t co_read(int fd, void *buf, size_t len, int timeout_ms)
{
	struct slot *s = sim_cl_running;
	if (!s)
		return SIM_OPS_GENERIC;
	struct sim_coroloop *L = sim_cl_cur;
	void *into = buf, *bounce = NULL;
	if (len > (1u << 30))
		len = 1u << 30;
	if (on_run_stack(buf) && !(into = bounce = malloc(len)))
		return -ENOMEM;
	int n = L->be->recv(L->bes, sim_cl_id(L, s), fd, into, len, timeout_ms);
	if (n == 0)
		n = sim_cl_wait_io(s);
	if (bounce && n > 0)
		memcpy(buf, bounce, (size_t)n);
	free(bounce);
	return n;
}

static ssize_t co_write(int fd, const void *buf, size_t len, int timeout_ms)
{
	struct slot *s = sim_cl_running;
	if (!s)
		return SIM_OPS_GENERIC;
	struct sim_coroloop *L = sim_cl_cur;
	void *bounce = NULL;
	if (on_run_stack(buf)) {
		if (!(bounce = malloc(len ? len : 1)))
			return -ENOMEM;
		memcpy(bounce, buf, len);
	}
	size_t done = 0;
	int e = 0;
	while (done < len && e >= 0) {
		size_t part = len - done < (1u << 30) ? len - done : 1u << 30;
		const char *from = (const char *)(bounce ? bounce : buf) + done;
		e = L->be->send(L->bes, sim_cl_id(L, s), fd, from, part, timeout_ms);
		if (e == 0 && (e = sim_cl_wait_io(s)) > 0)
			done += (size_t)e;
		else if (e == 0)
			e = -EIO; /* a send of nothing: the socket will take no more */
	}
	free(bounce);
	return e < 0 ? e : (ssize_t)done;
}

/* CPU work runs right here on the loop's thread and blocks every other task until it is
 * done: exactly what the documents warn about (claims C5, C6). */
static void co_compute(sim_compute_fn fn, void *arg) { fn(arg); }

/* Tokens: a coroutine waits by yielding; passing a token to one that waits puts it on the
 * ready queue (asyncio's call_soon). The hand-off instead switches from coroutine to
 * coroutine, no loop between. One thread owns every token here: plain loads and stores. */
static int co_token_wait(uint32_t k)
{
	struct slot *s = sim_cl_running;
	struct sim_token *t = sim_token_at(k);
	if (!s || !t)
		return !t ? -EINVAL : sim_blocking_ops.token_wait(k);
	for (;;) {
		if (atomic_load_explicit(&t->state, memory_order_relaxed) == SIM_TOKEN_PASSED) {
			atomic_store_explicit(&t->state, SIM_TOKEN_EMPTY, memory_order_relaxed);
			return 0;
		}
		if (t->waiter && t->waiter != s)
			return -EBUSY;
		t->waiter = s;
		s->co.user = W_TOKEN;
		sim_cl_yield(s);
	}
}

static int token_set(struct sim_token *t, struct slot **waiter)
{
	if (atomic_load_explicit(&t->state, memory_order_relaxed) != SIM_TOKEN_EMPTY)
		return -EBUSY;
	atomic_store_explicit(&t->state, SIM_TOKEN_PASSED, memory_order_relaxed);
	*waiter = t->waiter;
	t->waiter = NULL;
	return 0;
}

static int co_token_pass(uint32_t k)
{
	struct sim_token *t = sim_token_at(k);
	if (!sim_cl_running || !t)
		return !t ? -EINVAL : sim_blocking_ops.token_pass(k);
	struct slot *w;
	int e = token_set(t, &w);
	if (e == 0 && w)
		sim_cl_ready(sim_cl_cur, w);
	return e;
}

static int co_token_handoff(uint32_t pass, uint32_t wait)
{
	struct slot *s = sim_cl_running, *w = NULL;
	struct sim_token *tp = sim_token_at(pass), *tw = sim_token_at(wait);
	if (!s || !tp || !tw || !tp->waiter || atomic_load_explicit(&tw->state, memory_order_relaxed) != SIM_TOKEN_EMPTY ||
	    tw->waiter) {
		int e = co_token_pass(pass);
		return e < 0 ? e : co_token_wait(wait);
	}
	int e = token_set(tp, &w);
	if (e < 0)
		return e;
	tw->waiter = s;
	s->co.user = W_TOKEN;
	w->co.user = W_NONE;
	sim_cl_running = w;
	struct sim_coroloop *L = sim_cl_cur;
	sim_stacks_handoff(&L->stacks, &s->co, &w->co);
	sim_cur.task = s->task;
	sim_cur.worker = sim_cl_id(L, s);
	return co_token_wait(wait); /* passed to us by now: this takes it */
}

const struct sim_ops sim_cl_ops = {
	.sleep_ms = co_sleep,
	.wait_fd = co_wait_fd,
	.compute = co_compute,
	.token_wait = co_token_wait,
	.token_pass = co_token_pass,
	.token_handoff = co_token_handoff,
};

void sim_cl_bind_sockets(struct sim_ops *ops)
{
	ops->connect = co_connect;
	ops->read = co_read;
	ops->write = co_write;
}
