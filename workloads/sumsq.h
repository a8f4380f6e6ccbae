/* SPDX-License-Identifier: MIT */
/* sumsq.h: the closed form the sum-of-squares workload verifies against (exposed for tests). */
#ifndef SIMUL_SUMSQ_H
#define SIMUL_SUMSQ_H

#if SIMUL_LAYER < 2 /* the layers: CMakeLists.txt */
#error "sumsq.h belongs to the workloads layer: a models/ file may not include it"
#endif

#include <stdint.h>

/* sum of i*i for i in [0, n), modulo 2^64. */
uint64_t sumsq_closed_form(uint64_t n);

#endif
