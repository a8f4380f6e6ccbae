/* SPDX-License-Identifier: MIT */
/* http_server.h: the loopback HTTP/1.1 server fetch talks to (one libuv loop, latency by timer), as a library. */
#ifndef SIMUL_HTTP_SERVER_H
#define SIMUL_HTTP_SERVER_H

#if SIMUL_LAYER < 2 /* the layers: CMakeLists.txt */
#error "http_server.h belongs to the workloads layer: a models/ file may not include it"
#endif

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SIM_HTTP_MAX_BODY (256u << 20)       /* bytes of one answer's body */
#define SIM_HTTP_MAX_LATENCY_MS 3600000u     /* the server's latency, and ?latency-ms=N */
#define SIM_HTTP_MAX_HEADER_BYTES 8192       /* the header section, every byte; more is answered 431 */
#define SIM_HTTP_MAX_QUEUED 32               /* answers a connection may have waiting: back-pressure */
#define SIM_HTTP_IDLE_MS_DEFAULT 10000
#define SIM_HTTP_HEADER_MS_DEFAULT 20000
#define SIM_HTTP_LINGER_MS 5000              /* after an error answer: see http_conn.c */

/* Every GET is answered 200 with `bytes` bytes after `latency_ms` (a timer, never a blocked
 * loop); a request's ?latency-ms=N overrides the latency for that request (parsed as the
 * command line's numbers are: anything else is answered 400). Keep-alive, pipelining and
 * Connection: close are honoured; a connection with SIM_HTTP_MAX_QUEUED answers waiting is
 * not read until one has left (back-pressure, never a dropped request). Garbage is answered
 * 400, a header section over SIM_HTTP_MAX_HEADER_BYTES 431 (however long it goes on; every
 * byte of it counts, CRLFs too), a request left half-sent for idle_ms or not whole header_ms
 * after its first byte 408, and each such connection is then closed. A client that closes
 * its end while its answer waits out the latency is gone: its connection is closed at once. */
struct sim_http_config {
	uint16_t port;       /* on 127.0.0.1; 0 picks a free one */
	uint64_t latency_ms; /* at most SIM_HTTP_MAX_LATENCY_MS */
	uint64_t bytes;      /* at most SIM_HTTP_MAX_BODY */
	uint64_t idle_ms;    /* connections idle this long are closed; 0: SIM_HTTP_IDLE_MS_DEFAULT */
	uint64_t header_ms;  /* a request's headers must be in this long after its first byte;
	                      * 0: SIM_HTTP_HEADER_MS_DEFAULT */
};

/* Serve on the calling thread until SIGINT or SIGTERM reaches the process; ready(port, arg)
 * is called once the server accepts. Raises the open-files limit to its hard limit (every
 * connection is a descriptor) and ignores SIGPIPE. 0 once stopped by a signal, or -errno
 * with a one-line reason in err (-EADDRINUSE: the port is taken; -ENOMEM). */
int sim_http_serve(const struct sim_http_config *cfg, void (*ready)(uint16_t port, void *arg), void *arg,
                   char *err, size_t errlen);

/* The same server in a forked child process (registered with the models' child registry,
 * so the run's signal handlers kill it too), which keeps its CPU and memory out of the
 * caller's own getrusage. Fork it before starting threads. */
struct sim_http_server {
	pid_t pid;      /* 0 when not running */
	int slot;       /* in the child registry */
	uint16_t port;  /* where it accepts */
};

/* Start it and wait (10 s at most) until it accepts. 0, or -errno with a one-line reason
 * in err; nothing is left running on failure. */
int sim_http_server_start(struct sim_http_server *s, const struct sim_http_config *cfg, char *err, size_t errlen);

/* SIGTERM, 2 s to finish, then SIGKILL; reaped here, and its resource use is not added to
 * the run's (sim_child_reaped is not called). Safe on a server never started. */
void sim_http_server_stop(struct sim_http_server *s);

#endif
