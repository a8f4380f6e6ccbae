/* SPDX-License-Identifier: MIT */
/* fetch.h: inside the fetch workload: its options, its state, and the requests (fetch.c, fetch_task.c). */
#ifndef SIMUL_FETCH_H
#define SIMUL_FETCH_H

#if SIMUL_LAYER < 2 /* the layers: CMakeLists.txt */
#error "fetch.h belongs to the workloads layer: a models/ file may not include it"
#endif

#include "http_client.h"
#include "http_server.h"
#include "workload.h"

#include <sys/socket.h>

/* --latency-ms, --bytes and --expect-bytes each apply to one kind of server only: given for
 * the other, they are an error, not a silent no-op, so the table says whether each was given. */
struct fetch_cfg {
	const char *url;
	uint64_t requests;
	struct sim_maybe latency_ms, bytes, expect;
	uint64_t io_timeout_ms;
	uint64_t response_timeout_ms; /* a whole response, from the request sent to its last byte */
	uint64_t max_body;            /* --max-body-bytes */
};

struct fetch_req {
	char keep[2400], close[2400]; /* the GET, and the same asking for Connection: close */
	size_t keep_len, close_len;
};

struct fetch_state {
	struct sim_url url;
	char url_text[2400];
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char resolve_err[200];   /* set when the host did not resolve: every task fails with it */
	struct fetch_req req, cal;
	bool expect_known;
	uint64_t expect;         /* body bytes every response must carry, when known */
	double latency_s;        /* injected by our server; 0 assumed for --url */
	double c_s;              /* per-request cost with no latency, calibrated; NAN if it failed */
	double cal_s;            /* what the calibration took */
	uint64_t cal_requests;   /* GETs it sent */
	int response_ms;         /* --response-timeout-ms */
	uint64_t max_body;       /* --max-body-bytes */
	struct sim_http_server server; /* our own, when there is no --url */
};

/* The task body. */
void sim_fetch__task(const struct sim_run *run, uint32_t i, struct sim_result *out);

/* What both forms share (fetch_task.c). A GET's outcome: the parts of its one-line error. */
struct sim_fetch_outcome {
	int err;            /* 0 or -errno */
	const char *why;    /* what failed, a static string */
	bool say_errno;     /* follow why with strerror(err) */
	bool malformed;     /* why is the parser's complaint */
	bool deadline;      /* the response deadline, not one wait, ran out */
	struct sim_http_resp resp;
};
/* A write (writing) or read of the GET that returned n < 0, into o; deadline: the wait was
 * cut short by --response-timeout-ms. Returns n. */
int sim_fetch__io_error(struct sim_fetch_outcome *o, ssize_t n, bool writing, bool deadline);
/* n bytes of the response (n = 0: the peer closed) into o->resp: 1 complete, 0 more, or
 * -errno with o saying why. */
int sim_fetch__feed(struct sim_fetch_outcome *o, const char *buf, size_t n);
/* Fail the task: its connect returned e, or its GET came to o. */
void sim_fetch__connect_failed(const struct fetch_state *st, int e, int tmo, struct sim_result *out);
void sim_fetch__get_failed(const struct fetch_state *st, const struct sim_fetch_outcome *o, int tmo,
                           struct sim_result *out);
/* The task's next complete response, its GET sent at tr: checked and counted into *out;
 * false when it failed the task. */
bool sim_fetch__count(const struct fetch_state *st, const struct sim_http_resp *resp, double tr, bool trace,
                      struct sim_result *out);

/* The same body as steps (fetch_step.c), and what a task in flight keeps between them. */
struct sim_fetch_step {
	struct sim_fetch_outcome o; /* the GET in progress */
	double t, tr;               /* when the connect, and the GET, began */
	bool cut;                   /* the read in progress waits only what is left of the deadline */
};
void sim_fetch__step(const struct sim_run *run, uint32_t i, void *state, const struct sim_step_in *in,
                     struct sim_op *next, struct sim_result *out);

/* reqs GETs of rq over one connection (a new one whenever the server closes it), each
 * checked, into *out; trace says whether to record the phases. The first failure ends it. */
void sim_fetch__requests(const struct fetch_state *st, const struct fetch_req *rq, uint64_t reqs, int tmo,
                         bool trace, struct sim_result *out);

#endif
