/* SPDX-License-Identifier: MIT */
/* calibrate.c: K samples of a machine fact, sorted, their median or trimmed mean (sumsq, chess, fetch). */
#include "calibrate.h"
#include "runtime.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double sim_calibrate_within(enum sim_cal_stat stat, unsigned k, double budget_s, double (*sample)(void *arg),
                            void *arg, unsigned *taken)
{
	double v[SIM_CAL_MAX_SAMPLES];
	unsigned n = 0;
	if (taken)
		*taken = 0;
	if (k == 0 || k > SIM_CAL_MAX_SAMPLES)
		return NAN;
	double until = sim_mono_s() + budget_s;
	while (n < k && (n == 0 || sim_mono_s() < until)) {
		v[n] = sample(arg);
		if (taken)
			*taken = n + 1;
		if (isnan(v[n++]))
			return NAN;
	}
	qsort(v, n, sizeof *v, cmp_double);
	if (stat == SIM_CAL_MEDIAN)
		return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	unsigned keep = n - n / 8;
	double sum = 0;
	for (unsigned i = 0; i < keep; i++)
		sum += v[i];
	return sum / keep;
}

double sim_calibrate(enum sim_cal_stat stat, unsigned k, double (*sample)(void *arg), void *arg)
{
	return sim_calibrate_within(stat, k, INFINITY, sample, arg, NULL);
}
