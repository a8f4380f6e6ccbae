/* SPDX-License-Identifier: MIT */
/* workload.h: what a workload is (options, set-up, task body, verification, prediction, fields). */
#ifndef SIMUL_WORKLOAD_H
#define SIMUL_WORKLOAD_H

#if SIMUL_LAYER < 2 /* the layers: CMakeLists.txt */
#error "workload.h belongs to the workloads layer: a models/ file may not include it"
#endif

#include "model.h"
#include "options.h"

#include <stdio.h>

/* One extra field of a record: the workload's own columns. */
struct sim_field {
	const char *name;
	char value[64];         /* already formatted; numbers unquoted in JSON */
	bool is_text;
};
#define SIM_MAX_FIELDS 24

struct sim_fields {
	struct sim_field f[SIM_MAX_FIELDS];
	int n;
};
void sim_field_add(struct sim_fields *fs, const char *name, bool is_text, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

struct sim_workload {
	const char *name;
	const char *summary;                 /* one line for `simul list` */
	const char *usage;                   /* extra lines for `simul run NAME --help`, or NULL */
	uint32_t default_tasks;
	size_t cfg_size;
	const struct sim_option *options;    /* into a struct of cfg_size; terminated by a zeroed entry */
	/* Cross-option checks after parsing (exit 2 on failure). NULL = none. */
	int (*check)(struct sim_run *run, char *err, size_t errlen);
	/* Before the timed region: start servers, calibrate. NULL = none. 0 or -errno + err. */
	int (*setup)(struct sim_run *run, char *err, size_t errlen);
	/* The task body: blocking C over the runtime interface. A failure fills out->status
	 * (sim_result_fail), and the run fails, quoting the first. */
	sim_task_fn task;
	/* Optional: the same body in callback form (step.h), for a model without stacks of its
	 * own (SIM_CAP_STEP), and the bytes of state it keeps per task in flight. */
	sim_step_fn step;
	size_t step_state;
	/* After the run: true if every result is right; else a one-line why. */
	bool (*verify)(const struct sim_run *run, const struct sim_result *rs, char *why, size_t n);
	/* The analytic prediction of the wall time in seconds. */
	double (*predict)(const struct sim_run *run);
	/* The workload's own record fields. NULL = none. rs is NULL for `simul predict`. */
	void (*fields)(const struct sim_run *run, const struct sim_result *rs, struct sim_fields *out);
	/* Optional: lines for the text format, after the common ones (wall and predicted in s). */
	void (*text)(const struct sim_run *run, const struct sim_result *rs, double wall_s,
	             double predicted_s, FILE *out);
	/* Undo setup (always called if setup succeeded). NULL = none. */
	void (*teardown)(struct sim_run *run);
};

/* The workloads, one list: X(name). Each workloads/<name>.c defines sim_workload_<name>. */
#define SIM_WORKLOADS(X) \
	X(sleep)         \
	X(sumsq)         \
	X(fetch)         \
	X(chess)         \
	X(spawn)         \
	X(switch)        \
	X(lag)           \
	X(mixed)

#define SIM_DECLARE_WORKLOAD(n) extern const struct sim_workload sim_workload_##n;
SIM_WORKLOADS(SIM_DECLARE_WORKLOAD)
#undef SIM_DECLARE_WORKLOAD

extern const struct sim_workload *const sim_workloads[];
const struct sim_workload *sim_workload_find(const char *name);

#endif
