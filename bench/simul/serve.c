/* SPDX-License-Identifier: MIT */
/* serve.c: `simul serve`: the fetch workload's HTTP server (workloads/http_server.h) as a command of its own. */
#include "cli.h"
#include "commands.h"
#include "http_server.h"
#include "machine.h"
#include "opts.h"

#include <errno.h>
#include <stdio.h>

#define STR_(x) #x
#define STR(x) STR_(x)
#define USAGE "usage: simul serve [--port P] [--latency-ms L] [--bytes B] [--idle-ms I] [--header-timeout-ms H]"

struct serve_opts {
	uint64_t port, latency_ms, bytes, idle_ms, header_ms;
	bool help;
};

static void help_bytes(char *buf, size_t n, const void *ctx)
{
	(void)ctx;
	snprintf(buf, n, "(default 1024, at most %u)", SIM_HTTP_MAX_BODY);
}

#define F(field) offsetof(struct serve_opts, field)
static const struct sim_option serve_options[] = {
	{ .name = "port", .kind = SIM_OPT_U64, .offset = F(port), .def = "8080", .min = 0, .max = 65535, .arg = "P",
	  .help = "TCP port; 0 picks a free one" },
	{ .name = "latency-ms", .kind = SIM_OPT_U64, .offset = F(latency_ms), .def = "0", .min = 0,
	  .max = SIM_HTTP_MAX_LATENCY_MS, .arg = "L", .help = "delay before every response" },
	{ .name = "bytes", .kind = SIM_OPT_U64, .offset = F(bytes), .def = "1024", .min = 0, .max = SIM_HTTP_MAX_BODY,
	  .arg = "B", .help = "response body size", .help_more = help_bytes },
	{ .name = "idle-ms", .kind = SIM_OPT_U64, .offset = F(idle_ms), .def = STR(SIM_HTTP_IDLE_MS_DEFAULT), .min = 1,
	  .max = 86400000, .arg = "I", .help = "close connections idle this long" },
	{ .name = "header-timeout-ms", .kind = SIM_OPT_U64, .offset = F(header_ms),
	  .def = STR(SIM_HTTP_HEADER_MS_DEFAULT), .min = 1, .max = 86400000, .arg = "H",
	  .help = "a request not whole this long after its first byte gets 408" },
	{ .name = "help", .kind = SIM_OPT_FLAG, .offset = F(help), .help = "this text" },
	{ 0 },
};
#undef F

static void serve_usage(void)
{
	printf(USAGE "\n\n"
	       "An HTTP/1.1 server on 127.0.0.1, one libuv loop, for the fetch workload and for wrk.\n"
	       "Every GET is answered 200 with B bytes after L ms (a timer, never a blocked loop);\n"
	       "a request's ?latency-ms=N overrides L for that request (a whole number from 0 to %u,\n"
	       "else 400 naming the problem). Keep-alive, pipelining and Connection: close are\n"
	       "honoured. Back-pressure: with %d answers of a connection waiting (on L, or on the\n"
	       "client to read them) it reads no more of that connection until one leaves; nothing is\n"
	       "dropped (a client that sends without ever reading stalls, and goes after I ms).\n"
	       "Garbage is answered 400, a header section (request line, headers, CRLFs) over\n"
	       "%d bytes 431, and a request left half-sent for I ms, or not whole H ms after its first\n"
	       "byte, 408; each such connection is then closed (after reading what the client still\n"
	       "sends, %d s at most, so the answer is not lost to a reset). A client that closes while\n"
	       "its answer waits out the latency is gone: its connection is closed at once.\n\n",
	       SIM_HTTP_MAX_LATENCY_MS, SIM_HTTP_MAX_QUEUED, SIM_HTTP_MAX_HEADER_BYTES, SIM_HTTP_LINGER_MS / 1000);
	sim_opts_help(stdout, serve_options, NULL);
	printf("\nIts first line on stdout is the address it serves, http://127.0.0.1:PORT/, printed once\n"
	       "it accepts. SIGINT or SIGTERM stop it (exit 0). Exit 2 for a wrong command line, 1 if\n"
	       "it cannot listen.\n");
}

static void print_address(uint16_t port, void *arg)
{
	(void)arg;
	printf("http://127.0.0.1:%u/\n", port);
	fflush(stdout);
}

/* What to do about a server that could not start. */
static const char *advice(int e, char *buf, size_t n)
{
	switch (e) {
	case -EADDRINUSE:
	case -EACCES: return "choose another --port, or 0 for a free one";
	case -ENOMEM: return "use a smaller --bytes";
	case -EMFILE: sim_nofile_fix(0, buf, n); return buf;
	default: return "check the port";
	}
}

int sim_cmd_serve(int argc, char **argv)
{
	struct serve_opts o = { 0 };
	const struct sim_optgroup g = { serve_options, &o };
	bool seen[SIM_OPTS_MAX];
	char err[256];
	if (sim_options_defaults(serve_options, &o, err, sizeof err) < 0 ||
	    sim_opts_parse(&g, 1, argc, argv, 1, seen, err, sizeof err) < 0) {
		fprintf(stderr, "simul serve: ");
		sim_put_escaped(stderr, err);
		fprintf(stderr, "\n" USAGE "; 'simul serve --help' says more\n");
		return SIM_EXIT_USAGE;
	}
	if (o.help) {
		serve_usage();
		return 0;
	}
	const struct sim_http_config cfg = {
		.port = (uint16_t)o.port, .latency_ms = o.latency_ms, .bytes = o.bytes, .idle_ms = o.idle_ms,
		.header_ms = o.header_ms,
	};
	int e = sim_http_serve(&cfg, print_address, NULL, err, sizeof err);
	if (e < 0) {
		char fix[160];
		fprintf(stderr, "simul serve: %s: %s\n", err, advice(e, fix, sizeof fix));
		return 1;
	}
	return 0;
}
