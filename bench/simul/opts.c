/* SPDX-License-Identifier: MIT */
/* opts.c: one getopt_long loop and one --help printer for every table of options. */
#include "opts.h"
#include "model.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <string.h>

#define OPT_BASE 1000 /* getopt_long's value for option k: OPT_BASE + k */

/* getopt_long gives an option that needs a value the next argument, whatever it is: in
 * `--tasks --ms 5` that is --ms, which is not a value but the next option (a number never
 * starts with "--"; a text value may, unless it is one of the options' names). */
static bool takes_option(const struct sim_option *o, const char *arg, const struct option *longs, size_t n)
{
	if (!arg || arg[0] != '-' || arg[1] != '-' || !isalpha((unsigned char)arg[2]))
		return false;
	if (o->kind == SIM_OPT_U64 || o->kind == SIM_OPT_MAYBE || o->kind == SIM_OPT_DOUBLE)
		return true;
	size_t len = strcspn(arg + 2, "=");
	for (size_t i = 0; i < n; i++)
		if (strlen(longs[i].name) == len && strncmp(longs[i].name, arg + 2, len) == 0)
			return true;
	return false;
}

int sim_opts_parse(const struct sim_optgroup *groups, size_t ngroups, int argc, char **argv, int first,
                   bool *seen, char *err, size_t errlen)
{
	struct option longs[SIM_OPTS_MAX + 1];
	const struct sim_option *row[SIM_OPTS_MAX];
	void *base[SIM_OPTS_MAX];
	size_t n = 0;
	for (size_t g = 0; g < ngroups; g++)
		for (const struct sim_option *o = groups[g].opts; o->name; o++) {
			if (n == SIM_OPTS_MAX) {
				snprintf(err, errlen, "more than %d options: too many for the parser", SIM_OPTS_MAX);
				return -EINVAL;
			}
			longs[n] = (struct option){ o->name, o->kind == SIM_OPT_FLAG ? no_argument : required_argument, 0,
			                            OPT_BASE + (int)n };
			row[n] = o;
			base[n] = groups[g].base;
			seen[n++] = false;
		}
	longs[n] = (struct option){ 0 };

	/* optind = 0 makes glibc's getopt start over from scratch, forgetting a cluster of short
	 * options an earlier parse left half-read (its pointer into that parse's argv); it then
	 * skips the first element, so it is given argv from first - 1. */
	int c;
	int sub_argc = argc - (first - 1);
	char **sub = argv + (first - 1);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(sub_argc, sub, ":", longs, NULL)) != -1) {
		if (c == ':') {
			snprintf(err, errlen, "%s needs a value", sub[optind - 1]);
			return -EINVAL;
		}
		if (c < OPT_BASE || c >= OPT_BASE + (int)n) {
			if (optopt)
				snprintf(err, errlen, "unknown option '-%c'", optopt);
			else
				snprintf(err, errlen, "unknown option '%s'", sub[optind - 1]);
			return -ENOENT;
		}
		size_t k = (size_t)(c - OPT_BASE);
		seen[k] = true;
		if (row[k]->kind != SIM_OPT_FLAG && takes_option(row[k], optarg, longs, n)) {
			snprintf(err, errlen, "--%s needs a value (got the option '%s')", row[k]->name, optarg);
			return -EINVAL;
		}
		if (sim_option_set(row[k], base[k], optarg, err, errlen) < 0)
			return -EINVAL;
	}
	if (optind < sub_argc) {
		snprintf(err, errlen, "unexpected argument '%s'", sub[optind]);
		return -EINVAL;
	}
	return 0;
}

int sim_models_with(unsigned caps, const char *last_sep, char *buf, size_t n)
{
	int k = 0, i = 0;
	for (const struct sim_model *const *m = sim_models; *m; m++)
		k += ((*m)->caps & caps) != 0;
	size_t used = 0;
	buf[0] = 0;
	for (const struct sim_model *const *m = sim_models; *m && used < n; m++)
		if ((*m)->caps & caps) {
			used += (size_t)snprintf(buf + used, n - used, "%s%s", i == 0 ? "" : i + 1 < k ? ", " : last_sep,
			                         (*m)->name);
			i++;
		}
	return k;
}

/* Help text in lines of at most HELP_WIDTH columns, continued under the first. */
#define HELP_COL 20
#define HELP_WIDTH 100
static void wrap(FILE *out, const char *text)
{
	size_t room = HELP_WIDTH - HELP_COL, len = strlen(text);
	while (len > room) {
		size_t cut = room;
		while (cut > 0 && text[cut] != ' ')
			cut--;
		if (cut == 0)
			break; /* one word longer than the line: print it whole */
		fprintf(out, "%.*s\n%*s", (int)cut, text, HELP_COL, "");
		text += cut + 1;
		len -= cut + 1;
	}
	fprintf(out, "%s\n", text);
}

void sim_opts_help(FILE *out, const struct sim_option *opts, const void *ctx)
{
	for (const struct sim_option *o = opts; o->name; o++) {
		const char *arg = o->arg ? o->arg : o->kind == SIM_OPT_FLAG ? "" : o->kind == SIM_OPT_STR ? "S" : "X";
		char flag[64], who[160] = "", more[256] = "";
		snprintf(flag, sizeof flag, "--%s%s%s", o->name, arg[0] ? " " : "", arg);
		if (o->applies && sim_models_with(o->applies, ", ", who, sizeof who - 2) > 0)
			strcat(who, ": ");
		if (o->help_more)
			o->help_more(more, sizeof more, ctx);
		else if (o->def)
			snprintf(more, sizeof more, "(default %s)", o->def);
		char text[600];
		snprintf(text, sizeof text, "%s%s%s%s", who, o->help, more[0] ? " " : "", more);
		fprintf(out, "  %-17s ", flag);
		wrap(out, text);
	}
}
