/* SPDX-License-Identifier: MIT */
/* uv_sleep.c: c-libuv-floor, N concurrent sleeps as plain libuv, one timer per task: the floor under simul's loops. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

/* What a task costs here: its timer, whose data counts its sleeps, and when its sleep began
 * (a float of seconds since the start: 0.1 us of resolution over a minute). Nothing else:
 * this is the least a libuv program can hold per sleeping task, the figure simul's models
 * are measured against. */
#define MODEL "c-libuv-floor"
#define MAX_TASKS 1000000
#define HIST 256 /* simul's histogram: log-linear, 8 buckets per octave of microseconds */

struct opts {
	unsigned long long tasks, ms, rounds;
	int format; /* 0 text, 1 csv, 2 json */
	bool header;
};

static uv_timer_t *timers;
static float *began;
static struct opts o;
static uint64_t t0_ns, early;
static uint32_t hist[HIST];

static _Noreturn void usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "c-libuv-floor: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nusage: c-libuv-floor run sleep --model " MODEL " [--tasks N] [--ms D] [--rounds R] "
	                "[--format text|csv|json] [--no-header]\n");
	exit(2);
}

static unsigned long long number(const char *name, const char *v, unsigned long long lo, unsigned long long hi)
{
	char *end;
	errno = 0;
	unsigned long long x = v && *v >= '0' && *v <= '9' ? strtoull(v, &end, 10) : 0;
	if (!v || !(*v >= '0' && *v <= '9') || *end || errno || x < lo || x > hi) {
		char msg[160];
		snprintf(msg, sizeof msg, "--%s '%%s': give a whole number from %llu to %llu", name, lo, hi);
		usage(msg, v ? v : "");
	}
	return x;
}

static void parse(int argc, char **argv)
{
	o = (struct opts){ .tasks = 3, .ms = 1000, .rounds = 1, .header = true };
	if (argc < 3 || strcmp(argv[1], "run") != 0 || strcmp(argv[2], "sleep") != 0)
		usage("%sthe only command is 'run sleep'", "");
	bool model = false;
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--no-header") == 0) {
			o.header = false;
			continue;
		}
		if (strncmp(a, "--", 2) != 0 || !v)
			usage(strncmp(a, "--", 2) ? "'%s' is not an option" : "%s needs a value", a);
		i++;
		if (strcmp(a, "--model") == 0) {
			if (strcmp(v, MODEL) != 0)
				usage("--model '%s': this program is only " MODEL, v);
			model = true;
		} else if (strcmp(a, "--tasks") == 0) {
			o.tasks = number("tasks", v, 1, MAX_TASKS);
		} else if (strcmp(a, "--ms") == 0) {
			o.ms = number("ms", v, 0, 86400000);
		} else if (strcmp(a, "--rounds") == 0) {
			o.rounds = number("rounds", v, 1, 1000000);
		} else if (strcmp(a, "--format") == 0) {
			o.format = strcmp(v, "text") == 0 ? 0 : strcmp(v, "csv") == 0 ? 1 : strcmp(v, "json") == 0 ? 2 : -1;
			if (o.format < 0)
				usage("--format '%s': give text, csv or json", v);
		} else {
			usage("unknown option %s: it takes --model --tasks --ms --rounds --format --no-header", a);
		}
	}
	if (!model)
		usage("%s--model is missing: give --model " MODEL, "");
}

static void hist_add(double s)
{
	double us = s * 1e6;
	int idx = 0;
	if (us >= 1.0) {
		int e;
		double m = frexp(us, &e);
		idx = 1 + (e - 1) * 8 + (int)((m * 2.0 - 1.0) * 8.0);
	}
	hist[idx < HIST ? idx : HIST - 1]++;
}

static double hist_p99(void)
{
	uint64_t total = 0, seen = 0;
	for (int i = 0; i < HIST; i++)
		total += hist[i];
	uint64_t want = (uint64_t)ceil(0.99 * (double)total);
	for (int i = 0; i < HIST; i++)
		if ((seen += hist[i]) >= (want ? want : 1))
			return i == 0 ? 1e-6 : ldexp(1.0 + ((i - 1) % 8 + 1) / 8.0, (i - 1) / 8) * 1e-6;
	return 0;
}

static void arm(uv_timer_t *t, uint64_t ms);

static void on_timer(uv_timer_t *t)
{
	size_t i = (size_t)(t - timers);
	double took = (double)(uv_hrtime() - t0_ns) * 1e-9 - (double)began[i];
	/* Every sleep verified: none ended early (a float's rounding allowed for). */
	if (took < (double)o.ms * 1e-3 - 1e-5)
		early++;
	hist_add(took);
	uintptr_t done = (uintptr_t)t->data + 1;
	t->data = (void *)done;
	if (done < o.rounds)
		arm(t, o.ms);
}

static void arm(uv_timer_t *t, uint64_t ms)
{
	/* A libuv timer counts whole milliseconds of the loop's clock, truncated, and can fire
	 * up to 1 ms early: one more never does. simul's eventloop-callbacks does the same, so
	 * both pay the same. */
	uv_update_time(t->loop);
	began[t - timers] = (float)((double)(uv_hrtime() - t0_ns) * 1e-9);
	uv_timer_start(t, on_timer, ms ? ms + 1 : 0, 0);
}

static double tv(struct timeval v) { return (double)v.tv_sec + (double)v.tv_usec * 1e-6; }

/* Seconds since this process was exec'd (the kernel counts its start in clock ticks). */
static double since_start(void)
{
	FILE *f = fopen("/proc/self/stat", "r");
	char buf[1024];
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long long ticks = 0;
	for (int field = 2; p && *p && field < 22; p++)
		if (*p == ' ' && ++field == 22)
			ticks = strtoull(p + 1, NULL, 10);
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9 - (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

struct figures {
	double wall, user, sys, startup, setup, p99;
	long rss, base_rss, vctx, ivctx;
};

static void print(const struct figures *f)
{
	char v[25][64];
	const char *names[] = { "workload", "model", "tasks", "workers", "wall_s", "predicted_s", "user_s", "sys_s",
	                        "max_rss_kib", "voluntary_ctx", "involuntary_ctx", "verified", "limit", "gil",
	                        "mem_kib", "mem_method", "ms", "rounds", "sleep_p99_s", "in_flight_max", "runtime",
	                        "startup_s", "setup_s", "base_rss_kib", "pool_prestarted" };
	const bool text[] = { 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0 };
	const int n = (int)(sizeof names / sizeof names[0]);
	snprintf(v[0], 64, "sleep");
	snprintf(v[1], 64, MODEL);
	snprintf(v[2], 64, "%llu", o.tasks);
	snprintf(v[3], 64, "0");
	snprintf(v[4], 64, "%.6f", f->wall);
	snprintf(v[5], 64, "%.6f", (double)(o.rounds * o.ms) / 1000.0);
	snprintf(v[6], 64, "%.6f", f->user);
	snprintf(v[7], 64, "%.6f", f->sys);
	snprintf(v[8], 64, "%ld", f->rss);
	snprintf(v[9], 64, "%ld", f->vctx);
	snprintf(v[10], 64, "%ld", f->ivctx);
	snprintf(v[11], 64, "true");
	snprintf(v[12], 64, "0");
	snprintf(v[13], 64, "false");
	snprintf(v[14], 64, "%ld", f->rss);
	snprintf(v[15], 64, "rss-peak");
	snprintf(v[16], 64, "%llu", o.ms);
	snprintf(v[17], 64, "%llu", o.rounds);
	snprintf(v[18], 64, "%.6f", f->p99);
	/* Every timer is armed before the loop runs, so none can end before the last has begun. */
	snprintf(v[19], 64, "%llu", o.tasks);
	snprintf(v[20], 64, "libuv %s", uv_version_string());
	snprintf(v[21], 64, "%.3f", f->startup);
	snprintf(v[22], 64, "%.6f", f->setup);
	snprintf(v[23], 64, "%ld", f->base_rss);
	snprintf(v[24], 64, "false");
	if (o.format == 0)
		printf("sleep under " MODEL ": %llu tasks, wall %.3f s, predicted %s s (verified)\n", o.tasks, f->wall, v[5]);
	for (int i = 0; i < n; i++) {
		if (o.format == 0)
			printf("  %-16s %s\n", names[i], v[i]);
		else if (o.format == 1 && o.header)
			printf("%s%c", names[i], i + 1 < n ? ',' : '\n');
		else if (o.format == 2)
			printf("%s\"%s\":%s%s%s%s", i ? "," : "{", names[i], text[i] ? "\"" : "", v[i], text[i] ? "\"" : "",
			       i + 1 < n ? "" : "}\n");
	}
	for (int i = 0; o.format == 1 && i < n; i++)
		printf("%s%c", v[i], i + 1 < n ? ',' : '\n');
}

/* The timed region: the timers made and armed, the loop run until the last one fired. */
static int run(uv_loop_t *loop, struct figures *f)
{
	timers = calloc(o.tasks, sizeof *timers);
	began = calloc(o.tasks, sizeof *began);
	if (!timers || !began) {
		fprintf(stderr, "c-libuv-floor: out of memory for %llu timers: use fewer --tasks\n", o.tasks);
		return 1;
	}
	for (size_t i = 0; i < o.tasks; i++) {
		uv_timer_init(loop, &timers[i]);
		timers[i].data = (void *)0;
		arm(&timers[i], o.ms);
	}
	uv_run(loop, UV_RUN_DEFAULT);
	f->wall = (double)(uv_hrtime() - t0_ns) * 1e-9;
	if (early) {
		fprintf(stderr, "c-libuv-floor: sleep under " MODEL ": result did not verify: %llu sleeps ended early\n",
		        (unsigned long long)early);
		return 1;
	}
	for (size_t i = 0; i < o.tasks; i++)
		if ((uintptr_t)timers[i].data != o.rounds) {
			fprintf(stderr, "c-libuv-floor: sleep under " MODEL ": result did not verify: task %zu completed %lu "
			                "of %llu sleeps\n", i, (unsigned long)(uintptr_t)timers[i].data, o.rounds);
			return 1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	struct figures f = { .startup = since_start() };
	parse(argc, argv);
	double s0 = (double)uv_hrtime() * 1e-9;
	uv_loop_t loop;
	int e = uv_loop_init(&loop);
	if (e < 0) {
		fprintf(stderr, "c-libuv-floor: cannot start a libuv loop: %s\n", uv_strerror(e));
		return 1;
	}
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	t0_ns = uv_hrtime();
	f.setup = (double)t0_ns * 1e-9 - s0;
	if (run(&loop, &f) != 0)
		return 1;
	getrusage(RUSAGE_SELF, &r1);
	f.user = tv(r1.ru_utime) - tv(r0.ru_utime);
	f.sys = tv(r1.ru_stime) - tv(r0.ru_stime);
	f.rss = r1.ru_maxrss;
	f.base_rss = r0.ru_maxrss;
	f.vctx = r1.ru_nvcsw - r0.ru_nvcsw;
	f.ivctx = r1.ru_nivcsw - r0.ru_nivcsw;
	f.p99 = hist_p99();
	print(&f);
	return fflush(stdout) == 0 ? 0 : 1;
}
