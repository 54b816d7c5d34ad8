// SPDX-License-Identifier: MIT
/*
 * Hostile traffic for the network tests (tests/net/hostile_*.sh):
 *
 *   garbage_sender --to HOST:PORT [--random N] [--flips N --seeds FILE]
 *                  [--rate PPS] [--seed S]
 *       N random datagrams of random lengths (0..1500), a quarter of them
 *       under a valid message header at that type's exact length; then N
 *       copies of the datagrams in FILE with one to four bits flipped (or,
 *       one time in eight, a byte cut off or added). Paced at PPS datagrams
 *       a second (default 100000), reproducible for a given S.
 *   garbage_sender --to HOST:PORT --replay FILE
 *       sends each datagram of FILE once, in order.
 *   garbage_sender --capture IFNAME --port PORT --out FILE [--seconds S] [--max N]
 *       records the payloads of UDP datagrams arriving on IFNAME for PORT
 *       (IPv4 and IPv6) until S seconds (default 10) or N datagrams passed;
 *       creates FILE.ready once listening.
 *
 * FILE holds one datagram a line in hex. Sending uses an unbound UDP socket
 * (an ephemeral source port), so the target sees a stranger even when the
 * tool runs in a real peer's namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/messages.h"

enum { MAX_DGRAM = 1500, BATCH = 64, MAX_SEEDS = 4096 };

struct seeds {
	uint8_t *data[MAX_SEEDS];
	size_t len[MAX_SEEDS];
	size_t n;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: reproducible noise, not cryptography */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: garbage_sender --to HOST:PORT [--random N] [--flips N --seeds FILE] [--rate PPS] [--seed S]\n"
			"       garbage_sender --to HOST:PORT --replay FILE\n"
			"       garbage_sender --capture IFNAME --port PORT --out FILE [--seconds S] [--max N]\n");
	exit(2);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void load_seeds(struct seeds *s, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f) {
		perror(path);
		exit(1);
	}
	while ((n = getline(&line, &cap, f)) >= 0 && s->n < MAX_SEEDS) {
		size_t i, len = 0;
		uint8_t *buf;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0 || n % 2)
			continue;
		buf = malloc((size_t)n / 2);
		if (!buf)
			exit(1);
		for (i = 0; i + 1 < (size_t)n; i += 2) {
			int hi = hexval(line[i]), lo = hexval(line[i + 1]);
			if (hi < 0 || lo < 0) {
				fprintf(stderr, "%s: not hex: %.40s\n", path, line);
				exit(1);
			}
			buf[len++] = (uint8_t)(hi << 4 | lo);
		}
		s->data[s->n] = buf;
		s->len[s->n++] = len;
	}
	free(line);
	fclose(f);
}

static void parse_target(const char *text, struct sockaddr_storage *ss, socklen_t *sslen)
{
	char host[256];
	const char *colon = strrchr(text, ':');
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_DGRAM }, *ai;
	size_t hlen;

	if (!colon || colon == text)
		usage();
	hlen = (size_t)(colon - text);
	if (text[0] == '[' && hlen >= 2 && text[hlen - 1] == ']')
		text++, hlen -= 2;
	if (hlen >= sizeof(host))
		usage();
	memcpy(host, text, hlen);
	host[hlen] = 0;
	if (getaddrinfo(host, colon + 1, &hints, &ai)) {
		fprintf(stderr, "bad address: %s\n", text);
		exit(2);
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = ai->ai_addrlen;
	freeaddrinfo(ai);
}

struct sender {
	int fd;
	struct sockaddr_storage to;
	socklen_t tolen;
	double rate, start;
	uint8_t bufs[BATCH][MAX_DGRAM + 1];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	unsigned n;
	unsigned long sent, errors;
};

static void flush(struct sender *s)
{
	unsigned done = 0;

	while (done < s->n) {
		int r = sendmmsg(s->fd, s->msgs + done, s->n - done, 0);
		if (r < 0) {
			/* a full socket buffer or an ICMP error for an earlier datagram: skip one */
			s->errors++;
			done++;
			continue;
		}
		done += (unsigned)r;
		s->sent += (unsigned)r;
	}
	s->n = 0;
	/* pacing: never ahead of rate datagrams a second since start */
	if (s->rate > 0) {
		double due = s->start + (double)(s->sent + s->errors) / s->rate, t = now_s();
		if (due > t)
			usleep((useconds_t)((due - t) * 1e6));
	}
}

/* The next slot to fill; queue it with commit(). */
static uint8_t *slot(struct sender *s)
{
	return s->bufs[s->n];
}

static void commit(struct sender *s, size_t len)
{
	struct mmsghdr *m = &s->msgs[s->n];

	s->iov[s->n].iov_base = s->bufs[s->n];
	s->iov[s->n].iov_len = len;
	memset(m, 0, sizeof(*m));
	m->msg_hdr.msg_name = &s->to;
	m->msg_hdr.msg_namelen = s->tolen;
	m->msg_hdr.msg_iov = &s->iov[s->n];
	m->msg_hdr.msg_iovlen = 1;
	if (++s->n == BATCH)
		flush(s);
}

static void random_one(struct sender *s)
{
	static const size_t exact[] = { 0, WGC_MSG_INITIATION_LEN, WGC_MSG_RESPONSE_LEN, WGC_MSG_COOKIE_LEN };
	uint8_t *p = slot(s);
	size_t len = below(MAX_DGRAM + 1), i;

	for (i = 0; i < len; i += 8) {
		uint64_t r = rnd();
		memcpy(p + i, &r, len - i < 8 ? len - i : 8);
	}
	if (below(4) == 0) {
		uint32_t type = 1 + below(4);
		len = type == WGC_MSG_DATA ? WGC_MSG_DATA_MIN_LEN + below(MAX_DGRAM - WGC_MSG_DATA_MIN_LEN + 1) : exact[type];
		wgc_store_le32(p, type);
	}
	commit(s, len);
}

static void flip_one(struct sender *s, const struct seeds *seeds)
{
	size_t k = below((uint32_t)seeds->n), len = seeds->len[k], i, flips = 1 + below(4);
	uint8_t *p = slot(s);

	if (len > MAX_DGRAM)
		len = MAX_DGRAM;
	memcpy(p, seeds->data[k], len);
	if (below(8) == 0) {
		if (below(2) && len)
			len--;
		else if (len < MAX_DGRAM)
			p[len++] = (uint8_t)rnd();
	} else if (len) {
		for (i = 0; i < flips; i++) {
			uint32_t bit = below((uint32_t)len * 8);
			p[bit / 8] ^= (uint8_t)(1U << (bit % 8));
		}
	}
	commit(s, len);
}

static int do_send(const char *target, unsigned long n_random, unsigned long n_flips, const char *seed_file,
		   const char *replay_file, double rate)
{
	static struct sender s;
	struct seeds seeds = { .n = 0 };
	unsigned long i;
	double t;

	parse_target(target, &s.to, &s.tolen);
	s.fd = socket(s.to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s.fd < 0) {
		perror("socket");
		return 1;
	}
	s.rate = rate;
	s.start = now_s();
	if (replay_file) {
		load_seeds(&seeds, replay_file);
		for (i = 0; i < seeds.n; i++) {
			size_t len = seeds.len[i] < MAX_DGRAM ? seeds.len[i] : MAX_DGRAM;
			memcpy(slot(&s), seeds.data[i], len);
			commit(&s, len);
		}
	} else {
		for (i = 0; i < n_random; i++)
			random_one(&s);
		if (n_flips) {
			if (!seed_file)
				usage();
			load_seeds(&seeds, seed_file);
			if (!seeds.n) {
				fprintf(stderr, "%s: no datagrams\n", seed_file);
				return 1;
			}
			for (i = 0; i < n_flips; i++)
				flip_one(&s, &seeds);
		}
	}
	flush(&s);
	t = now_s() - s.start;
	printf("sent %lu datagrams (%lu not sent) in %.1f s\n", s.sent, s.errors, t);
	for (i = 0; i < seeds.n; i++)
		free(seeds.data[i]);
	close(s.fd);
	return 0;
}

/* The UDP payload of an IPv4/IPv6 packet for dst port, or NULL. */
static const uint8_t *udp_payload(const uint8_t *pkt, size_t len, uint16_t port, size_t *plen)
{
	size_t off;
	struct udphdr uh;

	if (len >= sizeof(struct iphdr) && pkt[0] >> 4 == 4) {
		off = (size_t)(pkt[0] & 15) * 4;
		if (pkt[9] != IPPROTO_UDP || off < 20 || (pkt[6] & 0x3f) || pkt[7]) /* no fragments */
			return NULL;
	} else if (len >= sizeof(struct ip6_hdr) && pkt[0] >> 4 == 6) {
		off = sizeof(struct ip6_hdr);
		if (pkt[6] != IPPROTO_UDP)
			return NULL;
	} else {
		return NULL;
	}
	if (len < off + sizeof(uh))
		return NULL;
	memcpy(&uh, pkt + off, sizeof(uh));
	if (ntohs(uh.uh_dport) != port || ntohs(uh.uh_ulen) < sizeof(uh) || off + ntohs(uh.uh_ulen) > len)
		return NULL;
	*plen = ntohs(uh.uh_ulen) - sizeof(uh);
	return pkt + off + sizeof(uh);
}

static int do_capture(const char *ifname, unsigned port, const char *out, double seconds, unsigned long max)
{
	static uint8_t buf[65536];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	char ready[4096];
	unsigned long got = 0;
	double end = now_s() + seconds;
	FILE *f;
	int fd;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		perror(ifname);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("AF_PACKET");
		return 1;
	}
	f = fopen(out, "w");
	if (!f) {
		perror(out);
		return 1;
	}
	snprintf(ready, sizeof(ready), "%s.ready", out);
	close(open(ready, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	while (got < max) {
		struct sockaddr_ll from;
		socklen_t flen = sizeof(from);
		struct timeval tv;
		double left = end - now_s();
		const uint8_t *payload;
		size_t plen, i;
		ssize_t n;

		if (left <= 0)
			break;
		tv.tv_sec = (time_t)left;
		tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			perror("recv");
			break;
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		payload = udp_payload(buf, (size_t)n, (uint16_t)port, &plen);
		if (!payload)
			continue;
		for (i = 0; i < plen; i++)
			fprintf(f, "%02x", payload[i]);
		fputc('\n', f);
		fflush(f);
		got++;
	}
	fclose(f);
	close(fd);
	printf("captured %lu datagrams\n", got);
	return 0;
}

int main(int argc, char **argv)
{
	const char *to = NULL, *seeds = NULL, *replay = NULL, *capture = NULL, *out = NULL;
	unsigned long n_random = 0, n_flips = 0, max = (unsigned long)-1;
	double rate = 100000, seconds = 10;
	unsigned port = 0;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(a, "--to"))
			to = v;
		else if (!strcmp(a, "--random"))
			n_random = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--flips"))
			n_flips = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--seeds"))
			seeds = v;
		else if (!strcmp(a, "--replay"))
			replay = v;
		else if (!strcmp(a, "--rate"))
			rate = strtod(v, NULL);
		else if (!strcmp(a, "--seed"))
			rng_state ^= strtoull(v, NULL, 0) * 0x9e3779b97f4a7c15ULL;
		else if (!strcmp(a, "--capture"))
			capture = v;
		else if (!strcmp(a, "--port"))
			port = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--out"))
			out = v;
		else if (!strcmp(a, "--seconds"))
			seconds = strtod(v, NULL);
		else if (!strcmp(a, "--max"))
			max = strtoul(v, NULL, 0);
		else
			usage();
		i++;
	}
	if (!rng_state)
		rng_state = 1;
	if (capture) {
		if (!port || !out)
			usage();
		return do_capture(capture, port, out, seconds, max);
	}
	if (!to)
		usage();
	return do_send(to, n_random, n_flips, seeds, replay, rate);
}
