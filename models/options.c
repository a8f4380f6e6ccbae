/* SPDX-License-Identifier: MIT */
/* options.c: strict parsing of command-line values (no sign, no junk, no overflow, a range) into a table's fields. */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sim_parse_u64(const char *s, double min, double max, uint64_t *out)
{
	if (!s || !*s)
		return "is empty";
	if (!isdigit((unsigned char)s[0]))
		return s[0] == '-' ? "is negative" : "is not a whole number";
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end)
		return "is not a whole number";
	if (errno == ERANGE)
		return "is too large";
	if ((double)v < min)
		return "is too small";
	if ((double)v > max)
		return "is too large";
	*out = v;
	return NULL;
}

const char *sim_parse_double(const char *s, double min, double max, double *out)
{
	if (!s || !*s)
		return "is empty";
	if (s[0] == '-')
		return "is negative";
	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return "is not a number";
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	if (*end)
		return "is not a number";
	if (errno == ERANGE || !isfinite(v))
		return "is out of range";
	if (v < min)
		return "is too small";
	if (v > max)
		return "is too large";
	*out = v;
	return NULL;
}

/* A bound as a reader would type it: 1000000, not 1e+06. */
static const char *bound(double v, char *buf, size_t n)
{
	snprintf(buf, n, v == floor(v) && fabs(v) < 1e18 ? "%.0f" : "%g", v);
	return buf;
}

static int set_choice(const struct sim_option *o, unsigned *field, const char *text, char *err, size_t errlen)
{
	for (unsigned i = 0; o->choices[i]; i++)
		if (strcmp(o->choices[i], text) == 0) {
			*field = i;
			return 0;
		}
	size_t used = (size_t)snprintf(err, errlen, "--%s '%s' is unknown: use ", o->name, text);
	for (unsigned i = 0; o->choices[i] && used < errlen; i++)
		used += (size_t)snprintf(err + used, errlen - used, "%s%s", i == 0 ? "" : o->choices[i + 1] ? ", " : " or ",
		                         o->choices[i]);
	return -EINVAL;
}

static int range_error(const struct sim_option *o, const char *text, const char *why, const char *noun,
                       char *err, size_t errlen)
{
	char lo[32], hi[32];
	snprintf(err, errlen, "--%s '%s' %s: give %s from %s to %s", o->name, text, why, o->noun ? o->noun : noun,
	         bound(o->min, lo, sizeof lo), bound(o->max, hi, sizeof hi));
	return -EINVAL;
}

int sim_option_set(const struct sim_option *o, void *base, const char *text, char *err, size_t errlen)
{
	void *field = (char *)base + o->offset;
	const char *why;
	switch (o->kind) {
	case SIM_OPT_U64:
	case SIM_OPT_MAYBE: {
		uint64_t v;
		if ((why = sim_parse_u64(text, o->min, o->max, &v)) != NULL)
			return range_error(o, text, why, "a whole number", err, errlen);
		if (o->kind == SIM_OPT_U64)
			*(uint64_t *)field = v;
		else
			*(struct sim_maybe *)field = (struct sim_maybe){ .value = v, .given = true };
		return 0;
	}
	case SIM_OPT_DOUBLE:
		if ((why = sim_parse_double(text, o->min, o->max, (double *)field)) != NULL)
			return range_error(o, text, why, "a number", err, errlen);
		return 0;
	case SIM_OPT_STR: *(const char **)field = text; return 0;
	case SIM_OPT_FLAG: *(bool *)field = true; return 0;
	case SIM_OPT_CHOICE: return set_choice(o, field, text, err, errlen);
	}
	return -EINVAL;
}

int sim_options_defaults(const struct sim_option *opts, void *base, char *err, size_t errlen)
{
	for (const struct sim_option *o = opts; o->name; o++) {
		if (!o->def || o->kind == SIM_OPT_FLAG)
			continue;
		char why[200];
		if (sim_option_set(o, base, o->def, why, sizeof why) < 0) {
			snprintf(err, errlen, "the default of --%s is wrong: %s", o->name, why);
			return -EINVAL;
		}
		if (o->kind == SIM_OPT_MAYBE)
			((struct sim_maybe *)(void *)((char *)base + o->offset))->given = false;
	}
	return 0;
}

size_t sim_options_count(const struct sim_option *opts)
{
	size_t n = 0;
	while (opts[n].name)
		n++;
	return n;
}
