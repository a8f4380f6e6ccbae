/* SPDX-License-Identifier: MIT */
/* signals.c: what the simul command does on a signal or at --timeout: kill the children, one line, exit. */
#include "signals.h"
#include "model.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static char unlink_path[4096];
static char timeout_msg[200]; /* formatted ahead: a handler may not call snprintf */

static void say(const char *s) { (void)!write(STDERR_FILENO, s, strlen(s)); }

void sim_signals_unlink_now(void)
{
	if (unlink_path[0])
		unlink(unlink_path);
}

static void on_signal(int sig)
{
	sim_children_kill();
	sim_signals_unlink_now();
	if (sig == SIGALRM) {
		say(timeout_msg);
		_exit(1);
	}
	say(sig == SIGINT    ? "simul: interrupted; children killed, no record written\n"
	    : sig == SIGHUP  ? "simul: hung up (SIGHUP: the terminal closed?); children killed, no record written\n"
	    : sig == SIGQUIT ? "simul: quit (SIGQUIT); children killed, no record written\n"
	                     : "simul: terminated; children killed, no record written\n");
	_exit(128 + sig);
}

void sim_signals_install(double timeout_s)
{
	/* The caller's signals, each unless it came ignored (sim_signal_catch): `nohup simul
	 * run ...` means to outlive the terminal, and a script's background job, started with
	 * SIGINT and SIGQUIT ignored, is not one a Ctrl-C at the terminal is meant to stop. */
	sim_signal_catch(SIGINT, on_signal);
	sim_signal_catch(SIGTERM, on_signal);
	sim_signal_catch(SIGHUP, on_signal);
	sim_signal_catch(SIGQUIT, on_signal);
	/* SIGALRM is our own --timeout's, whatever the caller did with it. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Past a file-size limit a write should fail with EFBIG, which the trace reports,
	 * not kill the run and leave its temporary trace behind. */
	signal(SIGXFSZ, SIG_IGN);
	snprintf(timeout_msg, sizeof timeout_msg,
	         "simul: the run did not finish within --timeout %g s; children killed, no record "
	         "written: raise --timeout or make the run smaller\n",
	         timeout_s);
	if (timeout_s > 0) {
		struct itimerval it = { 0 };
		it.it_value.tv_sec = (time_t)timeout_s;
		it.it_value.tv_usec = (suseconds_t)((timeout_s - (double)(time_t)timeout_s) * 1e6);
		if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
			it.it_value.tv_usec = 1;
		setitimer(ITIMER_REAL, &it, NULL);
	}
}

void sim_signals_unlink_on_exit(const char *path)
{
	unlink_path[0] = 0;
	if (path && strlen(path) < sizeof unlink_path)
		memcpy(unlink_path, path, strlen(path) + 1);
}
