/* SPDX-License-Identifier: MIT */
/* models_include_workload.c: a models/ file reaching a workloads/ header by a relative path: must not compile. */
#include "../../workloads/workload.h"
