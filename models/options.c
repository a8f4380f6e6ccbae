/* SPDX-License-Identifier: MIT */
/* options.c: strict parsing of command-line values (no sign, no junk, no overflow, a range) into a table's fields. */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The length of the plain decimal number s starts with: digits, then for a fraction (whole
 * false) a point and digits, and an exponent (e, a sign, digits). Nothing else: no sign, no
 * space, no hex, no inf or nan, which strtod would take. 0 if s starts with none. */
static size_t decimal_len(const char *s, bool whole)
{
	size_t i = 0, digits = 0;
	while (isdigit((unsigned char)s[i]))
		i++, digits++;
	if (whole)
		return i;
	if (s[i] == '.')
		for (i++; isdigit((unsigned char)s[i]); i++)
			digits++;
	if (!digits)
		return 0;
	if (s[i] == 'e' || s[i] == 'E') {
		size_t j = i + 1;
		if (s[j] == '+' || s[j] == '-')
			j++;
		if (isdigit((unsigned char)s[j])) {
			while (isdigit((unsigned char)s[j]))
				j++;
			i = j;
		}
	}
	return i;
}

/* The one number parser, for every option and query value: the whole string, in [min,
 * max]. NULL and *u (whole) or *d set, or why not. */
static const char *parse_number(const char *s, bool whole, double min, double max, uint64_t *u, double *d)
{
	if (!s || !*s)
		return "is empty";
	const char *not_one = whole ? "is not a whole number" : "is not a number";
	size_t as_fraction = decimal_len(s[0] == '-' ? s + 1 : s, false);
	size_t len = s[0] == '-' ? 1 + as_fraction : as_fraction;
	if (!as_fraction || s[len])
		return "is not a number";
	if (s[0] == '-')
		return "is negative";
	if (whole && decimal_len(s, true) != len)
		return not_one; /* 1.5, 1e3: a number, not a whole one */
	errno = 0;
	char *end;
	double v;
	if (whole) {
		unsigned long long x = strtoull(s, &end, 10);
		if (errno == ERANGE)
			return "is too large";
		v = (double)x;
		if (v >= min && v <= max)
			*u = x;
	} else {
		v = strtod(s, &end);
		if (errno == ERANGE)
			return v > 1 ? "is too large" : "is too small";
	}
	if (*end)
		return not_one;
	if (v < min)
		return "is too small";
	if (v > max)
		return "is too large";
	if (!whole)
		*d = v;
	return NULL;
}

const char *sim_parse_u64(const char *s, double min, double max, uint64_t *out)
{
	return parse_number(s, true, min, max, out, NULL);
}

const char *sim_parse_double(const char *s, double min, double max, double *out)
{
	return parse_number(s, false, min, max, NULL, out);
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
