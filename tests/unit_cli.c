/* SPDX-License-Identifier: MIT */
/* unit_cli.c: the command line parsed many times in one process, errors returned rather than exited on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli.h"
#include "opts.h"

#include <errno.h>
#include <string.h>

struct few {
	uint64_t n;
	bool flag;
};

static const struct sim_option few_opts[] = {
	{ .name = "n", .kind = SIM_OPT_U64, .offset = offsetof(struct few, n), .min = 0, .max = 9 },
	{ .name = "flag", .kind = SIM_OPT_FLAG, .offset = offsetof(struct few, flag) },
	{ 0 },
};

static int parse(int argc, char **argv, struct few *f, char *err)
{
	bool seen[SIM_OPTS_MAX];
	const struct sim_optgroup g = { few_opts, f };
	memset(f, 0, sizeof *f);
	return sim_opts_parse(&g, 1, argc, argv, 1, seen, err, 200);
}

/* A parse that stops inside a cluster of short options ("-xyz" at 'x') must not leave
 * getopt_long reading the rest of it, from that argv, in the next parse. */
static void parses_start_afresh(void **state)
{
	(void)state;
	char err[200];
	struct few f;
	char a0[] = "serve", a1[] = "-xyz";
	char *bad[] = { a0, a1, NULL };
	assert_int_equal(parse(2, bad, &f, err), -ENOENT);
	assert_non_null(strstr(err, "'-x'"));
	memset(a1, 'q', sizeof a1 - 1); /* the first argv is gone: overwritten */
	char b0[] = "serve", b1[] = "--n", b2[] = "7", b3[] = "--flag";
	char *good[] = { b0, b1, b2, b3, NULL };
	assert_int_equal(parse(4, good, &f, err), 0);
	assert_int_equal(f.n, 7);
	assert_true(f.flag);
	char c0[] = "serve", c1[] = "--n";
	char *missing[] = { c0, c1, NULL };
	assert_int_equal(parse(2, missing, &f, err), -EINVAL);
	assert_non_null(strstr(err, "--n needs a value"));
	char d0[] = "serve", d1[] = "extra";
	char *stray[] = { d0, d1, NULL };
	assert_int_equal(parse(2, stray, &f, err), -EINVAL);
	assert_non_null(strstr(err, "unexpected argument 'extra'"));
}

/* One number parser for every option and query value: plain decimal only, each refusal named. */
static void numbers_parse_one_way(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool whole;
		const char *why; /* NULL: accepted */
		double value;
	} cases[] = {
		{ "42", true, NULL, 42 },          { "007", true, NULL, 7 },
		{ "", true, "is empty", 0 },       { "-4", true, "is negative", 0 },
		{ "-x", true, "is not a number", 0 }, { "--ms", true, "is not a number", 0 },
		{ "1.5", true, "is not a whole number", 0 }, { "1e3", true, "is not a whole number", 0 },
		{ "0x10", true, "is not a number", 0 }, { " 5", true, "is not a number", 0 },
		{ "+5", true, "is not a number", 0 }, { "5 ", true, "is not a number", 0 },
		{ "18446744073709551616", true, "is too large", 0 }, { "0", true, "is too small", 0 },
		{ "1.5", false, NULL, 1.5 },       { ".5", false, NULL, 0.5 },
		{ "2.", false, NULL, 2 },          { "1e3", false, NULL, 1000 },
		{ "2.5E-1", false, NULL, 0.25 },   { "0x10", false, "is not a number", 0 },
		{ "0X1p4", false, "is not a number", 0 }, { "inf", false, "is not a number", 0 },
		{ "infinity", false, "is not a number", 0 }, { "nan", false, "is not a number", 0 },
		{ "-1.5", false, "is negative", 0 }, { "-inf", false, "is not a number", 0 },
		{ ".", false, "is not a number", 0 }, { "1e", false, "is not a number", 0 },
		{ "1e400", false, "is too large", 0 }, { "1e-400", false, "is too small", 0 },
		{ "2000", false, "is too large", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t u = 0;
		double d = 0;
		const char *why = cases[i].whole ? sim_parse_u64(cases[i].text, 1, 1e19, &u)
		                                 : sim_parse_double(cases[i].text, 0.001, 1000, &d);
		if ((why == NULL) != (cases[i].why == NULL) || (why && strcmp(why, cases[i].why) != 0))
			fail_msg("'%s' (%s): %s, want %s", cases[i].text, cases[i].whole ? "whole" : "double",
			         why ? why : "accepted", cases[i].why ? cases[i].why : "accepted");
		if (!why && (cases[i].whole ? (double)u : d) != cases[i].value)
			fail_msg("'%s': %g, want %g", cases[i].text, cases[i].whole ? (double)u : d, cases[i].value);
	}
}

/* An option that needs a value, followed by another option, says so; a text value may still
 * start with "--" when it names no option. */
static void a_value_that_is_an_option(void **state)
{
	(void)state;
	char err[512];
	struct sim_cli cli;
	char *n[] = { "run", "sleep", "--model", "sequential", "--tasks", "--ms", "5", NULL };
	assert_true(sim_cli_try(&cli, 7, n, err, sizeof err) < 0);
	assert_non_null(strstr(err, "--tasks needs a value (got the option '--ms')"));
	sim_cli_free(&cli);
	char *t[] = { "run", "sleep", "--model", "sequential", "--trace", "--format", NULL };
	assert_true(sim_cli_try(&cli, 6, t, err, sizeof err) < 0);
	assert_non_null(strstr(err, "--trace needs a value (got the option '--format')"));
	sim_cli_free(&cli);
	char *x[] = { "predict", "sleep", "--model", "sequential", "--trace", "--x.csv", NULL };
	assert_int_equal(sim_cli_try(&cli, 6, x, err, sizeof err), 0);
	assert_string_equal(cli.opt.trace, "--x.csv");
	sim_cli_free(&cli);
}

/* sim_cli_try returns what sim_cli_parse would print and exit 2 on, and 1 for --help. */
static void cli_try_returns(void **state)
{
	(void)state;
	char err[512];
	struct sim_cli cli;
	char *none[] = { "run", "nosuch", NULL };
	assert_true(sim_cli_try(&cli, 2, none, err, sizeof err) < 0);
	assert_non_null(strstr(err, "unknown workload 'nosuch'"));
	sim_cli_free(&cli);
	char *zero[] = { "run", "sleep", "--model", "sequential", "--tasks", "0", NULL };
	assert_true(sim_cli_try(&cli, 6, zero, err, sizeof err) < 0);
	assert_non_null(strstr(err, "--tasks"));
	sim_cli_free(&cli);
	char *gil[] = { "run", "sleep", "--model", "eventloop", "--gil", NULL };
	assert_true(sim_cli_try(&cli, 5, gil, err, sizeof err) < 0);
	assert_non_null(strstr(err, "--gil applies to threadpool only"));
	sim_cli_free(&cli);
	char *fine[] = { "predict", "sleep", "--model", "threadpool", "--tasks", "5", "--workers", "2", NULL };
	assert_int_equal(sim_cli_try(&cli, 8, fine, err, sizeof err), 0);
	assert_int_equal(cli.run.tasks, 5);
	assert_int_equal(cli.run.workers, 2);
	sim_cli_free(&cli);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_start_afresh),
		cmocka_unit_test(cli_try_returns),
		cmocka_unit_test(numbers_parse_one_way),
		cmocka_unit_test(a_value_that_is_an_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
