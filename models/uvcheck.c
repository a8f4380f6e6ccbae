/* SPDX-License-Identifier: MIT */
/* uvcheck.c: a libuv loop started only when the descriptors it needs are there. */
#include "uvcheck.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

/* How many of `want` descriptors can be had now (made, then closed again); the errno of
 * the first that could not, in *e. An eventfd needs no file system. */
static int spare_fds(int want, int *e)
{
	int fds[SIM_UV_LOOP_FDS], n = 0;
	*e = 0;
	while (n < want && n < SIM_UV_LOOP_FDS) {
		int fd = eventfd(0, EFD_CLOEXEC);
		if (fd < 0) {
			*e = errno;
			break;
		}
		fds[n++] = fd;
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return n;
}

int sim_uv_loop_init(uv_loop_t *loop, char *err, size_t errlen)
{
	int e, got = spare_fds(SIM_UV_LOOP_FDS, &e);
	if (got < SIM_UV_LOOP_FDS) {
		struct rlimit rl = { 0 };
		if (e == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0)
			snprintf(err, errlen,
			         "cannot start a libuv loop: it needs %d free descriptors, and ulimit -n %llu leaves %d",
			         SIM_UV_LOOP_FDS, (unsigned long long)rl.rlim_cur, got);
		else
			snprintf(err, errlen, "cannot start a libuv loop: %d descriptors free, it needs %d (%s)", got,
			         SIM_UV_LOOP_FDS, strerror(e));
		return e ? -e : -EMFILE;
	}
	int rc = uv_loop_init(loop);
	if (rc < 0)
		snprintf(err, errlen, "cannot start a libuv loop: %s", uv_strerror(rc));
	return rc;
}
