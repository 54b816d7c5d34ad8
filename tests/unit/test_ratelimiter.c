// SPDX-License-Identifier: MIT
/* The per-source token bucket on a fake clock. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/crypto.h"
#include "core/ratelimiter.h"
#include "harness.h"

static struct sockaddr_in v4(uint32_t host)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(1234) };

	a.sin_addr.s_addr = htonl(0x0a000000U | host);
	return a;
}

static unsigned allowed_in(struct wgc_ratelimiter *rl, const struct sockaddr *src, uint64_t *now, unsigned tries,
			   uint64_t step_ms)
{
	unsigned ok = 0, i;

	for (i = 0; i < tries; i++, *now += step_ms)
		ok += wgc_ratelimiter_allow(rl, src, *now);
	return ok;
}

static void test_burst_then_rate(void)
{
	struct wgc_ratelimiter rl;
	struct sockaddr_in a = v4(1);
	uint64_t now = 5000;

	CHECK(wgc_ratelimiter_init(&rl) == 0);
	/* a burst of exactly WGC_RATELIMIT_BURST at one instant */
	CHECK(allowed_in(&rl, (struct sockaddr *)&a, &now, 20, 0) == WGC_RATELIMIT_BURST);
	/* then one per 1/20 s: 100 tries over 10 s at 10 ms spacing allow about 200 tokens' worth */
	now += 1; /* leave the instant of the burst */
	{
		unsigned got = allowed_in(&rl, (struct sockaddr *)&a, &now, 1000, 10);
		CHECK(got >= 10 * WGC_RATELIMIT_PER_SECOND - 1 && got <= 10 * WGC_RATELIMIT_PER_SECOND + 1);
	}
	wgc_ratelimiter_free(&rl);
}

static void test_sources_are_independent(void)
{
	struct wgc_ratelimiter rl;
	struct sockaddr_in a = v4(1), b = v4(2);
	struct sockaddr_in6 c = { .sin6_family = AF_INET6 }, d = { .sin6_family = AF_INET6 };
	uint64_t now = 1000;

	CHECK(wgc_ratelimiter_init(&rl) == 0);
	CHECK(allowed_in(&rl, (struct sockaddr *)&a, &now, 50, 0) == WGC_RATELIMIT_BURST);
	CHECK(allowed_in(&rl, (struct sockaddr *)&b, &now, 50, 0) == WGC_RATELIMIT_BURST);
	/* IPv6 sources in the same /64 share one bucket; another /64 has its own */
	inet_pton(AF_INET6, "fd00:1:2:3::1", &c.sin6_addr);
	inet_pton(AF_INET6, "fd00:1:2:3:ffff::9", &d.sin6_addr);
	CHECK(allowed_in(&rl, (struct sockaddr *)&c, &now, 3, 0) == 3);
	CHECK(allowed_in(&rl, (struct sockaddr *)&d, &now, 10, 0) == WGC_RATELIMIT_BURST - 3);
	inet_pton(AF_INET6, "fd00:1:2:4::1", &d.sin6_addr);
	CHECK(allowed_in(&rl, (struct sockaddr *)&d, &now, 10, 0) == WGC_RATELIMIT_BURST);
	wgc_ratelimiter_free(&rl);
}

static void test_idle_entries_forgotten_and_table_bounded(void)
{
	struct wgc_ratelimiter rl;
	uint64_t now = 1000;
	uint32_t i;
	unsigned refused = 0;

	CHECK(wgc_ratelimiter_init(&rl) == 0);
	for (i = 0; i < WGC_RATELIMIT_MAX_ENTRIES + 100; i++) {
		struct sockaddr_in a = v4(i);
		refused += !wgc_ratelimiter_allow(&rl, (struct sockaddr *)&a, now);
	}
	CHECK(rl.count == WGC_RATELIMIT_MAX_ENTRIES);
	CHECK(refused == 100);
	now += 1500;
	{
		struct sockaddr_in a = v4(0xffffff);
		CHECK(wgc_ratelimiter_allow(&rl, (struct sockaddr *)&a, now));
	}
	CHECK(rl.count == 1);
	wgc_ratelimiter_free(&rl);
}

static void test_unknown_family_refused(void)
{
	struct wgc_ratelimiter rl;
	struct sockaddr s = { .sa_family = AF_UNIX };

	CHECK(wgc_ratelimiter_init(&rl) == 0);
	CHECK(!wgc_ratelimiter_allow(&rl, &s, 1));
	wgc_ratelimiter_free(&rl);
}

int main(void)
{
	if (!wgc_crypto_init())
		return 1;
	RUN_TEST(test_burst_then_rate);
	RUN_TEST(test_sources_are_independent);
	RUN_TEST(test_idle_entries_forgotten_and_table_bounded);
	RUN_TEST(test_unknown_family_refused);
	return harness_exit_code();
}
