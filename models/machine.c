/* SPDX-License-Identifier: MIT */
/* machine.c: the machine's limits: which one most likely stopped thread or process creation, maps, files. */
#include "machine.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static long long read_ll(const char *path)
{
	FILE *f = fopen(path, "r");
	long long v = -1;
	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1; /* "max" in a cgroup file: no limit */
		fclose(f);
	}
	return v;
}

long long sim_max_map_count(void) { return read_ll("/proc/sys/vm/max_map_count"); }

long long sim_mem_available(void)
{
	long long avail = -1, kib;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %lld kB", &kib) == 1) {
			avail = kib * 1024;
			break;
		}
	if (f)
		fclose(f);
	/* A container's memory limit, as its namespace shows it (cgroup v2, else v1), less what
	 * the group uses, page cache included: a conservative figure, taken if it is the lower. */
	long long max = read_ll("/sys/fs/cgroup/memory.max"), cur = read_ll("/sys/fs/cgroup/memory.current");
	if (max <= 0 || cur < 0) {
		max = read_ll("/sys/fs/cgroup/memory/memory.limit_in_bytes");
		cur = read_ll("/sys/fs/cgroup/memory/memory.usage_in_bytes");
	}
	if (max > 0 && cur >= 0 && (avail < 0 || max - cur < avail))
		avail = max > cur ? max - cur : 0;
	return avail;
}

rlim_t sim_nofile_raise(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return RLIM_INFINITY;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur;
}

void sim_nofile_fix(unsigned long long want, char *buf, size_t n)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		snprintf(buf, n, "raise ulimit -n");
		return;
	}
	unsigned long long cur = (unsigned long long)rl.rlim_cur, max = (unsigned long long)rl.rlim_max;
	char to[40] = "";
	if (want)
		snprintf(to, sizeof to, " to %llu", want);
	if (rl.rlim_max == RLIM_INFINITY)
		snprintf(buf, n, "raise the soft limit%s (ulimit -n, now %llu; no root needed)", to, cur);
	else if (want ? want <= max : cur < max)
		snprintf(buf, n, "raise the soft limit%s (ulimit -n, now %llu; no root needed up to the hard limit, %llu)",
		         to, cur, max);
	else
		snprintf(buf, n, "raise the hard limit%s as root (ulimit -Hn, now %llu)", to, max);
}

struct cand {
	long long allows; /* threads or processes the limit lets us have */
	char text[80];
};

#define NCAND 6

static void consider(struct cand *c, int *n, long long allows, const char *fmt, long long v)
{
	if (allows <= 0 || *n == NCAND)
		return;
	c[*n].allows = allows;
	snprintf(c[*n].text, sizeof c[*n].text, fmt, v);
	(*n)++;
}

/* Every limit that caps how many threads (threads) or processes may exist, into c. */
static int gather(bool threads, struct cand *c)
{
	int nc = 0;
	long long v;

	/* pid_max and threads-max count every thread of the machine, ours and everyone's. */
	if ((v = read_ll("/proc/sys/kernel/pid_max")) > 0)
		consider(c, &nc, v, "kernel.pid_max = %lld", v);
	if ((v = read_ll("/proc/sys/kernel/threads-max")) > 0)
		consider(c, &nc, v, "kernel.threads-max = %lld", v);
	/* A container's pids controller (cgroup v2 at the root, v1 under pids/). */
	if ((v = read_ll("/sys/fs/cgroup/pids.max")) > 0 || (v = read_ll("/sys/fs/cgroup/pids/pids.max")) > 0)
		consider(c, &nc, v, "the cgroup's pids.max = %lld", v);
	struct rlimit rl;
	/* RLIMIT_NPROC counts all of the user's threads; root is exempt from it. */
	if (geteuid() != 0 && getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		consider(c, &nc, (long long)rl.rlim_cur, "ulimit -u = %lld (all this user's threads)",
		         (long long)rl.rlim_cur);
	if (threads) {
		/* Each thread's stack is two mappings: the stack and its guard page. */
		if ((v = sim_max_map_count()) > 0)
			consider(c, &nc, v / 2, "vm.max_map_count = %lld (2 per thread)", v);
		if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			consider(c, &nc, (long long)(rl.rlim_cur / SIM_THREAD_STACK),
			         "ulimit -v = %lld KiB (256 KiB of stack per thread)", (long long)(rl.rlim_cur / 1024));
	}
	return nc;
}

static long long tightest(const struct cand *c, int nc)
{
	long long least = -1;
	for (int i = 0; i < nc; i++)
		if (least < 0 || c[i].allows < least)
			least = c[i].allows;
	return least;
}

long long sim_spawn_capacity(char *which, size_t n)
{
	struct cand c[NCAND];
	int nc = gather(false, c);
	long long least = tightest(c, nc);
	which[0] = 0;
	for (int i = 0; i < nc; i++)
		if (c[i].allows == least) {
			snprintf(which, n, "%s", c[i].text);
			break;
		}
	return least;
}

void sim_spawn_limit(bool threads, char *buf, size_t n)
{
	struct cand c[NCAND];
	int nc = gather(threads, c);
	long long least = tightest(c, nc);
	/* Name every limit within 5% of the tightest: pid_max 32768 and max_map_count 65530
	 * (32765 threads) are equally likely on a stock kernel. */
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < nc && used < n; i++)
		if (c[i].allows <= least + least / 20)
			used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? " or " : "", c[i].text);
	if (!used)
		snprintf(buf, n, "a limit on %s this machine sets", threads ? "threads" : "processes");
}

void sim_spawn_failed(bool threads, uint32_t made, uint32_t want, int e, char *err, size_t errlen)
{
	char lim[128];
	sim_spawn_limit(threads, lim, sizeof lim);
	snprintf(err, errlen,
	         "could make only %u of %u %s (%s: %s); the likely limit is %s: use --workers W or "
	         "--limit L to run fewer at once",
	         made, want, threads ? "threads" : "processes", threads ? "pthread_create" : "fork",
	         strerror(e), lim);
}
