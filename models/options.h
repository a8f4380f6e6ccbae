/* SPDX-License-Identifier: MIT */
/* options.h: the one table type for command-line options (common, workload, serve) and its strict parsers. */
#ifndef SIMUL_OPTIONS_H
#define SIMUL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an option's field holds. */
enum sim_opt_kind {
	SIM_OPT_U64,    /* uint64_t, in [min, max] */
	SIM_OPT_DOUBLE, /* double, in [min, max] */
	SIM_OPT_STR,    /* const char *: the argument as given; NULL when absent without a default */
	SIM_OPT_FLAG,   /* bool, true when given; takes no argument */
	SIM_OPT_CHOICE, /* unsigned: the argument's index in choices */
	SIM_OPT_MAYBE,  /* struct sim_maybe: a whole number in [min, max], and whether it was given */
};

/* An option whose absence means something (the model's pool size, a server that is not
 * ours): the value is the default until the command line gives one. */
struct sim_maybe {
	uint64_t value;
	bool given;
};

/* Writes the part of an option's --help known only at run time (this machine's cores, the
 * workload's task count); ctx is whatever the caller of the help printer passes. */
typedef void (*sim_opt_help_fn)(char *buf, size_t n, const void *ctx);

/* One option. Tables end with a zeroed entry. One table gives the parser, --help, the
 * defaults and, through `applies`, the errors for options a model does not support. */
struct sim_option {
	const char *name;            /* long option, without the dashes */
	enum sim_opt_kind kind;
	size_t offset;               /* of the field in the struct the table fills */
	const char *def;             /* default, as it would be typed; NULL: none */
	double min, max;             /* numbers, inclusive */
	const char *arg;             /* the argument in --help ("N", "FILE"); NULL: "X" */
	const char *help;            /* one line */
	const char *noun;            /* numbers' errors: "give <noun> from min to max"; NULL: "a number" */
	const char *const *choices;  /* SIM_OPT_CHOICE: NULL-terminated */
	unsigned applies;            /* SIM_CAP_* a model needs for the option to apply; 0: any model */
	const char *not_applies;     /* advice after "--x applies to ..., not M" (": drop it or ..."), or NULL */
	sim_opt_help_fn help_more;   /* run-time part of --help, or NULL */
};

/* The strict number parsers, one for every option and query value: the whole string, plain
 * decimal (digits; for a double also a point and an exponent), no sign, space, hex, inf or
 * nan, in [min, max]. NULL, or a reason: "is empty", "is not a number", "is not a whole
 * number" (1.5 or 1e3 for a whole one), "is negative", "is too small", "is too large". */
const char *sim_parse_u64(const char *s, double min, double max, uint64_t *out);
const char *sim_parse_double(const char *s, double min, double max, double *out);

/* Set o's field in base from text (a flag ignores it). 0, or -EINVAL with the one-line
 * message ("--tasks '0' is too small: give a whole number from 1 to 1000000") in err. */
int sim_option_set(const struct sim_option *o, void *base, const char *text, char *err, size_t errlen);

/* Every option's default into base (fields without one are left as they are). 0 or
 * -EINVAL: a default that does not parse is a bug in the table, said in err. */
int sim_options_defaults(const struct sim_option *opts, void *base, char *err, size_t errlen);

/* Options in a table, up to its zeroed end. */
size_t sim_options_count(const struct sim_option *opts);

#endif
