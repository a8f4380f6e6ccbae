/* SPDX-License-Identifier: MIT */
/* coroloop.h: the coroutine core: slots, creation, resume, yield, timers, tokens, and the small interface a loop backend implements. */
#ifndef SIMUL_COROLOOP_H
#define SIMUL_COROLOOP_H

#include "model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* The core runs every task of a run as a stackful coroutine in a slot (stacks.h gives it a
 * stack), on one thread. It owns what every loop needs alike: the slots, making and
 * resuming coroutines, the ready queue (a token passed, a sleep of 0), the timers of
 * sim_sleep and of the waits' time-outs (one heap of deadlines), the tokens, and the loop
 * that runs until every task has finished. A backend owns only the waiting on the outside
 * world, behind the functions below, as redis's ae.c keeps epoll behind aeApi*: libuv
 * (coroloop_uv.c) or io_uring (coroloop_uring.c).
 *
 * The contract of a wait: the core parks the running slot (it yields to the loop) after the
 * backend has started the wait; the backend later reports its end with sim_coro_wake(slot,
 * status) from inside poll(). Nothing a backend keeps for a wait may lie on the task's
 * stack: a suspended task's frames are copied elsewhere (copystack.h). */
struct sim_coroloop;

struct sim_backend {
	const char *name;
	size_t size; /* bytes of the backend's own state, handed to every call as `be` */
	/* Before any task starts: nslots slots at most in flight. 0, or -errno with one line
	 * (and nothing left to release). */
	int (*init)(void *be, struct sim_coroloop *core, uint32_t nslots, char *err, size_t errlen);
	/* After the last task: release everything (waits still in progress included). */
	void (*fini)(void *be);
	/* Wait until fd is ready for events (POLLIN, POLLOUT); report with sim_coro_wake. */
	int (*wait_fd)(void *be, uint32_t slot, int fd, short events);
	/* The wait of slot ended otherwise (its time-out): stop it; it must not be reported. */
	void (*cancel)(void *be, uint32_t slot);
	/* Wait up to timeout_ns (-1: until something ends, 0: only look) and report what ended. */
	int (*poll)(void *be, int64_t timeout_ns);
	/* Optional, the backend's own operations instead of the core's (NULL: the core's timer;
	 * a non-blocking call, and wait_fd when it would block). Each starts the operation for
	 * slot and returns 0 (the result comes with sim_coro_wake) or -errno at once. A time-out
	 * (timeout_ms > 0) ends the operation with -ETIMEDOUT. */
	int (*sleep)(void *be, uint32_t slot, uint64_t ns);
	int (*connect)(void *be, uint32_t slot, int fd, const struct sockaddr *addr, socklen_t len, int timeout_ms);
	int (*recv)(void *be, uint32_t slot, int fd, void *buf, size_t len, int timeout_ms);
	int (*send)(void *be, uint32_t slot, int fd, const void *buf, size_t len, int timeout_ms);
	/* Optional, for `simul list`. */
	const char *(*detail)(void);
	/* Optional: whether this machine gives the backend what a run needs (model.h's check). */
	int (*check)(const struct sim_run *run, char *err, size_t errlen);
};

/* The backends: libuv (coroloop_uv.c), io_uring where the build found liburing (coroloop_uring.c). */
extern const struct sim_backend sim_backend_uv, sim_backend_uring;

/* Run every task of run on the backend, with compute bound to the given hook (NULL: on the
 * loop's thread). 0, or -errno with one line in err. */
int sim_coroloop_run(const struct sim_run *run, struct sim_result *results, const struct sim_backend *be,
                     void (*compute)(sim_compute_fn fn, void *arg), char *err, size_t errlen);

/* ---- for backends, from inside poll() -------------------------------------------------- */

/* The wait of slot ended with status (0, a byte count, or -errno): the slot is ready. */
void sim_coro_wake(struct sim_coroloop *core, uint32_t slot, int status);

/* ---- for models built on a loop (eventloop-offload): the running task ------------------ */

/* The running task's slot, or UINT32_MAX outside a coroutine; its backend's state in *be. */
uint32_t sim_coro_self(void **be);
/* Suspend the running task until something calls sim_coro_wake on its slot. */
int sim_coro_park(void);
/* p lies on the running task's stack (where nothing may stay while it waits). */
bool sim_coro_on_stack(const void *p);
/* The loop the running task's backend runs (the one of the calling thread). */
struct sim_coroloop *sim_coro_loop(void);

/* About how many bytes a task in flight costs beside its result (model.h's task_bytes). */
size_t sim_coroloop_task_bytes(const struct sim_run *run);
/* The switch and the stacks, for `simul list`. */
const char *sim_coroloop_detail(const struct sim_backend *be);

#endif
