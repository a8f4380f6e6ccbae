/* SPDX-License-Identifier: MIT */
/* fuzz_cli.c: libFuzzer target: `simul run|predict` command lines (sim_cli_try), parsed in one process without exiting. */
#include "cli.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "fuzz_cli: %s fails\n", #cond);               \
			abort();                                                     \
		}                                                                    \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* --help texts go to stdout: thousands of them a second. */
	CHECK(freopen("/dev/null", "w", stdout) != NULL);
	return 0;
}

/* Input: a byte choosing run or predict, then the arguments, separated by NUL bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	char *text = malloc(size);
	CHECK(text != NULL);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = data[0] & 1 ? "run" : "predict";
	for (char *p = text; p < text + size - 1 && argc <= MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;

	struct sim_cli cli;
	char err[512];
	memset(err, 'x', sizeof err);
	int e = sim_cli_try(&cli, argc, argv, err, sizeof err);
	CHECK(e == 0 || e == 1 || e < 0);
	if (e < 0)
		CHECK(memchr(err, 0, sizeof err) && err[0]);
	if (e == 0) {
		const struct sim_run *run = &cli.run;
		CHECK(cli.workload && run->model && run->task && run->tasks >= 1 && run->cores >= 1);
		CHECK(run->stack_kib >= 16);
	}
	sim_cli_free(&cli);
	free(text);
	return 0;
}
