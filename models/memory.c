/* SPDX-License-Identifier: MIT */
/* memory.c: a run's memory: what a process holds that no other shares, and the up-front check that a run fits. */
#include "model.h"
#include "coro.h"
#include "coroloop.h"
#include "machine.h"
#include "stacks.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A field of smaps_rollup in KiB, or -1 if the text has none. */
static long long field_kib(const char *text, const char *name)
{
	const char *p = strstr(text, name);
	return p ? strtoll(p + strlen(name), NULL, 10) : -1;
}

long long sim_mem_private_kib(void)
{
	/* Raw system calls only: a forked worker of a threaded parent calls this as it ends. */
	char buf[2048];
	int fd = open("/proc/self/smaps_rollup", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	ssize_t r;
	while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	long long clean = field_kib(buf, "\nPrivate_Clean:"), dirty = field_kib(buf, "\nPrivate_Dirty:");
	if (clean < 0 || dirty < 0)
		return -1;
	/* Shared memory a worker alone has touched is private to it so far, but it is the run's
	 * results, which the parent maps and counts as well (Pss_Shmem is 0 on kernels without it). */
	long long shmem = field_kib(buf, "\nPss_Shmem:");
	long long kib = clean + dirty - (shmem > 0 ? shmem : 0);
	return kib > 0 ? kib : 0;
}

size_t sim_run_task_bytes(const struct sim_run *run)
{
	const struct sim_model *m = run->model;
	if (m->task_bytes)
		return m->task_bytes(run);
	/* Every model of stackful coroutines runs on the one coroutine core, whatever its loop:
	 * the core's own figure (a slot, a timer, the stack's share) costs it. */
	if (m->caps & SIM_CAP_STACK)
		return sim_coroloop_task_bytes(run);
	return 0;
}

/* x bytes as "12.3 GiB", "1.2 KiB": what a reader compares at a glance. */
static const char *bytes_text(double x, char *buf, size_t n)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	while (x >= 1024 && u < 4) {
		x /= 1024;
		u++;
	}
	snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", x, unit[u]);
	return buf;
}

int sim_run_memory_check(const struct sim_run *run, char *err, size_t errlen)
{
	long long avail = sim_mem_available();
	if (avail <= 0 || run->tasks == 0)
		return 0;
	double each = (double)sizeof(struct sim_result), flight = sim_run_concurrency(run);
	double need = each * run->tasks + (double)sim_run_task_bytes(run) * flight;
	if (need <= (double)avail)
		return 0;
	char a[32], b[32], c[32];
	snprintf(err, errlen, "%s would need about %s for %u tasks (%s each) but the machine has %s available: "
	         "use --limit L or fewer --tasks",
	         run->model->name, bytes_text(need, a, sizeof a), run->tasks, bytes_text(need / run->tasks, b, sizeof b),
	         bytes_text((double)avail, c, sizeof c));
	return -ENOMEM;
}
