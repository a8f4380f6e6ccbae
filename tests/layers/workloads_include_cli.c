/* SPDX-License-Identifier: MIT */
/* workloads_include_cli.c: a workloads/ file reaching a bench/simul/ header by a relative path: must not compile. */
#include "../../bench/simul/cli.h"
