/* SPDX-License-Identifier: MIT */
/* workloads_include_plain.c: a workloads/ file naming a bench/simul/ header plainly: not on its include path. */
#include "cli.h"
