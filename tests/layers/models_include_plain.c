/* SPDX-License-Identifier: MIT */
/* models_include_plain.c: a models/ file naming a workloads/ header plainly: not on its include path. */
#include "workload.h"
