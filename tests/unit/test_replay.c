// SPDX-License-Identifier: MIT
/*
 * Replay window tests: fixed scenarios, the Linux module's own counter
 * table (rewritten as data), and a long random run against a naive model
 * that just remembers every counter it ever accepted.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/replay.h"
#include "harness.h"

#define W ((uint64_t)WGC_COUNTER_WINDOW_SIZE)
#define R WGC_REJECT_AFTER_MESSAGES
#define LIM (W + 1)

static struct wgc_replay win;

static bool check(uint64_t c)
{
	return wgc_replay_check(&win, c, R);
}

static void test_in_order(void)
{
	wgc_replay_init(&win);
	for (uint64_t c = 0; c < 100000; c++)
		CHECK(check(c));
	for (uint64_t c = 0; c < 100000; c++)
		CHECK(!check(c));
}

static void test_duplicates(void)
{
	wgc_replay_init(&win);
	CHECK(check(5));
	CHECK(!check(5));
	CHECK(check(0));
	CHECK(!check(0));
	CHECK(check(4));
	CHECK(!check(5));
	CHECK(!check(4));
}

/* Every counter of a full window, in shuffled order, is accepted exactly once. */
static void test_reorder_within_window(void)
{
	static uint64_t order[WGC_COUNTER_WINDOW_SIZE + 1];
	uint64_t base = 1000000, n = W + 1;
	uint32_t rnd = 12345;

	for (uint64_t i = 0; i < n; i++)
		order[i] = base + i;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j, tmp;

		rnd = rnd * 1103515245 + 12345;
		j = (rnd >> 8) % (i + 1);
		tmp = order[i], order[i] = order[j], order[j] = tmp;
	}
	wgc_replay_init(&win);
	CHECK(check(base + W)); /* top of the window first: everything else lags */
	for (uint64_t i = 0; i < n; i++)
		CHECK(check(order[i]) == (order[i] != base + W));
	for (uint64_t i = 0; i < n; i++)
		CHECK(!check(order[i]));
}

static void test_window_edge(void)
{
	uint64_t top = 50000;

	wgc_replay_init(&win);
	CHECK(check(top));
	CHECK(!check(top - W - 1)); /* one past the edge */
	CHECK(check(top - W));      /* exactly at the edge */
	CHECK(!check(top - W));
	CHECK(check(top - W + 1));
	CHECK(check(top + 1)); /* the edge moves with the top */
	CHECK(!check(top - W + 0));
	CHECK(check(top + 1 - W + 1));
	CHECK(!check(0));

	/* at the very start the window reaches down to zero */
	wgc_replay_init(&win);
	CHECK(check(W));
	CHECK(check(0));
	wgc_replay_init(&win);
	CHECK(check(W + 1));
	CHECK(!check(0));
	CHECK(check(1));
}

/*
 * After jumps of every awkward size, counters below the new top are accepted
 * if and only if they are inside the window and were never seen: stale bits
 * from before the jump must have been cleared, live ones kept.
 */
static void test_large_jumps(void)
{
	static const uint64_t jumps[] = {
		1, 2, 63, 64, 65, 127, 128, 129, W - 1, W, W + 1, W + 63, W + 64, W + 65,
		WGC_COUNTER_BITS_TOTAL - 1, WGC_COUNTER_BITS_TOTAL, WGC_COUNTER_BITS_TOTAL + 1,
		2 * WGC_COUNTER_BITS_TOTAL, 3 * WGC_COUNTER_BITS_TOTAL + 7, 1000003, 1ULL << 40,
	};

	for (size_t k = 0; k < sizeof(jumps) / sizeof(jumps[0]); k++) {
		for (uint64_t start = 0; start < 130; start += 43) {
			uint64_t top = start + W, newtop = top + jumps[k];
			int bad = 0;

			wgc_replay_init(&win);
			for (uint64_t c = start; c <= top; c++)
				bad += !check(c);
			bad += !check(newtop);
			for (uint64_t c = newtop - W; c < newtop; c++) {
				bool expect = c > top;
				bad += check(c) != expect;
			}
			bad += check(newtop - W - 1);
			for (uint64_t c = newtop - W; c <= newtop; c++)
				bad += check(c);
			if (bad)
				fprintf(stderr, "jump %" PRIu64 " from start %" PRIu64 ": %d wrong\n",
					jumps[k], start, bad);
			CHECK(bad == 0);
		}
	}
}

/* The scenarios of the Linux module's counter self-test, as a table. */
struct step {
	uint64_t counter;
	bool accept;
};

static const struct step kernel_table[] = {
	{ 0, true }, { 1, true }, { 1, false }, { 9, true }, { 8, true }, { 7, true },
	{ 7, false }, { LIM, true }, { LIM - 1, true }, { LIM - 1, false }, { LIM - 2, true },
	{ 2, true }, { 2, false }, { LIM + 16, true }, { 3, false }, { LIM + 16, false },
	{ LIM * 4, true }, { LIM * 4 - (LIM - 1), true }, { 10, false },
	{ LIM * 4 - LIM, false }, { LIM * 4 - (LIM + 1), false },
	{ LIM * 4 - (LIM - 2), true }, { LIM * 4 + 1 - LIM, false }, { 0, false },
	{ R, false }, { R - 1, true }, { R, false }, { R - 1, false }, { R - 2, true },
	{ R + 1, false }, { R + 2, false }, { R - 2, false }, { R - 3, true }, { 0, false },
};

static void test_kernel_table(void)
{
	wgc_replay_init(&win);
	for (size_t i = 0; i < sizeof(kernel_table) / sizeof(kernel_table[0]); i++) {
		bool got = check(kernel_table[i].counter);

		if (got != kernel_table[i].accept)
			fprintf(stderr, "kernel table step %zu: got %d\n", i + 1, got);
		CHECK(got == kernel_table[i].accept);
	}
}

/* The loops that follow the table in the kernel self-test. */
static void test_kernel_loops(void)
{
	uint64_t i;
	int bad = 0;

	wgc_replay_init(&win);
	for (i = 1; i <= W; i++)
		bad += !check(i);
	bad += !check(0);
	bad += check(0);

	wgc_replay_init(&win);
	for (i = 2; i <= W + 1; i++)
		bad += !check(i);
	bad += !check(1);
	bad += check(0);

	wgc_replay_init(&win);
	for (i = W + 1; i-- > 0;)
		bad += !check(i);

	wgc_replay_init(&win);
	for (i = W + 2; i-- > 1;)
		bad += !check(i);
	bad += check(0);

	wgc_replay_init(&win);
	for (i = W + 1; i-- > 1;)
		bad += !check(i);
	bad += !check(W + 1);
	bad += check(0);

	wgc_replay_init(&win);
	for (i = W + 1; i-- > 1;)
		bad += !check(i);
	bad += !check(0);
	bad += !check(W + 1);
	CHECK(bad == 0);
}

static void test_reject_after(void)
{
	wgc_replay_init(&win);
	CHECK(!check(R));
	CHECK(!check(R + 1));
	CHECK(!check(UINT64_MAX));
	CHECK(check(R - 1));
	CHECK(!check(R - 1));
	CHECK(check(R - 1 - W));
	CHECK(!check(R - 2 - W));

	/* a caller's limit above the protocol's is clamped to it */
	wgc_replay_init(&win);
	CHECK(!wgc_replay_check(&win, R, UINT64_MAX));
	CHECK(!wgc_replay_check(&win, UINT64_MAX, UINT64_MAX));
	CHECK(wgc_replay_check(&win, R - 1, UINT64_MAX));

	/* a smaller limit is honoured exactly */
	wgc_replay_init(&win);
	CHECK(!wgc_replay_check(&win, 1000, 1000));
	CHECK(wgc_replay_check(&win, 999, 1000));
	CHECK(!wgc_replay_check(&win, 999, 1000));
	CHECK(!wgc_replay_check(&win, 0, 0));
}

/* ---- differential test ---- */

struct model {
	uint64_t *seen; /* open addressing of counter + 1; 0 is empty */
	size_t cap;
	bool any;
	uint64_t max;
};

static bool model_has(const struct model *m, uint64_t c)
{
	for (size_t i = (size_t)((c + 1) * 0x9e3779b97f4a7c15ULL >> 40) & (m->cap - 1);;
	     i = (i + 1) & (m->cap - 1)) {
		if (m->seen[i] == c + 1)
			return true;
		if (!m->seen[i])
			return false;
	}
}

static void model_add(struct model *m, uint64_t c)
{
	size_t i = (size_t)((c + 1) * 0x9e3779b97f4a7c15ULL >> 40) & (m->cap - 1);

	while (m->seen[i])
		i = (i + 1) & (m->cap - 1);
	m->seen[i] = c + 1;
}

static bool model_check(struct model *m, uint64_t c, uint64_t limit)
{
	if (limit > R)
		limit = R;
	if (c >= limit || model_has(m, c) || (m->any && c + W < m->max))
		return false;
	model_add(m, c);
	if (!m->any || c > m->max)
		m->max = c;
	m->any = true;
	return true;
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* splitmix64: tiny, and every seed gives a good stream */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t pick(const struct model *m, uint64_t limit)
{
	uint64_t max = m->max, r = rng() % 100, d;

	if (r < 45) { /* around the top, both sides */
		d = rng() % (W + 400);
		return max + 200 >= d ? max + 200 - d : rng() % 64;
	}
	if (r < 60) { /* the lower edge and its neighbours */
		d = W + 2 - rng() % 5;
		return max >= d ? max - d : rng() % 3;
	}
	if (r < 70) /* a jump forward of up to three rings */
		return max + rng() % (3 * WGC_COUNTER_BITS_TOTAL);
	if (r < 72) /* near the limit */
		return limit - 1 - rng() % 3 + rng() % 3;
	if (r < 73)
		return rng();
	return max - rng() % 64 * (max >= 64); /* likely a duplicate */
}

static void test_differential(void)
{
	const char *quick = getenv("WGC_TEST_QUICK");
	const char *seed_env = getenv("WGC_TEST_SEED");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 0x5eed6479;
	long ops = quick ? 100000 : 1500000, epoch_len = 30000;
	struct model m = { .cap = 1 << 17 };
	uint64_t limit = R;
	long accepted = 0;

	m.seen = calloc(m.cap, sizeof(*m.seen));
	CHECK(m.seen != NULL);
	if (!m.seen)
		return;
	rng_state = seed;
	for (long op = 0; op < ops; op++) {
		uint64_t c;
		bool got, want;

		if (op % epoch_len == 0) {
			/* new window; sometimes start high, sometimes with a tight limit */
			uint64_t start = rng() % 4 == 0 ? R - rng() % 100000 : rng() % 100000;

			wgc_replay_init(&win);
			memset(m.seen, 0, m.cap * sizeof(*m.seen));
			m.any = false;
			m.max = start;
			limit = rng() % 3 == 0 ? start + 1 + rng() % 50000 : R;
			if (rng() % 4 == 0)
				limit = UINT64_MAX;
		}
		c = pick(&m, limit > R ? R : limit);
		got = wgc_replay_check(&win, c, limit);
		want = model_check(&m, c, limit);
		accepted += want;
		if (got != want) {
			fprintf(stderr,
				"replay differential: seed 0x%" PRIx64 " op %ld counter %" PRIu64
				" limit %" PRIu64 ": got %d want %d\n",
				seed, op, c, limit, got, want);
			CHECK(got == want);
			break;
		}
	}
	printf("# replay differential: %ld ops, %ld accepted, seed 0x%" PRIx64 "\n", ops, accepted,
	       seed);
	free(m.seen);
}

int main(void)
{
	RUN_TEST(test_in_order);
	RUN_TEST(test_duplicates);
	RUN_TEST(test_reorder_within_window);
	RUN_TEST(test_window_edge);
	RUN_TEST(test_large_jumps);
	RUN_TEST(test_kernel_table);
	RUN_TEST(test_kernel_loops);
	RUN_TEST(test_reject_after);
	RUN_TEST(test_differential);
	return harness_exit_code();
}
