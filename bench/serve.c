/* SPDX-License-Identifier: MIT */
/* serve.c: placeholder until the loopback HTTP server lands. */
#include <stdio.h>

int sim_serve_main(int argc, char **argv);

int sim_serve_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "simul serve: not built yet\n");
	return 1;
}
