/* SPDX-License-Identifier: MIT */
/* fetch.c: the documents' web downloads: each task GETs a URL --requests times (claims C2, C3). */
#include "calibrate.h"
#include "fetch.h"
#include "machine.h"
#include "uvcheck.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define FD_SPARE 4 /* descriptors beside the sockets and those counted: see check_nofile */
#define CAL_TASKS 9      /* calibration: the median of at most this many short tasks */
#define CAL_REQS 8       /* ... of at most this many requests each */
#define CAL_BUDGET_S 1.0 /* ... none begun after this long: see fetch_usage */

#define F(field) offsetof(struct fetch_cfg, field)
static const struct sim_option fetch_options[] = {
	{ .name = "url", .kind = SIM_OPT_STR, .offset = F(url), .arg = "URL",
	  .help = "fetch this http:// URL instead of starting a server of our own" },
	{ .name = "requests", .kind = SIM_OPT_U64, .offset = F(requests), .def = "1", .min = 1, .max = 1000000,
	  .arg = "R", .help = "GETs per task, one after another over one keep-alive connection" },
	{ .name = "latency-ms", .kind = SIM_OPT_MAYBE, .offset = F(latency_ms), .def = "50", .min = 0,
	  .max = SIM_HTTP_MAX_LATENCY_MS, .arg = "L", .help = "our server's delay before each response (not with --url)" },
	{ .name = "bytes", .kind = SIM_OPT_MAYBE, .offset = F(bytes), .def = "1024", .min = 0, .max = SIM_HTTP_MAX_BODY,
	  .arg = "B", .help = "our server's body size (not with --url)" },
	{ .name = "expect-bytes", .kind = SIM_OPT_MAYBE, .offset = F(expect), .min = 0, .max = 1e15, .arg = "B",
	  .help = "with --url: every body must be this long (without: all bodies the same length)" },
	{ .name = "io-timeout-ms", .kind = SIM_OPT_U64, .offset = F(io_timeout_ms), .def = "10000", .min = 1,
	  .max = 3600000, .arg = "T", .help = "a connect, send or read waiting longer fails the task" },
	{ .name = "response-timeout-ms", .kind = SIM_OPT_U64, .offset = F(response_timeout_ms), .def = "60000",
	  .min = 1, .max = 86400000, .arg = "T",
	  .help = "a response not whole this long after its request fails the task" },
	{ .name = "max-body-bytes", .kind = SIM_OPT_U64, .offset = F(max_body), .def = "1073741824", .min = 1,
	  .max = 1e15, .arg = "B", .help = "a longer body (or Content-Length) fails the task" },
	{ 0 },
};
#undef F

static const char fetch_usage[] =
	"Without --url, the run starts its own server (the one `simul serve` runs) on a free loopback\n"
	"port, in a child process whose CPU is not counted, and stops it after. Every response must\n"
	"be 200 with the expected body.\n"
	"Prediction: sequential N*R*(L+c); a pool of W ceil(N/W)*R*(L+c); eventloop R*L + N*R*c,\n"
	"where c is the per-request cost calibrated against the same server with no latency.\n"
	"The calibration, before the timed run: the median of up to 9 short tasks of min(R, 8) GETs\n"
	"each, one after another, none begun after 1 s (so 1 s plus one task at most), against our\n"
	"server with ?latency-ms=0, or against --url itself, whose own latency then lands in c (the\n"
	"record's calibration_requests and calibration_s say what it cost). It is not in wall_s but\n"
	"--timeout counts it, as it counts the whole command. A calibration GET that times out ends\n"
	"the run there, with its error: every task would only wait as long again.";

static int fetch_check(struct sim_run *run, char *err, size_t errlen)
{
	const struct fetch_cfg *c = run->cfg;
	if (c->url) {
		struct sim_url u;
		if (sim_url_parse(c->url, &u, err, errlen) < 0)
			return -EINVAL;
		if (c->latency_ms.given || c->bytes.given) {
			snprintf(err, errlen, "--%s sets our own server, not the one at --url: drop one of them",
			         c->latency_ms.given ? "latency-ms" : "bytes");
			return -EINVAL;
		}
	} else if (c->expect.given) {
		snprintf(err, errlen, "--expect-bytes goes with --url; our own server sends --bytes");
		return -EINVAL;
	}
	/* What our own server is told to do must fit the limits, or every task would fail. */
	if (!c->url && c->bytes.value > c->max_body) {
		snprintf(err, errlen, "--bytes %llu is more than --max-body-bytes %llu: raise --max-body-bytes",
		         (unsigned long long)c->bytes.value, (unsigned long long)c->max_body);
		return -EINVAL;
	}
	if (!c->url && c->latency_ms.value >= c->response_timeout_ms) {
		snprintf(err, errlen, "--latency-ms %llu is not below --response-timeout-ms %llu: raise --response-timeout-ms",
		         (unsigned long long)c->latency_ms.value, (unsigned long long)c->response_timeout_ms);
		return -EINVAL;
	}
	return 0;
}
/* ---- set-up: descriptors, the embedded server, the address, the calibration ------------- */

/* Descriptors open now: stdio, a trace, whatever the caller inherited. */
static uint64_t open_fds(void)
{
	uint64_t n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return 3;
	while (readdir(d))
		n++;
	closedir(d);
	return n > 3 ? n - 3 : 3; /* ".", ".." and the directory's own descriptor */
}

/* One socket per task in flight, in this process and in the server, beside what each has
 * before the first: those open now (the server inherits them), a libuv loop, the server's
 * listener and its pipe, and a few to spare (a name lookup's socket). */
static int check_nofile(const struct sim_run *run, char *err, size_t errlen)
{
	rlim_t cur = sim_nofile_raise();
	uint64_t base = open_fds() + SIM_UV_LOOP_FDS + 3 + FD_SPARE, flight = sim_run_concurrency(run);
	if (cur == RLIM_INFINITY || base + flight <= cur)
		return 0;
	char fix[200];
	sim_nofile_fix(base + flight, fix, sizeof fix);
	if (base + 1 > cur)
		snprintf(err, errlen,
		         "no task can run under an open-files limit of %llu: this process and its server need "
		         "about %llu descriptors before the first socket: %s",
		         (unsigned long long)cur, (unsigned long long)base, fix);
	else
		snprintf(err, errlen,
		         "%llu tasks in flight need about %llu open files but the limit is %llu: use --limit %llu "
		         "(what it allows), or %s",
		         (unsigned long long)flight, (unsigned long long)(base + flight), (unsigned long long)cur,
		         (unsigned long long)(cur - base), fix);
	return -EMFILE;
}

/* Our own server, in a child process: its CPU and memory stay out of the client's figures
 * (it is reaped after the run's getrusage). */
static int start_server(struct fetch_state *st, const struct fetch_cfg *c, char *err, size_t errlen)
{
	const struct sim_http_config cfg = { .latency_ms = c->latency_ms.value, .bytes = c->bytes.value };
	int e = sim_http_server_start(&st->server, &cfg, err, errlen);
	if (e == 0)
		snprintf(st->url_text, sizeof st->url_text, "http://127.0.0.1:%u/", st->server.port);
	return e;
}

static int build_req(struct fetch_req *rq, const struct sim_url *u, char *err, size_t errlen)
{
	int a = sim_http_request(u, false, rq->keep, sizeof rq->keep);
	int b = sim_http_request(u, true, rq->close, sizeof rq->close);
	if (a < 0 || b < 0) {
		snprintf(err, errlen, "--url: the request would be too long: shorten the URL");
		return -EINVAL;
	}
	rq->keep_len = (size_t)a;
	rq->close_len = (size_t)b;
	return 0;
}

/* c: the median per-request time of a few short tasks against the same server with the
 * latency taken out (?latency-ms=0, which our server honours), outside the timed region and
 * untraced. Against --url, the server's own latency is unknown and lands in c. */
struct cal {
	const struct fetch_state *st;
	uint64_t reqs;
	int tmo;
	int status;          /* the first failure's */
	uint64_t done;       /* GETs answered */
	struct sim_tally tally; /* where a failure's message goes */
};

static double per_request_s(void *arg)
{
	struct cal *k = arg;
	struct sim_result r;
	memset(&r, 0, sizeof r);
	double t = sim_mono_s();
	sim_fetch__requests(k->st, &k->st->cal, k->reqs, k->tmo, false, &r);
	k->done += r.count;
	if (r.status != 0) {
		k->status = r.status;
		return NAN;
	}
	return (sim_mono_s() - t) / (double)k->reqs;
}

/* 0, or -ETIMEDOUT with the reason in err: a calibration GET that timed out. Any other
 * failure leaves c unknown (NAN) for the run to meet, count and report. */
static int calibrate(struct fetch_state *st, const struct fetch_cfg *c, char *err, size_t errlen)
{
	struct cal *k = calloc(1, sizeof *k);
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	k->st = st;
	k->reqs = c->requests < CAL_REQS ? c->requests : CAL_REQS;
	k->tmo = (int)c->io_timeout_ms;
	double t = sim_mono_s();
	sim_tally_bind(&k->tally); /* set-up runs before the model binds the run's own */
	st->c_s = sim_calibrate_within(SIM_CAL_MEDIAN, CAL_TASKS, CAL_BUDGET_S, per_request_s, k, NULL);
	sim_tally_bind(NULL);
	st->cal_s = sim_mono_s() - t;
	st->cal_requests = k->done + (k->status != 0);
	int e = k->status == -ETIMEDOUT ? -ETIMEDOUT : 0;
	if (e)
		snprintf(err, errlen, "calibrating c before the run: %s", k->tally.err);
	free(k);
	return e;
}

static void fetch_teardown(struct sim_run *run)
{
	struct fetch_state *st = run->state;
	if (!st)
		return;
	sim_http_server_stop(&st->server);
	free(st);
	run->state = NULL;
}

static int fetch_setup(struct sim_run *run, char *err, size_t errlen)
{
	const struct fetch_cfg *c = run->cfg;
	int e = check_nofile(run, err, errlen);
	if (e < 0)
		return e;
	struct fetch_state *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->server.slot = -1;
	st->response_ms = (int)c->response_timeout_ms;
	st->max_body = c->max_body;
	run->state = st;
	if (c->url) {
		snprintf(st->url_text, sizeof st->url_text, "%s", c->url);
		st->expect_known = c->expect.given;
		st->expect = c->expect.value;
	} else {
		if ((e = start_server(st, c, err, errlen)) < 0)
			goto fail;
		st->expect_known = true;
		st->expect = c->bytes.value;
		st->latency_s = (double)c->latency_ms.value / 1000.0;
	}
	if ((e = sim_url_parse(st->url_text, &st->url, err, errlen)) < 0 ||
	    (e = build_req(&st->req, &st->url, err, errlen)) < 0)
		goto fail;
	struct sim_url cal = st->url;
	if (!c->url) {
		size_t n = strlen(cal.target);
		snprintf(cal.target + n, sizeof cal.target - n, "%slatency-ms=0", strchr(cal.target, '?') ? "&" : "?");
	}
	if ((e = build_req(&st->cal, &cal, err, errlen)) < 0)
		goto fail;

	/* Resolved once, here: a name lookup inside a task would block the event loop. A name
	 * that does not resolve is every task's error, counted and reported like any other. */
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	int g = getaddrinfo(st->url.host, st->url.port_text, &hints, &ai);
	if (g != 0 || !ai) {
		snprintf(st->resolve_err, sizeof st->resolve_err, "cannot resolve the host '%s': %s: check the URL",
		         st->url.host, g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
		st->c_s = NAN;
		return 0;
	}
	memcpy(&st->addr, ai->ai_addr, ai->ai_addrlen);
	st->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	if ((e = calibrate(st, c, err, errlen)) < 0)
		goto fail;
	return 0;
fail:
	fetch_teardown(run);
	return e;
}

/* ---- verification, prediction, the record ---------------------------------------------- */

static bool fetch_verify(const struct sim_run *run, const struct sim_result *rs, char *why, size_t n)
{
	const struct fetch_cfg *c = run->cfg;
	const struct fetch_state *st = run->state;
	for (uint32_t i = 0; i < run->tasks; i++) {
		if (rs[i].count != c->requests) {
			snprintf(why, n, "task %u completed %llu of %llu requests", i, (unsigned long long)rs[i].count,
			         (unsigned long long)c->requests);
			return false;
		}
		uint64_t each = st->expect_known ? st->expect : rs[0].value;
		if (rs[i].value != each || rs[i].bytes != each * c->requests) {
			snprintf(why, n, "task %u received %llu body bytes, want %llu requests of %llu", i,
			         (unsigned long long)rs[i].bytes, (unsigned long long)c->requests,
			         (unsigned long long)each);
			return false;
		}
	}
	return true;
}

/* Waves of the run's concurrency C: a serial or pooled model waits out every request's
 * latency and cost in each wave; the event loop overlaps the latencies but pays every
 * request's CPU cost on its one thread. */
static double fetch_predict(const struct sim_run *run)
{
	const struct fetch_cfg *c = run->cfg;
	const struct fetch_state *st = run->state;
	double L = st->latency_s, cost = isnan(st->c_s) ? 0 : st->c_s, R = (double)c->requests;
	double N = run->tasks, waves = ceil(N / (double)sim_run_concurrency(run));
	if (run->model->serial || sim_model_pool(run->model))
		return waves * R * (L + cost);
	return waves * R * L + N * R * cost;
}

static void fetch_fields(const struct sim_run *run, const struct sim_result *rs, struct sim_fields *out)
{
	const struct fetch_cfg *c = run->cfg;
	const struct fetch_state *st = run->state;
	sim_field_add(out, "url", true, "%s", c->url ? c->url : "embedded");
	sim_field_add(out, "requests_per_task", false, "%llu", (unsigned long long)c->requests);
	sim_field_add(out, "latency_ms", false, "%.3f", st->latency_s * 1000);
	sim_field_add(out, "c_ms", false, "%.4f", isnan(st->c_s) ? 0 : st->c_s * 1000);
	sim_field_add(out, "io_timeout_ms", false, "%llu", (unsigned long long)c->io_timeout_ms);
	/* Only with --url, where the calibration meets a server we do not know (and the peers,
	 * which print this record too, have no --url runs to match). */
	if (c->url) {
		sim_field_add(out, "calibration_requests", false, "%llu", (unsigned long long)st->cal_requests);
		sim_field_add(out, "calibration_s", false, "%.6f", st->cal_s);
	}
	if (!rs)
		return;
	uint64_t reqs = 0, bytes = 0;
	double max = 0;
	const struct sim_hist *h = &run->tally->lat;
	for (uint32_t i = 0; i < run->tasks; i++) {
		reqs += rs[i].count;
		bytes += rs[i].bytes;
		if (rs[i].max_lat_s > max)
			max = rs[i].max_lat_s;
	}
	sim_field_add(out, "requests", false, "%llu", (unsigned long long)reqs);
	sim_field_add(out, "bytes", false, "%llu", (unsigned long long)bytes);
	sim_field_add(out, "bytes_per_response", false, "%llu", (unsigned long long)(reqs ? bytes / reqs : 0));
	/* A bucket's upper bound can lie above the slowest request seen: the max is exact. */
	sim_field_add(out, "p50_s", false, "%.6f", fmin(sim_hist_quantile(h, 0.50), max));
	sim_field_add(out, "p99_s", false, "%.6f", fmin(sim_hist_quantile(h, 0.99), max));
	sim_field_add(out, "max_s", false, "%.6f", max);
}

const struct sim_workload sim_workload_fetch = {
	.name = "fetch",
	.summary = "each task GETs --url (or our own server) --requests times over keep-alive (C2, C3)",
	.usage = fetch_usage,
	.default_tasks = 20,
	.cfg_size = sizeof(struct fetch_cfg),
	.options = fetch_options,
	.check = fetch_check,
	.setup = fetch_setup,
	.task = sim_fetch__task,
	.step = sim_fetch__step,
	.step_state = sizeof(struct sim_fetch_step),
	.verify = fetch_verify,
	.predict = fetch_predict,
	.fields = fetch_fields,
	.teardown = fetch_teardown,
};
