/* SPDX-License-Identifier: MIT */
/* fuzz_http_response.c: libFuzzer target: fetch's response parser (http_client.c) fed any bytes, in any pieces. */
#include "http_client.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "fuzz_http_response: %s fails\n", #cond);     \
			abort();                                                     \
		}                                                                    \
	} while (0)

static bool known(int e) { return e == 0 || e == 1 || e == -EPROTO || e == -ECONNRESET || e == -EFBIG; }

/* Input: a byte for the body cap (below 128: that times 97 bytes; else none), a byte for the
 * size of the pieces the rest arrives in (0: one piece), then the server's bytes; after
 * them, the server closes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint64_t cap = data[0] < 128 ? (uint64_t)data[0] * 97 : 0;
	size_t step = data[1] ? data[1] : size;
	const char *bytes = (const char *)data + 2;
	size -= 2;
	struct sim_http_resp r;
	sim_http_resp_init(&r, cap);
	const char *why = NULL;
	int e = 0;
	for (size_t off = 0; off < size && e == 0; off += step) {
		size_t n = size - off < step ? size - off : step, used = 99999;
		e = sim_http_resp_feed(&r, bytes + off, n, &used, &why);
		CHECK(known(e));
		CHECK(used <= n);
		CHECK(e != 0 || used == n);
	}
	if (e == 0) {
		size_t used;
		e = sim_http_resp_feed(&r, NULL, 0, &used, &why);
		CHECK(e != 0 && known(e));
	}
	CHECK(e != 1 || r.complete);
	CHECK(e == 1 || !r.complete);
	CHECK(e > 0 || (why && why[0] && !strchr(why, '\n')));
	CHECK(!cap || r.body <= cap || e == -EFBIG);
	CHECK(e != -EFBIG || (cap && r.too_big));
	return 0;
}
