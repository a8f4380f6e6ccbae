/* SPDX-License-Identifier: MIT */
/* uvcheck.h: starting a libuv loop only when the descriptors it needs are free (libuv aborts otherwise). */
#ifndef SIMUL_UVCHECK_H
#define SIMUL_UVCHECK_H

#include <stddef.h>
#include <uv.h>

/* What uv_loop_init takes from the descriptor table (libuv 1.44 on Linux): the epoll
 * instance, its process-wide signal lock pipe (two, made once), the loop's signal pipe
 * (two) and the eventfd that wakes it (one). */
#define SIM_UV_LOOP_FDS 6

/* uv_loop_init, after checking that SIM_UV_LOOP_FDS descriptors can be had: libuv calls
 * abort() when its signal lock pipe cannot be made, with nothing on stderr. 0, or -errno
 * (-EMFILE for ulimit -n) with a one-line reason in err, which names the limit but not the
 * fix (that is the caller's to say). */
int sim_uv_loop_init(uv_loop_t *loop, char *err, size_t errlen);

#endif
