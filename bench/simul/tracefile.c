/* SPDX-License-Identifier: MIT */
/* tracefile.c: --trace FILE: checked up front, written beside, renamed last; leftovers of killed runs removed. */
#include "tracefile.h"
#include "cli.h"
#include "signals.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char head[] = "task,worker,phase,start_s,end_s\n";

/* A trace's own temporary file: "BASE.tmp.PID", a regular file empty or starting with the
 * header. Its pid, or 0 if it is not one. */
static pid_t leftover_pid(int dirfd, const char *name, const char *base)
{
	size_t bl = strlen(base);
	if (strncmp(name, base, bl) != 0 || strncmp(name + bl, ".tmp.", 5) != 0)
		return 0;
	const char *digits = name + bl + 5;
	char *end;
	long pid = strtol(digits, &end, 10);
	if (end == digits || *end || pid <= 0 || digits[0] == '0' || pid > 0x3fffffff)
		return 0;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	struct stat st;
	char first[sizeof head - 1];
	bool ours = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	            (st.st_size == 0 || (read(fd, first, sizeof first) == (ssize_t)sizeof first &&
	                                 memcmp(first, head, sizeof first) == 0));
	close(fd);
	return ours ? (pid_t)pid : 0;
}

/* Remove the temporary traces of runs that are gone (killed by SIGKILL, or a crash): their
 * PID names no live process. One that is alive is another run writing the same trace. */
static void remove_leftovers(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		pid_t pid = leftover_pid(dirfd(d), e->d_name, base);
		if (pid > 0 && pid != getpid() && kill(pid, 0) < 0 && errno == ESRCH)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

void sim_tracefile_begin(struct sim_tracefile *t, const char *cmd, const char *path)
{
	struct stat st;
	size_t len = strlen(path);
	t->path = path;
	t->tmp[0] = 0;
	t->fd = -1;
	if (len == 0)
		sim_usage_error(cmd, "--trace '': give the path of a file to write");
	if (path[len - 1] == '/' || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		sim_usage_error(cmd, "--trace '%s' is a directory: give the path of a file in it", path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		sim_usage_error(cmd, "--trace '%s' is not a regular file: give the path of one (it is replaced whole)",
		                path);
	if (len + 20 > sizeof t->tmp)
		sim_usage_error(cmd, "--trace: the path is longer than %zu bytes: shorten it", sizeof t->tmp - 20);
	remove_leftovers(path);
	snprintf(t->tmp, sizeof t->tmp, "%s.tmp.%d", path, (int)getpid());
	t->fd = open(t->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (t->fd < 0) {
		int e = errno;
		t->tmp[0] = 0;
		sim_usage_error(cmd, "--trace '%s': cannot write there (%s): give a writable path", path, strerror(e));
	}
	sim_signals_unlink_on_exit(t->tmp);
	if (write(t->fd, head, sizeof head - 1) != (ssize_t)sizeof head - 1) {
		int e = errno;
		sim_tracefile_discard(t);
		sim_usage_error(cmd, "--trace '%s': cannot write there (%s): give a writable path", path, strerror(e));
	}
}

int sim_tracefile_close(struct sim_tracefile *t)
{
	int fd = t->fd;
	t->fd = -1;
	return fd >= 0 && close(fd) < 0 ? -errno : 0;
}

int sim_tracefile_commit(struct sim_tracefile *t)
{
	if (rename(t->tmp, t->path) < 0)
		return -errno;
	sim_signals_unlink_on_exit(NULL);
	t->tmp[0] = 0;
	return 0;
}

void sim_tracefile_discard(struct sim_tracefile *t)
{
	sim_tracefile_close(t);
	if (t->tmp[0])
		unlink(t->tmp);
	sim_signals_unlink_on_exit(NULL);
	t->tmp[0] = 0;
}
