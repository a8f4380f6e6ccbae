/* SPDX-License-Identifier: MIT */
/* record.h: one record per run, in text, CSV or JSON, fields in the contract's order. */
#ifndef SIMUL_RECORD_H
#define SIMUL_RECORD_H

#if SIMUL_LAYER < 3 /* the layers: CMakeLists.txt */
#error "record.h belongs to the simul command (bench/simul/): a models/ or workloads/ file may not include it"
#endif

#include "cli.h"

struct sim_record {
	double wall_s, predicted_s, user_s, sys_s;
	uint64_t max_rss_kib, voluntary_ctx, involuntary_ctx;
	uint64_t mem_kib;       /* the run's memory, each page once; mem_method says how it was counted */
	const char *mem_method;
	bool verified;
	bool measured;          /* false for `simul predict`: only the prediction */
	struct sim_fields extra;
};

/* s as a JSON string, quoted and escaped (NULL: ""): the record's and `simul list`'s. */
void sim_json_string(FILE *out, const char *s);

void sim_record_print(FILE *out, const struct sim_cli *cli, const struct sim_record *rec,
                      const struct sim_result *rs);

#endif
