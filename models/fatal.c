/* SPDX-License-Identifier: MIT */
/* fatal.c: how a model ends the run from where it cannot return (a signal handler on a stack overflow): one line, exit 1. */
#include "model.h"

#include <string.h>
#include <unistd.h>

/* Set before the run: a handler may not format. */
static char prefix[256] = "simul: ";
static void (*cleanup)(void);

void sim_fatal_setup(const char *pfx, void (*fn)(void))
{
	size_t n = strlen(pfx);
	if (n >= sizeof prefix)
		n = sizeof prefix - 1;
	memcpy(prefix, pfx, n);
	prefix[n] = 0;
	cleanup = fn;
}

static void say(const char *s) { (void)!write(STDERR_FILENO, s, strlen(s)); }

_Noreturn void sim_fatal_exit(const char *what)
{
	sim_children_kill();
	if (cleanup)
		cleanup();
	say(prefix);
	say(what);
	say("\n");
	_exit(1);
}
