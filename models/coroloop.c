/* SPDX-License-Identifier: MIT */
/* coroloop.c: the coroutine core: slots, creation, resume and yield, the ready queue, the timers, the tokens, the loop. */
#include "coroloop.h"
#include "coro.h"
#include "stacks.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A slot runs one task at a time, like a permit of asyncio.Semaphore. Slots are taken as
 * tasks start and given back as they finish (the last one given back is taken first), so a
 * run of empty tasks uses one, and a slot's memory is touched only once a task needs it:
 * the array is as long as the run's concurrency, but calloc's untouched pages cost
 * nothing. A slot is what a suspended task costs beside its saved frames and its result:
 * its coroutine and four words. Everything a wait leaves behind is here, in the timer heap
 * or in the backend, never on the task's stack. */
enum wait { W_NONE, W_TIMER, W_IO, W_TOKEN }; /* in co.user */

struct slot {
	struct sim_coro co;
	uint32_t task;
	int32_t status;   /* what ended the wait: 0, a byte count, -ETIMEDOUT, -errno */
	uint32_t heap_at; /* its place in the timer heap, plus one; 0: no timer */
	uint32_t link;    /* the next slot in the ready queue or the free list, plus one */
};

struct timer {
	uint64_t at; /* ns, CLOCK_MONOTONIC */
	uint32_t slot;
};

struct sim_coroloop {
	const struct sim_run *run;
	struct sim_result *results;
	const struct sim_backend *be;
	void *bes;               /* the backend's state */
	struct sim_coro main;    /* the loop's own context, on the thread's stack */
	struct sim_stacks stacks;
	struct slot *slots;
	uint32_t nslots, used, free, inflight;
	uint32_t next, finished;
	uint32_t ready_head, ready_tail, nready;
	uint32_t io_waiting;     /* waits the backend will end (poll must be called) */
	struct timer *heap;
	uint32_t nheap;
	int failed;              /* a coroutine could not be switched out, or poll failed */
};

static _Thread_local struct sim_coroloop *cur;
static _Thread_local struct slot *running;

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t id_of(const struct sim_coroloop *L, const struct slot *s) { return (uint32_t)(s - L->slots); }

/* ---- the ready queue and the free list (links are slot numbers plus one) ----------------- */

static void ready_push(struct sim_coroloop *L, struct slot *s)
{
	uint32_t k = id_of(L, s) + 1;
	s->link = 0;
	s->co.user = W_NONE;
	if (L->ready_tail)
		L->slots[L->ready_tail - 1].link = k;
	else
		L->ready_head = k;
	L->ready_tail = k;
	L->nready++;
}

static struct slot *ready_pop(struct sim_coroloop *L)
{
	struct slot *s = &L->slots[L->ready_head - 1];
	L->ready_head = s->link;
	if (!L->ready_head)
		L->ready_tail = 0;
	L->nready--;
	return s;
}

static struct slot *slot_take(struct sim_coroloop *L)
{
	struct slot *s;
	if (L->free) {
		s = &L->slots[L->free - 1];
		L->free = s->link;
	} else {
		s = &L->slots[L->used++];
	}
	L->inflight++;
	return s;
}

static void slot_give(struct sim_coroloop *L, struct slot *s)
{
	s->link = L->free;
	L->free = id_of(L, s) + 1;
	L->inflight--;
}

/* ---- the timers: a binary heap of deadlines (sleeps of one length arrive in order, so a
 * push rarely moves; 16 bytes a timer, in one array) ----------------------------------------- */

static void heap_set(struct sim_coroloop *L, uint32_t i, struct timer t)
{
	L->heap[i] = t;
	L->slots[t.slot].heap_at = i + 1;
}

static void heap_up(struct sim_coroloop *L, uint32_t i, struct timer t)
{
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (L->heap[p].at <= t.at)
			break;
		heap_set(L, i, L->heap[p]);
		i = p;
	}
	heap_set(L, i, t);
}

static void heap_down(struct sim_coroloop *L, uint32_t i, struct timer t)
{
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= L->nheap)
			break;
		if (c + 1 < L->nheap && L->heap[c + 1].at < L->heap[c].at)
			c++;
		if (t.at <= L->heap[c].at)
			break;
		heap_set(L, i, L->heap[c]);
		i = c;
	}
	heap_set(L, i, t);
}

/* The heap has room for every slot: a slot has one timer at most. */
static void timer_start(struct sim_coroloop *L, struct slot *s, uint64_t at)
{
	heap_up(L, L->nheap++, (struct timer){ .at = at, .slot = id_of(L, s) });
}

static void timer_stop(struct sim_coroloop *L, struct slot *s)
{
	uint32_t i = s->heap_at - 1;
	s->heap_at = 0;
	struct timer last = L->heap[--L->nheap];
	if (i == L->nheap)
		return;
	if (i > 0 && last.at < L->heap[(i - 1) / 2].at)
		heap_up(L, i, last);
	else
		heap_down(L, i, last);
}

/* Every timer due by now: its slot is ready (a wait's time-out ends the wait first). */
static void timers_expire(struct sim_coroloop *L, uint64_t now)
{
	while (L->nheap && L->heap[0].at <= now) {
		struct slot *s = &L->slots[L->heap[0].slot];
		timer_stop(L, s);
		s->status = 0;
		if (s->co.user == W_IO) {
			L->be->cancel(L->bes, id_of(L, s));
			L->io_waiting--;
			s->status = -ETIMEDOUT;
		}
		ready_push(L, s);
	}
}

/* ---- running a coroutine ------------------------------------------------------------------- */

/* sim_task_run's halves, so that a waiting task keeps one frame fewer. */
static void task_main(void *arg)
{
	struct slot *s = arg;
	struct sim_coroloop *L = cur;
	struct sim_result *out = &L->results[s->task];
	sim_task_begin(s->task, id_of(L, s), out);
	L->run->task(L->run, s->task, out);
	sim_task_end(out);
	s->co.caller = &L->main; /* a finished coroutine goes back to the loop, whoever switched to it last */
}

/* The coroutine that could not be copied out (the stacks' current one) is lost: the run fails. */
static void fail_run(struct sim_coroloop *L, int e)
{
	struct slot *s = (struct slot *)(void *)((char *)L->stacks.current - offsetof(struct slot, co));
	sim_stacks_drop(&L->stacks, &s->co);
	s->co.done = true;
	L->failed = e;
}

/* Run slot s until it yields. From the loop's context only, so switches never nest. */
static void resume(struct sim_coroloop *L, struct slot *s)
{
	running = s;
	int e = sim_stacks_run(&L->stacks, &L->main, &s->co);
	s = running; /* a direct hand-off may have moved on to another */
	running = NULL;
	if (e < 0) {
		fail_run(L, e);
		return;
	}
	if (s->co.done) {
		L->finished++;
		slot_give(L, s);
	}
}

/* The next task, in a slot of its own, run to its first wait. */
static void start_task(struct sim_coroloop *L)
{
	struct slot *s = slot_take(L);
	s->task = L->next++;
	s->heap_at = 0;
	s->co.user = W_NONE;
	int e = sim_stacks_make(&L->stacks, &s->co, task_main, s);
	if (e < 0) {
		sim_cur.task = s->task;
		sim_result_fail(&L->results[s->task], e, "no coroutine stack for the task: lower --stack-kib or use --limit");
		L->finished++;
		s->co.done = true;
		slot_give(L, s);
		return;
	}
	resume(L, s);
}

/* Back to the loop until the slot is woken. sim_trace reads sim_cur, which whatever ran in
 * between has changed. */
static void yield(struct slot *s)
{
	struct sim_coroloop *L = cur;
	sim_coro_switch(&s->co, &L->main);
	sim_cur.task = s->task;
	sim_cur.worker = id_of(L, s);
}

void sim_coro_wake(struct sim_coroloop *L, uint32_t k, int status)
{
	struct slot *s = &L->slots[k];
	if (s->heap_at)
		timer_stop(L, s);
	L->io_waiting--;
	s->status = status;
	ready_push(L, s);
}

/* A sleep's timer is set: park until it is due. Apart, and called last, so that the sleep's
 * own frame is gone while the task waits: its frames are what a suspended task keeps. */
static __attribute__((noinline)) int wait_timer(struct slot *s)
{
	s->co.user = W_TIMER;
	yield(s);
	return 0;
}

/* A wait the backend has started: park until it ends. */
static __attribute__((noinline)) int wait_io(struct slot *s)
{
	cur->io_waiting++;
	s->co.user = W_IO;
	yield(s);
	return s->status;
}

/* ---- the loop ------------------------------------------------------------------------------ */

/* Until every task has finished: start tasks while slots are free, run the ones ready at the
 * start of the turn (a task that passes a token to another runs it on the next turn, as
 * asyncio's call_soon), look at the backend when it has waits or nothing else is ready,
 * and end the timers that are due. */
static void run_loop(struct sim_coroloop *L)
{
	const uint32_t tasks = L->run->tasks;
	while (!L->failed) {
		while (L->next < tasks && L->inflight < L->nslots && !L->failed)
			start_task(L);
		for (uint32_t n = L->nready; n > 0 && !L->failed; n--)
			resume(L, ready_pop(L));
		if (L->failed || L->finished == tasks)
			return;
		int64_t timeout = -1;
		uint64_t now = 0;
		if (L->nready || (L->next < tasks && L->inflight < L->nslots))
			timeout = 0;
		else if (L->nheap) {
			now = mono_ns();
			timeout = L->heap[0].at > now ? (int64_t)(L->heap[0].at - now) : 0;
		} else if (!L->io_waiting)
			return; /* waiting on tokens nobody will pass: run() names it */
		if (timeout != 0 || L->io_waiting) {
			int e = L->be->poll(L->bes, timeout);
			if (e < 0) {
				L->failed = e;
				return;
			}
			now = 0;
		}
		if (L->nheap)
			timers_expire(L, now && timeout == 0 ? now : mono_ns());
	}
}

/* ---- the runtime's hooks ------------------------------------------------------------------- */

static int co_sleep(uint64_t ms)
{
	struct slot *s = running;
	if (!s)
		return sim_blocking_ops.sleep_ms(ms);
	struct sim_coroloop *L = cur;
	if (ms == 0) { /* let the other tasks run once */
		ready_push(L, s);
		yield(s);
		return 0;
	}
	if (L->be->sleep) {
		int e = L->be->sleep(L->bes, id_of(L, s), ms * 1000000u);
		return e < 0 ? e : wait_io(s);
	}
	/* The deadline in nanoseconds, checked against the clock: never a millisecond early. */
	timer_start(L, s, mono_ns() + ms * 1000000u);
	return wait_timer(s);
}

static int co_wait_fd(int fd, short events, int timeout_ms)
{
	struct slot *s = running;
	if (!s)
		return sim_blocking_ops.wait_fd(fd, events, timeout_ms);
	struct sim_coroloop *L = cur;
	int e = L->be->wait_fd(L->bes, id_of(L, s), fd, events);
	if (e < 0)
		return e;
	if (timeout_ms > 0)
		timer_start(L, s, mono_ns() + (uint64_t)timeout_ms * 1000000u);
	return wait_io(s);
}

/* Memory the kernel reads or fills after the task has switched out may not lie on the copied
 * run stack (another task's frames are there by then): such a buffer goes through the heap. */
static bool on_run_stack(const void *p)
{
	const struct sim_copystack *cs = &cur->stacks.copy;
	return cur->stacks.kind == SIM_STACK_COPY && (const char *)p >= cs->lo && (const char *)p < cs->top;
}

static int co_connect(int fd, const struct sockaddr *addr, socklen_t len, int timeout_ms)
{
	struct slot *s = running;
	if (!s)
		return SIM_OPS_GENERIC;
	struct sim_coroloop *L = cur;
	struct sockaddr_storage *copy = NULL;
	if (on_run_stack(addr)) {
		if (len > sizeof *copy || !(copy = malloc(sizeof *copy)))
			return -ENOMEM;
		memcpy(copy, addr, len);
		addr = (const struct sockaddr *)copy;
	}
	int e = L->be->connect(L->bes, id_of(L, s), fd, addr, len, timeout_ms);
	if (e == 0)
		e = wait_io(s);
	free(copy);
	return e;
}

static ssize_t co_read(int fd, void *buf, size_t len, int timeout_ms)
{
	struct slot *s = running;
	if (!s)
		return SIM_OPS_GENERIC;
	struct sim_coroloop *L = cur;
	void *into = buf, *bounce = NULL;
	if (len > (1u << 30))
		len = 1u << 30;
	if (on_run_stack(buf) && !(into = bounce = malloc(len)))
		return -ENOMEM;
	int n = L->be->recv(L->bes, id_of(L, s), fd, into, len, timeout_ms);
	if (n == 0)
		n = wait_io(s);
	if (bounce && n > 0)
		memcpy(buf, bounce, (size_t)n);
	free(bounce);
	return n;
}

static ssize_t co_write(int fd, const void *buf, size_t len, int timeout_ms)
{
	struct slot *s = running;
	if (!s)
		return SIM_OPS_GENERIC;
	struct sim_coroloop *L = cur;
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
		e = L->be->send(L->bes, id_of(L, s), fd, from, part, timeout_ms);
		if (e == 0 && (e = wait_io(s)) > 0)
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
	struct slot *s = running;
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
		yield(s);
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
	if (!running || !t)
		return !t ? -EINVAL : sim_blocking_ops.token_pass(k);
	struct slot *w;
	int e = token_set(t, &w);
	if (e == 0 && w)
		ready_push(cur, w);
	return e;
}

static int co_token_handoff(uint32_t pass, uint32_t wait)
{
	struct slot *s = running, *w = NULL;
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
	running = w;
	struct sim_coroloop *L = cur;
	sim_stacks_handoff(&L->stacks, &s->co, &w->co);
	sim_cur.task = s->task;
	sim_cur.worker = id_of(L, s);
	return co_token_wait(wait); /* passed to us by now: this takes it */
}

static const struct sim_ops coro_ops = {
	.sleep_ms = co_sleep,
	.wait_fd = co_wait_fd,
	.compute = co_compute,
	.token_wait = co_token_wait,
	.token_pass = co_token_pass,
	.token_handoff = co_token_handoff,
};

/* ---- for models built on a loop ------------------------------------------------------------ */

uint32_t sim_coro_self(void **be)
{
	if (!running)
		return UINT32_MAX;
	if (be)
		*be = cur->bes;
	return id_of(cur, running);
}

int sim_coro_park(void) { return running ? wait_io(running) : -EINVAL; }

bool sim_coro_on_stack(const void *p)
{
	const struct sim_coro *co = running ? &running->co : NULL;
	const char *lo = co ? co->stack : NULL, *q = p;
	return co && q >= lo && q < lo + co->stack_size;
}

struct sim_coroloop *sim_coro_loop(void) { return cur; }

/* ---- a run --------------------------------------------------------------------------------- */

/* Everything a run needs before its first task starts, in one place: the slots, the timer
 * heap, every stack the run can need (the run stack, or a guarded stack per slot: running
 * out fails the run here, cleanly, never half-way with coroutines suspended) and the
 * backend. 0, or -errno with one line in err. */
static int setup(struct sim_coroloop *L, char *err, size_t errlen)
{
	const struct sim_run *run = L->run;
	L->nslots = sim_run_concurrency(run);
	L->slots = calloc(L->nslots, sizeof *L->slots);
	L->heap = calloc(L->nslots, sizeof *L->heap);
	if (!L->slots || !L->heap) {
		snprintf(err, errlen, "out of memory for %u coroutine slots: use --limit or fewer --tasks", L->nslots);
		return -ENOMEM;
	}
	int rc = sim_stacks_init(&L->stacks, run->stack, (size_t)run->stack_kib * 1024, L->nslots, err, errlen);
	if (rc < 0)
		return rc;
	if ((rc = L->be->init(L->bes, L, L->nslots, err, errlen)) < 0)
		return rc;
	if ((rc = sim_stacks_guard_arm(&L->stacks)) < 0) {
		snprintf(err, errlen, "cannot set up the stack-overflow handler: %s", strerror(-rc));
		L->be->fini(L->bes);
	}
	return rc;
}

static int run_result(struct sim_coroloop *L, char *err, size_t errlen)
{
	int rc = L->failed;
	if (rc == -ENOMEM || rc == -EOVERFLOW)
		snprintf(err, errlen, "a suspended task's stack could not be saved (%s): %s", strerror(-rc),
		         rc == -ENOMEM ? "use --limit or fewer --tasks" : "the stack pointer left the run stack");
	else if (rc < 0)
		snprintf(err, errlen, "the %s loop failed: %s", L->be->name, strerror(-rc));
	else if (L->finished != L->run->tasks) {
		/* A task waits on a token nobody passes: a guard against a hang. */
		snprintf(err, errlen, "%u of %u tasks never finished: they waited on nothing the loop watches",
		         L->run->tasks - L->finished, L->run->tasks);
		rc = -EDEADLK;
	}
	return rc;
}

int sim_coroloop_run(const struct sim_run *run, struct sim_result *results, const struct sim_backend *be,
                     void (*compute)(sim_compute_fn fn, void *arg), char *err, size_t errlen)
{
	struct sim_coroloop *L = calloc(1, sizeof *L + be->size);
	if (!L) {
		snprintf(err, errlen, "out of memory for the event loop: use fewer --tasks");
		return -ENOMEM;
	}
	*L = (struct sim_coroloop){ .run = run, .results = results, .be = be, .bes = L + 1 };
	int rc = setup(L, err, errlen);
	if (rc == 0) {
		struct sim_ops ops = coro_ops;
		if (compute)
			ops.compute = compute;
		if (be->connect) {
			ops.connect = co_connect;
			ops.read = co_read;
			ops.write = co_write;
		}
		struct sim_coroloop *outer = cur;
		cur = L;
		sim_coro_thread(&L->main);
		sim_set_ops(&ops);
		sim_tally_bind(run->tally);
		run_loop(L);
		sim_tally_bind(NULL);
		sim_set_ops(&sim_blocking_ops);
		sim_stacks_guard_disarm();
		rc = run_result(L, err, errlen);
		for (uint32_t i = 0; i < L->used; i++)
			if (!L->slots[i].co.done)
				sim_stacks_drop(&L->stacks, &L->slots[i].co);
		be->fini(L->bes);
		cur = outer;
	}
	sim_stacks_fini(&L->stacks);
	free(L->heap);
	free(L->slots);
	free(L);
	return rc;
}

size_t sim_coroloop_task_bytes(const struct sim_run *run)
{
	return sizeof(struct slot) + sizeof(struct timer) + sim_stacks_cost(run->stack, (size_t)run->stack_kib * 1024);
}

const char *sim_coroloop_detail(const struct sim_backend *be)
{
	static char line[700];
	snprintf(line, sizeof line, "loop: %s; switch: %s; %s", be->detail ? be->detail() : be->name, sim_coro_impl(),
	         sim_stacks_describe());
	return line;
}
