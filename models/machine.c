/* SPDX-License-Identifier: MIT */
/* machine.c: the machine's limits: which one most likely stopped thread or process creation, maps, files. */
#include "machine.h"

#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- what the thread and process limits leave ------------------------------------------ */

/* Threads on the machine: the fourth field of /proc/loadavg, "running/total". */
static long long machine_threads(void)
{
	long long total = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%*s %*s %*s %*d/%lld", &total) != 1)
			total = -1;
		fclose(f);
	}
	return total;
}

/* Threads whose real uid is uid, what RLIMIT_NPROC counts: each process's Threads in
 * /proc/PID/status. The ones this /proc cannot see (another PID namespace's) are not in it. */
static long long user_threads(uid_t uid)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	long long sum = 0;
	struct dirent *e;
	char path[300], line[256];
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue; /* gone meanwhile */
		long long real = -1, threads = 0;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "Uid: %lld", &real) == 1 && real != (long long)uid)
				break;
			else if (sscanf(line, "Threads: %lld", &threads) == 1)
				break;
		fclose(f);
		if (real == (long long)uid)
			sum += threads > 0 ? threads : 1;
	}
	closedir(d);
	return sum;
}

/* Lines of /proc/self/maps (the maps this process has), or -1. */
static long long own_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	long long n = 0;
	int c;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* A field of /proc/self/status in KiB ("VmSize:"), or -1. */
static long long own_status_kib(const char *name)
{
	FILE *f = fopen("/proc/self/status", "r");
	long long v = -1;
	char line[256];
	size_t len = strlen(name);
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, name, len) == 0) {
			v = strtoll(line + len, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

struct cand {
	long long room; /* threads or processes the limit lets us add now */
	char text[160]; /* the limit and what it already counts */
	char fix[160];  /* how to raise it */
};

#define NCAND 6

/* A limit of `limit`, of which `used` is taken (-1: not known, taken as none) and each of
 * ours costs `per`: text gets "%lld" the limit, then "; N in use" before its closing. */
static void consider(struct cand *c, int *n, long long limit, long long used, long long per, const char *name,
                     const char *counts, const char *fix)
{
	if (limit <= 0 || *n == NCAND)
		return;
	long long room = (limit - (used > 0 ? used : 0)) / per;
	c[*n].room = room > 0 ? room : 0;
	if (used >= 0)
		snprintf(c[*n].text, sizeof c[*n].text, "%s = %lld (%s%s%lld in use)", name, limit, counts,
		         counts[0] ? "; " : "", used);
	else if (counts[0])
		snprintf(c[*n].text, sizeof c[*n].text, "%s = %lld (%s)", name, limit, counts);
	else
		snprintf(c[*n].text, sizeof c[*n].text, "%s = %lld", name, limit);
	snprintf(c[*n].fix, sizeof c[*n].fix, "%s", fix);
	(*n)++;
}

/* Every limit that caps how many threads (threads) or processes may exist, into c, each
 * with the room it leaves now. */
static int gather(bool threads, struct cand *c)
{
	int nc = 0;
	long long v;
	struct rlimit rl;

	/* pid_max and threads-max count every thread of the machine, ours and everyone's. */
	long long all = machine_threads();
	if ((v = read_ll("/proc/sys/kernel/pid_max")) > 0)
		consider(c, &nc, v, all, 1, "kernel.pid_max", "threads of the machine",
		         "raise kernel.pid_max (sysctl, as root)");
	if ((v = read_ll("/proc/sys/kernel/threads-max")) > 0)
		consider(c, &nc, v, all, 1, "kernel.threads-max", "threads of the machine",
		         "raise kernel.threads-max (sysctl, as root)");
	/* A container's pids controller (cgroup v2 at the root, v1 under pids/). */
	if ((v = read_ll("/sys/fs/cgroup/pids.max")) > 0)
		consider(c, &nc, v, read_ll("/sys/fs/cgroup/pids.current"), 1, "the cgroup's pids.max", "",
		         "raise the cgroup's pids.max");
	else if ((v = read_ll("/sys/fs/cgroup/pids/pids.max")) > 0)
		consider(c, &nc, v, read_ll("/sys/fs/cgroup/pids/pids.current"), 1, "the cgroup's pids.max", "",
		         "raise the cgroup's pids.max");
	/* RLIMIT_NPROC counts all of the user's threads; root is exempt from it. */
	if (geteuid() != 0 && getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		char fix[160];
		if (rl.rlim_max == RLIM_INFINITY || rl.rlim_cur < rl.rlim_max)
			snprintf(fix, sizeof fix, "end some of this user's processes, or raise ulimit -u (no root needed%s)",
			         rl.rlim_max == RLIM_INFINITY ? "" : " up to the hard limit");
		else
			snprintf(fix, sizeof fix, "end some of this user's processes, or raise the hard limit as root "
			         "(ulimit -Hu)");
		consider(c, &nc, (long long)rl.rlim_cur, user_threads(getuid()), 1, "ulimit -u", "all this user's threads",
		         fix);
	}
	if (threads) {
		/* Each thread's stack is two mappings: the stack and its guard page. */
		if ((v = sim_max_map_count()) > 0)
			consider(c, &nc, v, own_maps(), 2, "vm.max_map_count", "2 per thread",
			         "raise vm.max_map_count (sysctl, as root)");
		if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
			long long used = own_status_kib("VmSize:");
			consider(c, &nc, (long long)(rl.rlim_cur / 1024), used, SIM_THREAD_STACK / 1024, "ulimit -v",
			         "KiB, 256 KiB of stack per thread", "raise ulimit -v");
		}
	}
	return nc;
}

static int tightest(const struct cand *c, int nc)
{
	int least = -1;
	for (int i = 0; i < nc; i++)
		if (least < 0 || c[i].room < c[least].room)
			least = i;
	return least;
}

long long sim_spawn_room(char *which, size_t n, char *fix, size_t fixn)
{
	struct cand c[NCAND];
	int nc = gather(false, c);
	int i = tightest(c, nc);
	which[0] = fix[0] = 0;
	if (i < 0)
		return -1;
	snprintf(which, n, "%s", c[i].text);
	snprintf(fix, fixn, "%s", c[i].fix);
	return c[i].room;
}

void sim_spawn_limit(bool threads, char *buf, size_t n)
{
	struct cand c[NCAND];
	int nc = gather(threads, c);
	int t = tightest(c, nc);
	long long least = t < 0 ? 0 : c[t].room;
	/* Name every limit within 5% of the tightest: pid_max 32768 and max_map_count 65530
	 * (32765 threads) are equally likely on a stock kernel. */
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < nc && used < n; i++)
		if (c[i].room <= least + least / 20)
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
