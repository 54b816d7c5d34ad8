// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/doctor_probe.h"
#include "cli/quick_exec.h"

static const char *family_flag(const char *host)
{
	return strchr(host, ':') ? "-6" : "-4";
}

int cli_doc_ping_ttl(const char *host)
{
	struct wgc_strbuf out = { 0 };
	const char *t;
	int ttl = -1;

	/* Exit status 1 (no reply) still leaves the output to look at. */
	wgc_quick_query(&out, "ping", family_flag(host), "-n", "-c", "2", "-i", "0.2", "-W", "2", host, (char *)NULL);
	if (out.data && ((t = strstr(out.data, "ttl=")) || (t = strstr(out.data, "hlim="))))
		ttl = atoi(strchr(t, '=') + 1);
	wgc_strbuf_free(&out);
	return ttl;
}

bool cli_doc_ping_df(const char *host, int size, int count)
{
	struct wgc_strbuf out = { 0 };
	char s[16], c[16];
	bool ok;

	snprintf(s, sizeof(s), "%d", size);
	snprintf(c, sizeof(c), "%d", count);
	ok = wgc_quick_query(&out, "ping", family_flag(host), "-n", "-M", "do", "-s", s, "-c", c, "-i", "0.2", "-W", "2",
			     host, (char *)NULL);
	wgc_strbuf_free(&out);
	return ok;
}

enum wgc_doc_tri cli_doc_port_unreachable(const union wgc_endpoint *ep, uint32_t fwmark)
{
	int fd = socket(ep->addr.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;
	socklen_t len = ep->addr.sa_family == AF_INET6 ? sizeof(ep->addr6) : sizeof(ep->addr4);
	enum wgc_doc_tri t = WGC_DOC_UNKNOWN;
	struct pollfd pfd;
	char b = 0;

	if (fd < 0)
		return t;
	/* A connected UDP socket reports ICMP errors as the next call's errno. */
	setsockopt(fd, ep->addr.sa_family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
		   ep->addr.sa_family == AF_INET6 ? IPV6_RECVERR : IP_RECVERR, &one, sizeof(one));
	if (fwmark)
		setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark));
	if (connect(fd, &ep->addr, len) || send(fd, &b, 1, 0) != 1)
		goto done;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	t = WGC_DOC_NO;
	if (poll(&pfd, 1, 1000) > 0 && recv(fd, &b, 1, MSG_DONTWAIT) < 0 && errno == ECONNREFUSED)
		t = WGC_DOC_YES;
done:
	close(fd);
	return t;
}
