/* SPDX-License-Identifier: MIT */
/* registry.c: the table of models, generated from the one list in model.h. */
#include "model.h"

#include <string.h>

#define SIM_MODEL_ENTRY(n) &sim_model_##n,
const struct sim_model *const sim_models[] = { SIM_MODELS(SIM_MODEL_ENTRY) NULL };
#undef SIM_MODEL_ENTRY

const struct sim_model *sim_model_find(const char *name)
{
	for (const struct sim_model *const *m = sim_models; *m; m++)
		if (strcmp((*m)->name, name) == 0)
			return *m;
	return NULL;
}
