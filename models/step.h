/* SPDX-License-Identifier: MIT */
/* step.h: the callback form of a task body, for a model that runs tasks as plain callbacks (no stacks). */
#ifndef SIMUL_STEP_H
#define SIMUL_STEP_H

#include "runtime.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct sim_run;

/* A task body written as a state machine. A blocking body cannot run without a stack of its
 * own; this form can: the model calls the step first, then again each time the operation the
 * step asked for has completed, with its result; each call says what the task does next. A
 * task in flight costs its state (run->step_state bytes, zeroed before the first call) and
 * whatever the model holds for the one operation it waits on. A task has at most one
 * connection: CONNECT opens it, WRITE and READ use it, CLOSE (or DONE) closes it; a time-out
 * closes it too. */
enum sim_op_kind {
	SIM_OP_DONE,    /* the task has finished, *out filled (as a model's first call: nothing yet) */
	SIM_OP_SLEEP,   /* wait ms without using the CPU: result 0, never early */
	SIM_OP_CONNECT, /* a TCP connection to addr: result 0, or -errno (-ETIMEDOUT) */
	SIM_OP_WRITE,   /* all of buf[len] (valid until the result): len, or -errno (-ETIMEDOUT) */
	SIM_OP_READ,    /* what has arrived: n > 0 bytes in data, 0 when the peer closed, or -errno */
	SIM_OP_CLOSE,   /* close the connection: result 0, at once */
};

struct sim_op {
	enum sim_op_kind kind;
	int timeout_ms;              /* CONNECT, WRITE, READ: 0 = none */
	uint64_t ms;                 /* SLEEP */
	const struct sockaddr *addr; /* CONNECT: valid until the result */
	socklen_t addrlen;
	const void *buf;             /* WRITE */
	size_t len;
};

/* The operation that completed (SIM_OP_DONE on the first call) and its result; after a READ,
 * the bytes, valid during this call only (the model reads every connection into one buffer). */
struct sim_step_in {
	enum sim_op_kind done;
	ssize_t result;
	const char *data;
};

/* Task i's next operation into *next. Fails a task as the blocking form does
 * (sim_result_fail), then asks for SIM_OP_DONE. May call sim_now and sim_trace, never a
 * blocking call of runtime.h. */
typedef void (*sim_step_fn)(const struct sim_run *run, uint32_t i, void *state, const struct sim_step_in *in,
                            struct sim_op *next, struct sim_result *out);

#endif
