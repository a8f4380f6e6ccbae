/* SPDX-License-Identifier: MIT */
/* memory.c: how much memory a process holds that no other process shares, for counting a run's memory honestly. */
#include "model.h"

#include <errno.h>
#include <fcntl.h>
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
