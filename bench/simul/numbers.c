/* SPDX-License-Identifier: MIT */
/* numbers.c: strict parsing of command-line numbers (no sign, no junk, no overflow, a range). */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

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
