/* SPDX-License-Identifier: MIT */
/*
 * A tiny test harness: each test is a function; CHECK records a failure with
 * its location and carries on, so one run reports every broken expectation.
 * Output is "ok - name" / "not ok - name" per test, which tests/run.sh counts.
 */
#ifndef WGC_TEST_HARNESS_H
#define WGC_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_failures;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			harness_failures++;                                                \
		}                                                                          \
	} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

#define RUN_TEST(fn) harness_run(#fn, fn)

static inline void harness_run(const char *name, void (*fn)(void))
{
	int before = harness_failures;

	fn();
	printf("%s - %s\n", harness_failures == before ? "ok" : "not ok", name);
	fflush(stdout);
}

static inline int harness_exit_code(void)
{
	return harness_failures ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Hex string to bytes for vectors; aborts on malformed vector text. */
static inline size_t harness_unhex(unsigned char *out, size_t cap, const char *hex)
{
	size_t n = 0;

	while (hex[0] && hex[1]) {
		unsigned v;
		if (n >= cap || sscanf(hex, "%2x", &v) != 1)
			abort();
		out[n++] = (unsigned char)v;
		hex += 2;
	}
	if (*hex)
		abort();
	return n;
}

#endif
