/* SPDX-License-Identifier: MIT */
/* calibrate.h: the one way workloads measure a machine fact before the timed region: K samples, a robust middle. */
#ifndef SIMUL_CALIBRATE_H
#define SIMUL_CALIBRATE_H

#if SIMUL_LAYER < 2 /* the layers: CMakeLists.txt */
#error "calibrate.h belongs to the workloads layer: a models/ file may not include it"
#endif

/* How the samples become one figure. Not the best of them: this machine runs short bursts
 * up to twice as fast as it sustains, and the best of a few picks a burst. */
enum sim_cal_stat {
	SIM_CAL_MEDIAN,       /* the middle sample */
	SIM_CAL_TRIMMED_MEAN, /* the mean without the largest eighth: one stray stall does not count */
};

#define SIM_CAL_MAX_SAMPLES 64

/* Take k samples of sample(arg) (1 to SIM_CAL_MAX_SAMPLES), one after another, and return
 * their median or trimmed mean. A sample of NAN (it failed) stops the calibration: NAN. */
double sim_calibrate(enum sim_cal_stat stat, unsigned k, double (*sample)(void *arg), void *arg);

/* The same within a time budget: no sample begins once budget_s seconds have passed since the
 * first began (the first is always taken, and one under way is never cut short), so it lasts
 * at most budget_s plus one sample. *taken (if not NULL): the samples taken. */
double sim_calibrate_within(enum sim_cal_stat stat, unsigned k, double budget_s, double (*sample)(void *arg),
                            void *arg, unsigned *taken);

#endif
