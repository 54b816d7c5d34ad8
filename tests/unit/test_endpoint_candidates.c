/* SPDX-License-Identifier: MIT */
/*
 * Endpoint candidate policy (issue 14) against a fake clock: initiations go
 * to every resolved candidate once, a probe narrows them to the preferred
 * ones and is scheduled only while a worse candidate is current, with its
 * jitter bounds; replies are attributed; hostnames are due for resolution
 * only after the no-handshake interval; a stale resolver answer is ignored.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "core/endpoint_candidates.h"
#include "harness.h"

enum { S = 1000 };

static union wgc_sockaddr v4(const char *ip, uint16_t port)
{
	union wgc_sockaddr a;

	memset(&a, 0, sizeof(a));
	a.in4.sin_family = AF_INET;
	a.in4.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a.in4.sin_addr);
	return a;
}

/* LAN (preferred), a hostname not yet resolved, the public address (last, works everywhere). */
static void three(struct wgc_candidates *c, union wgc_sockaddr *lan, union wgc_sockaddr *pub)
{
	const char *texts[] = { "192.168.1.2:51820", "hub.example:51820", "203.0.113.1:51820" };
	const union wgc_sockaddr *addrs[] = { lan, NULL, pub };

	memset(c, 0, sizeof(*c));
	CHECK(wgc_candidates_set(c, texts, addrs, 3, 1000));
}

static void test_names(void)
{
	CHECK(!wgc_candidate_text_is_name("192.0.2.1:51820"));
	CHECK(!wgc_candidate_text_is_name("[2001:db8::1]:51820"));
	CHECK(!wgc_candidate_text_is_name("[fe80::1%eth0]:51820"));
	CHECK(wgc_candidate_text_is_name("hub.example.org:51820"));
	CHECK(wgc_candidate_text_is_name("[hub]:51820"));
}

static void test_targets_all_resolved_once(void)
{
	union wgc_sockaddr lan = v4("192.168.1.2", 51820), pub = v4("203.0.113.1", 51820), roamed = v4("198.51.100.7", 4);
	struct wgc_candidates c;
	unsigned out[WGC_MAX_CANDIDATES];
	bool also;

	three(&c, &lan, &pub);
	CHECK(wgc_candidates_initiation_targets(&c, NULL, out, &also) == 2);
	CHECK(out[0] == 0 && out[1] == 2 && !also);
	CHECK(c.items[0].initiations_sent == 1 && c.items[1].initiations_sent == 0 && c.items[2].initiations_sent == 1);
	/* a roamed endpoint off the list gets the initiation too */
	CHECK(wgc_candidates_initiation_targets(&c, &roamed.sa, out, &also) == 2 && also);
	/* the same address twice is sent to once */
	{
		const char *texts[] = { "192.168.1.2:51820", "[::ffff:1.2.3.4]:1", "192.168.1.2:51820" };
		const union wgc_sockaddr *addrs[] = { &lan, NULL, &lan };

		CHECK(wgc_candidates_set(&c, texts, addrs, 3, 0));
		CHECK(wgc_candidates_initiation_targets(&c, &lan.sa, out, &also) == 1 && out[0] == 0 && !also);
	}
}

static void test_probe_schedule(void)
{
	union wgc_sockaddr lan = v4("192.168.1.2", 51820), pub = v4("203.0.113.1", 51820);
	struct wgc_candidates c;
	unsigned out[WGC_MAX_CANDIDATES];
	uint64_t t = 5000, retry = 30 * S;
	bool also;

	three(&c, &lan, &pub);
	/* on the preferred candidate: never a probe */
	for (uint64_t now = t; now < t + 200 * S; now += S)
		CHECK(!wgc_candidates_probe_due(&c, &lan.sa, now, retry, 12345));
	CHECK(c.next_probe_ms == 0);
	/* on the public one: the first call schedules within 30 s +-12.5% */
	CHECK(!wgc_candidates_probe_due(&c, &pub.sa, t, retry, 0));
	CHECK(c.next_probe_ms == t + retry - retry / 8);
	CHECK(!wgc_candidates_probe_due(&c, &pub.sa, c.next_probe_ms - 1, retry, 0));
	CHECK(wgc_candidates_probe_due(&c, &pub.sa, t + retry - retry / 8, retry, UINT32_MAX));
	CHECK(c.next_probe_ms >= t + 2 * (retry - retry / 8) && c.next_probe_ms <= t + retry - retry / 8 + retry + retry / 8);
	/* the probe goes to the preferred candidate only, once */
	CHECK(wgc_candidates_initiation_targets(&c, &pub.sa, out, &also) == 1 && out[0] == 0 && !also);
	CHECK(wgc_candidates_initiation_targets(&c, &pub.sa, out, &also) == 2);
	/* the LAN answers: current moves there and probing stops */
	CHECK(wgc_candidates_reply(&c, &lan.sa, 777) == 0 && c.items[0].last_reply == 777);
	CHECK(!wgc_candidates_probe_due(&c, &lan.sa, t + 1000 * S, retry, 0) && c.next_probe_ms == 0);
	{
		union wgc_sockaddr other = v4("10.0.0.1", 1);

		CHECK(wgc_candidates_reply(&c, &other.sa, 778) == -1);
	}
}

static void test_all_dead_counts(void)
{
	union wgc_sockaddr lan = v4("192.168.1.2", 51820), pub = v4("203.0.113.1", 51820);
	struct wgc_candidates c;
	unsigned out[WGC_MAX_CANDIDATES];
	bool also;

	three(&c, &lan, &pub);
	for (int i = 0; i < 18; i++)
		wgc_candidates_initiation_targets(&c, &pub.sa, out, &also);
	CHECK(c.items[0].initiations_sent == 18 && c.items[2].initiations_sent == 18 && c.items[1].initiations_sent == 0);
}

static void test_resolve_due(void)
{
	union wgc_sockaddr lan = v4("192.168.1.2", 51820), pub = v4("203.0.113.1", 51820), hub = v4("198.51.100.9", 51820);
	union wgc_sockaddr old;
	struct wgc_candidates c;
	uint64_t after = 135 * S;
	unsigned gen;

	three(&c, &lan, &pub);
	/* configured at 1000 ms: not due before 136 s, even with no handshake ever */
	CHECK(!wgc_candidates_resolve_due(&c, 1000 + after - 1, UINT64_MAX, after));
	CHECK(wgc_candidates_resolve_due(&c, 1000 + after, UINT64_MAX, after));
	CHECK(!wgc_candidates_resolve_due(&c, 1000 + after + 1, UINT64_MAX, after));
	/* a recent handshake: not due */
	CHECK(!wgc_candidates_resolve_due(&c, 1000 + 3 * after, after - 1, after));
	CHECK(wgc_candidates_resolve_due(&c, 1000 + 3 * after, after, after));
	/* the answer for the hostname applies once; a stale generation is ignored */
	gen = c.generation;
	CHECK(wgc_candidates_resolved(&c, 1, gen, &hub, &old) && old.sa.sa_family == 0);
	CHECK(!wgc_candidates_resolved(&c, 1, gen, &hub, &old));
	CHECK(!wgc_candidates_resolved(&c, 1, gen + 1, &lan, &old));
	CHECK(!wgc_candidates_resolved(&c, 7, gen, &lan, &old));
	/* a list of numeric addresses is never due */
	{
		const char *texts[] = { "192.168.1.2:51820", "203.0.113.1:51820" };

		CHECK(wgc_candidates_set(&c, texts, NULL, 2, 0));
		CHECK(!wgc_candidates_resolve_due(&c, 1000 * after, UINT64_MAX, after));
	}
}

static void test_set_keeps_counters(void)
{
	union wgc_sockaddr lan = v4("192.168.1.2", 51820), pub = v4("203.0.113.1", 51820);
	const char *again[] = { "203.0.113.1:51820", "hub.example:51820", "10.0.0.1:1" };
	const union wgc_sockaddr *addrs[] = { NULL, NULL, NULL };
	struct wgc_candidates c;
	unsigned out[WGC_MAX_CANDIDATES];
	bool also;

	three(&c, &lan, &pub);
	wgc_candidates_initiation_targets(&c, NULL, out, &also);
	wgc_candidates_reply(&c, &pub.sa, 55);
	CHECK(wgc_candidates_set(&c, again, addrs, 3, 0));
	/* the public candidate moved to first place with its counters and address */
	CHECK(c.items[0].initiations_sent == 1 && c.items[0].last_reply == 55 && c.items[0].addr.sa.sa_family == AF_INET);
	CHECK(c.items[2].initiations_sent == 0 && c.items[2].addr.sa.sa_family == 0);
}

static void test_set_limits(void)
{
	const char *texts[WGC_MAX_CANDIDATES + 1];
	char longtext[WGC_CANDIDATE_TEXT_LEN + 1];
	struct wgc_candidates c;

	memset(&c, 0, sizeof(c));
	for (unsigned i = 0; i <= WGC_MAX_CANDIDATES; i++)
		texts[i] = "192.0.2.1:1";
	CHECK(!wgc_candidates_set(&c, texts, NULL, WGC_MAX_CANDIDATES + 1, 0));
	memset(longtext, 'a', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	texts[0] = longtext;
	CHECK(!wgc_candidates_set(&c, texts, NULL, 1, 0));
	CHECK(c.n == 0);
}

int main(void)
{
	RUN_TEST(test_names);
	RUN_TEST(test_targets_all_resolved_once);
	RUN_TEST(test_probe_schedule);
	RUN_TEST(test_all_dead_counts);
	RUN_TEST(test_resolve_due);
	RUN_TEST(test_set_keeps_counters);
	RUN_TEST(test_set_limits);
	return harness_exit_code();
}
