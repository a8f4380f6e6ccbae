/* SPDX-License-Identifier: MIT */
/* calibrate.c: K samples of a machine fact, sorted, their median or trimmed mean (sumsq, chess, fetch). */
#include "calibrate.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double sim_calibrate(enum sim_cal_stat stat, unsigned k, double (*sample)(void *arg), void *arg)
{
	double v[SIM_CAL_MAX_SAMPLES];
	if (k == 0 || k > SIM_CAL_MAX_SAMPLES)
		return NAN;
	for (unsigned i = 0; i < k; i++)
		if (isnan(v[i] = sample(arg)))
			return NAN;
	qsort(v, k, sizeof *v, cmp_double);
	if (stat == SIM_CAL_MEDIAN)
		return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
	unsigned keep = k - k / 8;
	double sum = 0;
	for (unsigned i = 0; i < keep; i++)
		sum += v[i];
	return sum / keep;
}
