/* SPDX-License-Identifier: MIT */
/* runtime.c: the runtime interface every task body calls, dispatched to the model's hooks. */
#include "model.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

_Thread_local struct sim_task_ctx sim_cur;
static int trace_fd = -1;     /* set once, before the run */
static atomic_int trace_err;  /* errno of a trace write that failed, until a task reports it */
static _Thread_local const struct sim_ops *ops = &sim_blocking_ops;
static _Thread_local struct sim_tally *tally;
static double t0;

void sim_set_ops(const struct sim_ops *o) { ops = o; }

double sim_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void sim_clock_start(void) { t0 = sim_mono_s(); }
double sim_now(void) { return sim_mono_s() - t0; }

int sim_sleep(uint64_t ms) { return ops->sleep_ms(ms); }
void sim_compute(sim_compute_fn fn, void *arg) { ops->compute(fn, arg); }
void sim_tick(void)
{
	if (ops->tick)
		ops->tick();
}

int sim_token_wait(uint32_t k) { return ops->token_wait ? ops->token_wait(k) : -ENOTSUP; }
int sim_token_pass(uint32_t k) { return ops->token_pass ? ops->token_pass(k) : -ENOTSUP; }
int sim_token_handoff(uint32_t pass, uint32_t wait)
{
	if (ops->token_handoff)
		return ops->token_handoff(pass, wait);
	int e = sim_token_pass(pass);
	return e < 0 ? e : sim_token_wait(wait);
}

/* ---- sockets: non-blocking descriptors, the model decides how to wait ---------------- */

int sim_connect(const struct sockaddr *addr, socklen_t len, int timeout_ms)
{
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = ops->connect ? ops->connect(fd, addr, len, timeout_ms) : SIM_OPS_GENERIC;
	if (r != SIM_OPS_GENERIC) {
		if (r == 0)
			return fd;
		close(fd);
		return r;
	}
	if (connect(fd, addr, len) == 0)
		return fd;
	int e = errno;
	if (e == EINPROGRESS) {
		/* Over loopback the handshake has usually completed inside connect() itself: look
		 * before waiting through the model, which would cost the event loop a whole turn. */
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		e = poll(&p, 1, 0) == 1 ? 0 : -ops->wait_fd(fd, POLLOUT, timeout_ms);
		if (e == 0) {
			socklen_t el = sizeof e;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
				e = errno;
		}
	}
	if (e == 0)
		return fd;
	close(fd);
	return -e;
}

ssize_t sim_read(int fd, void *buf, size_t len, int timeout_ms)
{
	ssize_t m = ops->read ? ops->read(fd, buf, len, timeout_ms) : SIM_OPS_GENERIC;
	if (m != SIM_OPS_GENERIC)
		return m;
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		int r = ops->wait_fd(fd, POLLIN, timeout_ms);
		if (r < 0)
			return r;
	}
}

ssize_t sim_write(int fd, const void *buf, size_t len, int timeout_ms)
{
	ssize_t m = ops->write ? ops->write(fd, buf, len, timeout_ms) : SIM_OPS_GENERIC;
	if (m != SIM_OPS_GENERIC)
		return m;
	size_t done = 0;
	while (done < len) {
		ssize_t n = send(fd, (const char *)buf + done, len - done, MSG_NOSIGNAL);
		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		int r = ops->wait_fd(fd, POLLOUT, timeout_ms);
		if (r < 0)
			return r;
	}
	return (ssize_t)done;
}

int sim_close(int fd) { return close(fd) < 0 ? -errno : 0; }

/* ---- the blocking binding: sequential, threadpool and multiprocess share it ---------- */

static int blocking_sleep(uint64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int blocking_wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	for (;;) {
		int n = poll(&p, 1, timeout_ms > 0 ? timeout_ms : -1);
		if (n > 0)
			return 0; /* readable, writable, or an error the next call reports */
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static void blocking_compute(sim_compute_fn fn, void *arg) { fn(arg); }

const struct sim_ops sim_blocking_ops = {
	.sleep_ms = blocking_sleep,
	.wait_fd = blocking_wait_fd,
	.compute = blocking_compute,
	.tick = NULL,
	.token_wait = sim_token_futex_wait,
	.token_pass = sim_token_futex_pass,
};

/* ---- tasks, traces ------------------------------------------------------------------ */

void sim_trace_open(int fd) { trace_fd = fd; }

void sim_task_run(const struct sim_run *run, uint32_t i, uint32_t worker, struct sim_result *out)
{
	sim_task_begin(i, worker, out);
	run->task(run, i, out);
	sim_task_end(out);
}

void sim_task_begin(uint32_t i, uint32_t worker, struct sim_result *out)
{
	memset(out, 0, sizeof *out);
	sim_cur.task = i;
	sim_cur.worker = worker;
	out->worker = worker;
	out->start_s = (float)sim_now();
}

void sim_task_end(struct sim_result *out)
{
	out->took_s = (float)(sim_now() - (double)out->start_s);
	/* A line missing from the trace fails a task, so its result (which crosses from a forked
	 * worker too) fails the run, and no incomplete trace is renamed into place. */
	if (trace_fd >= 0) {
		int e = atomic_exchange_explicit(&trace_err, 0, memory_order_relaxed);
		if (e)
			sim_result_fail(out, -e, "cannot write the trace: %s", strerror(e));
	}
}

void sim_trace(const char *phase, double start_s, double end_s)
{
	if (trace_fd < 0)
		return;
	char line[160];
	int n = snprintf(line, sizeof line, "%u,%u,%s,%.6f,%.6f\n", sim_cur.task, sim_cur.worker, phase,
	                 start_s, end_s);
	/* One write of a whole line to an O_APPEND file: lines from threads and forked workers
	 * do not interleave. */
	int e = EOVERFLOW;
	if (n > 0 && (size_t)n < sizeof line) {
		ssize_t w = write(trace_fd, line, (size_t)n);
		if (w == n)
			return;
		e = errno;
		/* Half a line went out (a full disk, a file-size limit): writing the rest says why,
		 * or finishes the line. */
		if (w >= 0) {
			ssize_t r = write(trace_fd, line + w, (size_t)(n - w));
			if (r == n - w)
				return;
			e = r < 0 ? errno : EIO;
		}
	}
	int none = 0;
	atomic_compare_exchange_strong_explicit(&trace_err, &none, e, memory_order_relaxed, memory_order_relaxed);
}

void sim_result_fail(struct sim_result *r, int status, const char *fmt, ...)
{
	if (r->status != 0)
		return; /* keep the first */
	r->status = status ? status : -EIO;
	/* The message only if no lower-numbered task has left one: the run quotes the lowest
	 * failed task, as the peers do. sim_cur is the failing task in every model. */
	struct sim_tally *t = tally;
	if (!t || (t->err_status != 0 && t->err_task <= sim_cur.task))
		return;
	t->err_task = sim_cur.task;
	t->err_status = r->status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->err, sizeof t->err, fmt, ap);
	va_end(ap);
}

/* ---- the run's tally: per worker, merged by the model --------------------------------- */

void sim_tally_bind(struct sim_tally *t) { tally = t; }

void sim_lat_add(double seconds)
{
	if (tally)
		sim_hist_add(&tally->lat, seconds);
}

void sim_tally_merge(struct sim_tally *into, const struct sim_tally *from)
{
	sim_hist_merge(&into->lat, &from->lat);
	if (from->err_status != 0 && (into->err_status == 0 || from->err_task < into->err_task)) {
		into->err_task = from->err_task;
		into->err_status = from->err_status;
		memcpy(into->err, from->err, sizeof into->err);
	}
}


/* ---- latency histogram: log-linear, 8 buckets per octave of microseconds -------------- */

static int hist_index(double s)
{
	double us = s * 1e6;
	if (!(us >= 1.0))
		return 0;
	int e;
	double m = frexp(us, &e); /* us = m * 2^e, m in [0.5, 1) */
	int sub = (int)((m * 2.0 - 1.0) * 8.0);
	int idx = 1 + (e - 1) * 8 + sub;
	return idx < SIM_HIST_BUCKETS ? idx : SIM_HIST_BUCKETS - 1;
}

static double hist_upper(int idx)
{
	if (idx == 0)
		return 1e-6;
	int oct = (idx - 1) / 8, sub = (idx - 1) % 8;
	return ldexp(1.0 + (sub + 1) / 8.0, oct) * 1e-6;
}

void sim_hist_add(struct sim_hist *h, double seconds) { h->b[hist_index(seconds)]++; }

void sim_hist_merge(struct sim_hist *into, const struct sim_hist *from)
{
	for (int i = 0; i < SIM_HIST_BUCKETS; i++)
		into->b[i] += from->b[i];
}

double sim_hist_quantile(const struct sim_hist *h, double q)
{
	uint64_t total = 0;
	for (int i = 0; i < SIM_HIST_BUCKETS; i++)
		total += h->b[i];
	if (total == 0)
		return 0;
	uint64_t want = (uint64_t)ceil(q * (double)total), seen = 0;
	if (want == 0)
		want = 1;
	for (int i = 0; i < SIM_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want)
			return hist_upper(i);
	}
	return hist_upper(SIM_HIST_BUCKETS - 1);
}

/* ---- machine facts, concurrency ------------------------------------------------------ */

uint32_t sim_cores(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return (uint32_t)CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (uint32_t)n : 1;
}

uint32_t sim_run_concurrency(const struct sim_run *run)
{
	uint32_t c = run->tasks;
	if (run->model->serial)
		c = 1;
	else if (sim_model_pool(run->model) && run->workers > 0 && run->workers < c)
		c = run->workers;
	if (run->limit > 0 && run->limit < c)
		c = run->limit;
	return c ? c : 1;
}
