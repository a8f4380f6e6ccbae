/* SPDX-License-Identifier: MIT */
/* http_server_child.c: the HTTP server in a forked child process: started, waited for, stopped, reaped. */
#include "http_server.h"
#include "model.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define START_S 10 /* the longest wait for a child to accept */

/* The child tells the parent, on its first line through the pipe, the port it accepts on
 * ("8080") or why it could not ("!cannot listen on ..."). */
static void say_port(uint16_t port, void *arg)
{
	char line[16];
	int n = snprintf(line, sizeof line, "%u\n", port);
	(void)!write(*(int *)arg, line, (size_t)n);
}

static _Noreturn void child_main(const struct sim_http_config *cfg, int fd)
{
	prctl(PR_SET_NAME, "simul-httpd"); /* what ps and top call it */
	/* Nothing of the parent's standard output: a caller reading it to its end must not wait
	 * for the server too. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	char err[200];
	int e = sim_http_serve(cfg, say_port, &fd, err, sizeof err);
	if (e < 0) {
		char line[220];
		int n = snprintf(line, sizeof line, "!%s\n", err);
		(void)!write(fd, line, (size_t)n);
	}
	/* _exit: no atexit handlers, no second flush of stdio buffers the parent owns. */
	_exit(e < 0 ? 1 : 0);
}

/* The child's first line, START_S seconds at most: a blocking read() past the deadline
 * could wait forever. */
static size_t read_line(int fd, char *line, size_t n)
{
	size_t got = 0;
	double until = sim_mono_s() + START_S;
	while (got < n - 1 && !memchr(line, '\n', got)) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int left = (int)((until - sim_mono_s()) * 1000);
		int pr = left > 0 ? poll(&pf, 1, left) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			break;
		ssize_t r = read(fd, line + got, n - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	line[got] = 0;
	return got;
}

static int fork_server(struct sim_http_server *s, const struct sim_http_config *cfg, int p[2], char *err,
                       size_t errlen)
{
	/* sim_child_fork: the run's handlers always see the child, as in the multiprocess model. */
	fflush(NULL);
	pid_t pid = sim_child_fork(&s->slot);
	if (pid == 0) {
		close(p[0]);
		child_main(cfg, p[1]);
	}
	int e = (int)-pid;
	if (pid > 0)
		s->pid = pid;
	if (pid < 0) {
		snprintf(err, errlen, "cannot start the server: fork: %s", strerror(e));
		return -e;
	}
	return 0;
}

int sim_http_server_start(struct sim_http_server *s, const struct sim_http_config *cfg, char *err, size_t errlen)
{
	*s = (struct sim_http_server){ .slot = -1 };
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot make a pipe for the server: %s", strerror(e));
		return -e;
	}
	int e = fork_server(s, cfg, p, err, errlen);
	close(p[1]);
	char line[256];
	if (e == 0)
		read_line(p[0], line, sizeof line);
	close(p[0]);
	if (e < 0)
		return e;
	char *end;
	unsigned long port = strtoul(line, &end, 10);
	if (end != line && *end == '\n' && port > 0 && port <= 65535) {
		s->port = (uint16_t)port;
		return 0;
	}
	if (line[0] == '!') {
		line[strcspn(line, "\n")] = 0;
		snprintf(err, errlen, "the embedded server could not start: %s", line + 1);
	} else {
		snprintf(err, errlen, "the embedded server exited or did not report its port within %d s: "
		         "run `simul serve --port 0` by hand to see why", START_S);
	}
	sim_http_server_stop(s);
	return -EIO;
}

void sim_http_server_stop(struct sim_http_server *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	double until = sim_mono_s() + 2;
	for (;;) {
		pid_t w = waitpid(s->pid, NULL, WNOHANG);
		if (w == s->pid || (w < 0 && errno != EINTR))
			break;
		if (sim_mono_s() > until) {
			kill(s->pid, SIGKILL);
			while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
				;
			break;
		}
		usleep(2000);
	}
	sim_child_forget(s->slot);
	*s = (struct sim_http_server){ .slot = -1 };
}
