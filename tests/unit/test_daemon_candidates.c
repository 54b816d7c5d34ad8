/* SPDX-License-Identifier: MIT */
/*
 * wgcd's endpoint candidates through its UAPI handler, in process (no TUN,
 * no sockets, no threads): a set with candidates is held and reported with
 * per-candidate lines only to a client that asks for the extension; a plain
 * get shows one endpoint; a plain endpoint= clears the list; hostile lists
 * are refused with nothing changed; the intervals default to 30 and 135 s.
 */
#include <stdio.h>
#include <string.h>

#include "common/strbuf.h"
#include "daemon/wgcd.h"
#include "harness.h"

#define PEER "0101010101010101010101010101010101010101010101010101010101010101"

static int request(struct wgcd *d, const char *req, struct wgc_strbuf *reply)
{
	reply->len = 0;
	if (reply->data)
		reply->data[0] = '\0';
	return wgcd_uapi_handle(d, req, strlen(req), reply);
}

static void test_candidates_over_uapi(void)
{
	struct wgcd d;
	struct wgc_strbuf r = { 0 };

	CHECK(wgcd_init(&d, "wgcunit0") == 0);
	CHECK(request(&d, "get=1\nwgc_extensions=1\n\n", &r) == 0);
	CHECK(r.data && strstr(r.data, "wgc_candidate_retry=30\n") && strstr(r.data, "wgc_reresolve_after=135\n"));
	CHECK(request(&d, "set=1\nwgc_candidate_retry=5\npublic_key=" PEER "\nendpoint=203.0.113.1:51820\n"
			  "wgc_replace_endpoint_candidates=true\nwgc_endpoint_candidate=192.168.1.2:51820\n"
			  "wgc_endpoint_candidate=hub.example.org:51820\nwgc_candidate_address=203.0.113.1:51820\n\n",
		      &r) == 0);
	CHECK(request(&d, "get=1\nwgc_extensions=1\n\n", &r) == 0);
	CHECK(strstr(r.data, "wgc_candidate_retry=5\n") != NULL);
	CHECK(strstr(r.data, "wgc_endpoint_candidate=192.168.1.2:51820\nwgc_candidate_address=192.168.1.2:51820\n"
			     "wgc_candidate_counter=initiations_sent=0\n") != NULL);
	CHECK(strstr(r.data, "wgc_endpoint_candidate=hub.example.org:51820\nwgc_candidate_address=203.0.113.1:51820\n"
			     "wgc_candidate_current=true\n") != NULL);
	/* a plain get: one endpoint, nothing of wgcd's own */
	CHECK(request(&d, "get=1\n\n", &r) == 0);
	CHECK(strstr(r.data, "endpoint=203.0.113.1:51820\n") && !strstr(r.data, "wgc_"));
	/* hostile: 17 candidates, a line without a port; nothing changes */
	{
		struct wgc_strbuf big = { 0 };

		wgc_strbuf_printf(&big, "set=1\npublic_key=" PEER "\nwgc_replace_endpoint_candidates=true\n");
		for (int i = 0; i < 17; i++)
			wgc_strbuf_printf(&big, "wgc_endpoint_candidate=10.0.0.%d:1\n", i + 1);
		wgc_strbuf_printf(&big, "\n");
		CHECK(request(&d, big.data, &r) < 0);
		wgc_strbuf_free(&big);
	}
	CHECK(request(&d, "set=1\npublic_key=" PEER "\nwgc_replace_endpoint_candidates=true\n"
			  "wgc_endpoint_candidate=noport\n\n", &r) < 0);
	CHECK(request(&d, "get=1\nwgc_extensions=1\n\n", &r) == 0);
	CHECK(strstr(r.data, "wgc_endpoint_candidate=192.168.1.2:51820\n") != NULL);
	/* a plain endpoint= (stock wg set) clears the list */
	CHECK(request(&d, "set=1\npublic_key=" PEER "\nendpoint=198.51.100.1:7\n\n", &r) == 0);
	CHECK(request(&d, "get=1\nwgc_extensions=1\n\n", &r) == 0);
	CHECK(!strstr(r.data, "wgc_endpoint_candidate=") && strstr(r.data, "endpoint=198.51.100.1:7\n"));
	/* a peer removed with its list */
	CHECK(request(&d, "set=1\npublic_key=" PEER "\nwgc_replace_endpoint_candidates=true\n"
			  "wgc_endpoint_candidate=10.0.0.1:1\nwgc_endpoint_candidate=10.0.0.2:2\n\n", &r) == 0);
	CHECK(request(&d, "set=1\npublic_key=" PEER "\nremove=true\n\n", &r) == 0);
	CHECK(request(&d, "get=1\nwgc_extensions=1\n\n", &r) == 0);
	CHECK(!strstr(r.data, "public_key="));
	wgc_strbuf_free(&r);
	wgcd_destroy(&d);
}

int main(void)
{
	RUN_TEST(test_candidates_over_uapi);
	return harness_exit_code();
}
