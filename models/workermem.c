/* SPDX-License-Identifier: MIT */
/* workermem.c: the live worker processes' private memory at most at once, for the run's memory figure. */
#include "workermem.h"
#include "model.h"

#include <stdlib.h>

void sim_workermem_init(struct sim_workermem *m, struct sim_workermem_slot *slot, uint32_t n)
{
	*m = (struct sim_workermem){ .slot = slot, .n = n };
	m->stride = n > SIM_WORKERMEM_SAMPLE ? n / SIM_WORKERMEM_SAMPLE : 1;
}

void sim_workermem_born(struct sim_workermem *m, uint32_t id) { m->slot[id].born_s = sim_now(); }

void sim_workermem_child(const struct sim_workermem *m, uint32_t id)
{
	if (id % m->stride == 0) {
		long long kib = sim_mem_private_kib();
		m->slot[id].priv = kib < 0 ? -1 : kib + 1;
	}
	m->slot[id].ended_s = sim_now();
}

struct event {
	double t;
	int64_t kib; /* + at a fork, - at an end */
};

/* By time; at the same instant an end before a fork, so that a worker replacing another is
 * not counted alongside it. */
static int by_time(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->kib > y->kib) - (x->kib < y->kib);
}

void sim_workermem_report(const struct sim_workermem *m)
{
	int64_t sum = 0, read = 0;
	bool unknown = false;
	for (uint32_t id = 0; id < m->n; id += m->stride) {
		unknown |= m->slot[id].priv < 0;
		if (m->slot[id].priv > 0) {
			sum += m->slot[id].priv - 1;
			read++;
		}
	}
	struct event *ev = read ? malloc(2 * (size_t)m->n * sizeof *ev) : NULL;
	if (!ev) {
		sim_children_private_peak(0, false);
		return;
	}
	int64_t mean = (sum + read - 1) / read;
	for (uint32_t id = 0; id < m->n; id++) {
		const struct sim_workermem_slot *w = &m->slot[id];
		int64_t v = id % m->stride == 0 && w->priv > 0 ? w->priv - 1 : mean;
		ev[2 * id] = (struct event){ w->born_s, v };
		ev[2 * id + 1] = (struct event){ w->ended_s > w->born_s ? w->ended_s : w->born_s, -v };
	}
	qsort(ev, 2 * (size_t)m->n, sizeof *ev, by_time);
	int64_t live = 0, peak = 0;
	for (size_t e = 0; e < 2 * (size_t)m->n; e++) {
		live += ev[e].kib;
		if (live > peak)
			peak = live;
	}
	free(ev);
	sim_children_private_peak((uint64_t)peak, !unknown);
}
