/* SPDX-License-Identifier: MIT */
/* registry.c: the table of workloads, generated from the one list in workload.h. */
#include "workload.h"

#include <stdarg.h>
#include <string.h>

#define SIM_WORKLOAD_ENTRY(n) &sim_workload_##n,
const struct sim_workload *const sim_workloads[] = { SIM_WORKLOADS(SIM_WORKLOAD_ENTRY) NULL };
#undef SIM_WORKLOAD_ENTRY

const struct sim_workload *sim_workload_find(const char *name)
{
	for (const struct sim_workload *const *w = sim_workloads; *w; w++)
		if (strcmp((*w)->name, name) == 0)
			return *w;
	return NULL;
}

void sim_field_add(struct sim_fields *fs, const char *name, bool is_text, const char *fmt, ...)
{
	if (fs->n >= SIM_MAX_FIELDS)
		return;
	struct sim_field *f = &fs->f[fs->n++];
	f->name = name;
	f->is_text = is_text;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->value, sizeof f->value, fmt, ap);
	va_end(ap);
}
