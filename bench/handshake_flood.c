// SPDX-License-Identifier: MIT
/*
 * Handshake load generator: plays N WireGuard initiators against one
 * responder and counts what comes back.
 *
 *   handshake_flood genkeys N        N lines "PRIVATE PUBLIC" (base64)
 *   handshake_flood --target IP:PORT --pub RESPONDER_PUB --keys FILE [options]
 *
 * The initiations are genuine (src/core/noise.c builds them), so the
 * responder does its full share of the work: one DH to open the static
 * key, then an ephemeral and two DHs for the response. Building an
 * initiation costs us two X25519 operations too, and on a small machine the
 * generator would then compete with the responder for the same cores; so a
 * pool of initiations is built before the clock starts (--pool) and only
 * the MACs, which depend on the cookie state, are added at send time.
 *
 * Peers rotate, so that the responder's per-peer limit (50 initiations a
 * second, WGC_INITIATIONS_PER_SECOND) does not cap the rate: give it
 * well over rate/50 peers. At most --window initiations are outstanding; an
 * initiation is answered by a response (type 2, 92 bytes, receiver index
 * ours, mac1 keyed by that initiator's public key: proof the responder knew
 * whom it answered), by a cookie reply (the responder is under load), or
 * times out. Cookie replies are consumed as a real initiator does, so that
 * the next initiation of that peer carries mac2 (--no-cookies: ignore them).
 *
 * Flood modes for later tests: --rate caps initiations per second;
 * --sources spreads peers over several local addresses/ports (peer i always
 * uses source i mod S, as its cookie is bound to the source);
 * --mac1-only sends garbage initiations that carry a valid mac1 only, so
 * each costs the responder a DH before it can reject it (no window: use
 * --rate; replies are counted as cookies or other).
 *
 * Output: one line of key=value pairs on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cookie.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "core/index.h"
#include "core/messages.h"
#include "core/noise.h"

enum { MAX_SOURCES = 64, MAX_WINDOW = 4096, MAX_RTTS = 1 << 21 };

struct initiator {
	struct wgc_identity id;
	struct wgc_handshake hs;
	struct wgc_cookie_maker maker;     /* mac1/mac2 towards the responder */
	struct wgc_cookie_checker checker; /* mac1 of responses sent to us */
};

struct pooled {
	struct wgc_msg_initiation msg; /* macs not yet filled */
	uint32_t peer;
};

struct slot {
	uint32_t index;
	uint32_t peer;
	uint64_t sent_us;
	int next_free;
};

struct opts {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} target;
	socklen_t target_len;
	uint8_t responder_pub[WGC_KEY_LEN];
	const char *keys_file;
	double duration;
	unsigned window;
	double rate;
	unsigned pool;
	unsigned timeout_ms;
	const char *sources;
	bool mac1_only;
	bool use_cookies;
};

struct stats {
	uint64_t sent, responses, cookies, cookies_consumed, timeouts, invalid, other, fresh_built;
	uint32_t *rtt_us;
	size_t n_rtt;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "handshake_flood: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(2);
}

/* "IP:PORT" or "[IP6]:PORT"; port may be absent when allow_no_port (then 0). */
static bool parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len, bool allow_no_port)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	size_t hl;
	long p = 0;

	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e)
			return false;
		hl = (size_t)(e - s - 1);
		if (hl >= sizeof(host))
			return false;
		memcpy(host, s + 1, hl);
		if (e[1] == ':')
			port = e + 2;
		else if (e[1])
			return false;
	} else {
		const char *c = strrchr(s, ':');

		/* a bare IPv6 address (two colons or more) has no port */
		if (allow_no_port && c && strchr(s, ':') != c)
			c = NULL;
		hl = c ? (size_t)(c - s) : strlen(s);
		if (hl >= sizeof(host))
			return false;
		memcpy(host, s, hl);
		port = c ? c + 1 : NULL;
	}
	host[hl] = 0;
	if (port) {
		char *end;
		p = strtol(port, &end, 10);
		if (*end || p < 0 || p > 65535)
			return false;
	} else if (!allow_no_port) {
		return false;
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)p);
		*len = sizeof(struct sockaddr_in);
		return true;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)p);
		*len = sizeof(struct sockaddr_in6);
		return true;
	}
	return false;
}

/* The whole file, NUL-terminated; the caller wipes and frees it. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) < 0)
		die("cannot open key file", path);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		die("out of memory", NULL);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r <= 0)
			die("cannot read key file", path);
		got += (size_t)r;
	}
	close(fd);
	buf[got] = 0;
	*len = got;
	return buf;
}

/* Parses "PRIVATE [PUBLIC]" lines from buf; returns the number of initiators set up. */
static uint32_t load_initiators(char *buf, size_t len, struct initiator **out, const uint8_t responder_pub[WGC_KEY_LEN])
{
	uint32_t n = 0, cap = 0, i;
	struct initiator *v = NULL;
	char *line = buf, *end = buf + len;

	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char tok[WGC_KEY_B64_LEN];
		uint8_t priv[WGC_KEY_LEN];

		if (!nl)
			nl = end;
		if (nl - line >= WGC_KEY_B64_LEN - 1) {
			memcpy(tok, line, WGC_KEY_B64_LEN - 1);
			tok[WGC_KEY_B64_LEN - 1] = 0;
			if (!wgc_key_from_base64(priv, tok))
				die("bad private key in key file", NULL);
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				v = realloc(v, cap * sizeof(*v));
				if (!v)
					die("out of memory", NULL);
			}
			memset(&v[n], 0, sizeof(v[n]));
			wgc_identity_set(&v[n].id, priv);
			if (!v[n].id.has_identity)
				die("unusable private key in key file", NULL);
			n++;
			wgc_wipe(tok, sizeof(tok));
			wgc_wipe(priv, sizeof(priv));
		}
		line = nl + 1;
	}
	/* only now: the handshakes point into the array, which realloc may have moved */
	for (i = 0; i < n; i++) {
		wgc_handshake_init(&v[i].hs, &v[i].id, responder_pub, NULL, &v[i]);
		wgc_cookie_maker_init(&v[i].maker);
		wgc_cookie_checker_init(&v[i].checker, v[i].id.static_public);
	}
	*out = v;
	return n;
}

static bool build_initiation(struct initiator *in, struct wgc_index_table *idx, struct pooled *p, uint32_t peer)
{
	struct timespec ts;
	uint8_t stamp[WGC_TAI64N_LEN];

	clock_gettime(CLOCK_REALTIME, &ts);
	wgc_tai64n(stamp, ts.tv_sec, (uint32_t)ts.tv_nsec);
	wgc_handshake_clear(&in->hs, idx);
	p->peer = peer;
	return wgc_noise_create_initiation(&in->hs, idx, &p->msg, stamp);
}

static int genkeys(unsigned long n)
{
	uint8_t priv[WGC_KEY_LEN], pub[WGC_KEY_LEN];
	char a[WGC_KEY_B64_LEN], b[WGC_KEY_B64_LEN];
	unsigned long i;

	for (i = 0; i < n; i++) {
		wgc_x25519_generate(priv);
		if (!wgc_x25519_public(pub, priv))
			die("x25519 failed", NULL);
		wgc_key_to_base64(a, priv);
		wgc_key_to_base64(b, pub);
		printf("%s %s\n", a, b);
	}
	wgc_wipe(priv, sizeof(priv));
	wgc_wipe(a, sizeof(a));
	return fflush(stdout) ? 1 : 0;
}

static int open_sources(const struct opts *o, int *fds)
{
	char *list = strdup(o->sources ? o->sources : "");
	char *save = NULL, *tok;
	int n = 0;

	if (!list)
		die("out of memory", NULL);
	for (tok = strtok_r(list, ",", &save); tok || n == 0; tok = strtok_r(NULL, ",", &save)) {
		struct sockaddr_storage ss;
		socklen_t len;
		int fd = socket(o->target.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int sz = 4 << 20;

		if (fd < 0)
			die("socket", strerror(errno));
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		if (tok) {
			if (!parse_addr(tok, &ss, &len, true) || ss.ss_family != o->target.sa.sa_family)
				die("bad --sources entry (an address of the target's family; IPv6 bare or in [])", tok);
			if (bind(fd, (struct sockaddr *)&ss, len) < 0)
				die("bind source", tok);
		}
		if (connect(fd, &o->target.sa, o->target_len) < 0)
			die("connect", strerror(errno));
		fds[n++] = fd;
		if (!tok || n == MAX_SOURCES)
			break;
	}
	free(list);
	return n;
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct run {
	const struct opts *o;
	struct initiator *peers;
	uint32_t n_peers;
	struct wgc_index_table idx;
	struct pooled *pool;
	size_t pool_n, pool_next;
	uint32_t next_peer;
	int fds[MAX_SOURCES];
	int n_fds;
	struct slot slots[MAX_WINDOW];
	int free_head;
	unsigned outstanding;
	struct wgc_cookie_maker garbage_maker;
	struct stats st;
};

static void release(struct run *r, int s)
{
	r->slots[s].next_free = r->free_head;
	r->free_head = s;
	r->outstanding--;
}

static int find_slot(struct run *r, uint32_t index)
{
	unsigned i;

	for (i = 0; i < r->o->window; i++)
		if (r->slots[i].next_free == -2 && r->slots[i].index == index)
			return (int)i;
	return -1;
}

static void send_garbage(struct run *r, uint64_t t_us)
{
	uint8_t msg[WGC_MSG_INITIATION_LEN];
	size_t i;

	for (i = 0; i < sizeof(msg); i += 8) {
		uint64_t v = rng();
		memcpy(msg + i, &v, sizeof(msg) - i < 8 ? sizeof(msg) - i : 8);
	}
	wgc_store_le32(msg, WGC_MSG_HANDSHAKE_INITIATION);
	wgc_cookie_add_macs(&r->garbage_maker, r->o->responder_pub, msg, sizeof(msg), t_us / 1000);
	if (send(r->fds[r->st.sent % (uint64_t)r->n_fds], msg, sizeof(msg), 0) == (ssize_t)sizeof(msg))
		r->st.sent++;
}

/* Sends the next initiation; false when the socket is full (try later). */
static bool send_initiation(struct run *r, uint64_t t_us)
{
	struct pooled fresh, *p;
	struct initiator *in;
	int s;

	if (r->pool_next < r->pool_n) {
		p = &r->pool[r->pool_next];
	} else {
		/* pool exhausted: build on the fly (slower, and it takes CPU from the responder) */
		uint32_t peer = r->next_peer;
		r->next_peer = (r->next_peer + 1) % r->n_peers;
		if (!build_initiation(&r->peers[peer], &r->idx, &fresh, peer))
			die("cannot build an initiation", NULL);
		r->st.fresh_built++;
		p = &fresh;
	}
	in = &r->peers[p->peer];
	wgc_cookie_add_macs(&in->maker, r->o->responder_pub, (uint8_t *)&p->msg, sizeof(p->msg), t_us / 1000);
	if (send(r->fds[p->peer % (uint32_t)r->n_fds], &p->msg, sizeof(p->msg), 0) != (ssize_t)sizeof(p->msg)) {
		if (p == &fresh)
			r->next_peer = p->peer; /* rebuilt next time, with a newer timestamp */
		return false;
	}
	if (p != &fresh)
		r->pool_next++;
	s = r->free_head;
	r->free_head = r->slots[s].next_free;
	r->slots[s].next_free = -2; /* in use */
	r->slots[s].index = wgc_load_le32(p->msg.sender_index);
	r->slots[s].peer = p->peer;
	r->slots[s].sent_us = t_us;
	r->outstanding++;
	r->st.sent++;
	return true;
}

static void receive_one(struct run *r, const uint8_t *msg, size_t len, uint64_t t_us)
{
	enum wgc_message_type type = wgc_message_type(msg, len);
	int s;

	if (type == WGC_MSG_HANDSHAKE_RESPONSE && len == WGC_MSG_RESPONSE_LEN) {
		s = r->o->mac1_only ? -1 : find_slot(r, wgc_load_le32(msg + offsetof(struct wgc_msg_response, receiver_index)));
		if (s < 0 || wgc_cookie_validate(&r->peers[r->slots[s].peer].checker, msg, len, &r->o->target.sa,
						 false, t_us / 1000) != WGC_MAC_VALID_NO_COOKIE) {
			r->st.invalid++;
			return;
		}
		r->st.responses++;
		if (r->st.n_rtt < MAX_RTTS)
			r->st.rtt_us[r->st.n_rtt++] = (uint32_t)(t_us - r->slots[s].sent_us);
		release(r, s);
	} else if (type == WGC_MSG_HANDSHAKE_COOKIE && len == WGC_MSG_COOKIE_LEN) {
		r->st.cookies++;
		if (r->o->mac1_only)
			return;
		s = find_slot(r, wgc_load_le32(msg + offsetof(struct wgc_msg_cookie, receiver_index)));
		if (s < 0)
			return; /* for an initiation that already timed out */
		if (r->o->use_cookies &&
		    wgc_cookie_consume_reply(&r->peers[r->slots[s].peer].maker, r->o->responder_pub,
					     (const struct wgc_msg_cookie *)msg,
					     t_us / 1000))
			r->st.cookies_consumed++;
		release(r, s);
	} else {
		r->st.other++;
	}
}

static void drain(struct run *r, int timeout_ms)
{
	struct pollfd pfd[MAX_SOURCES];
	uint8_t buf[2048];
	int i;

	for (i = 0; i < r->n_fds; i++)
		pfd[i] = (struct pollfd){ .fd = r->fds[i], .events = POLLIN };
	if (poll(pfd, (nfds_t)r->n_fds, timeout_ms) <= 0)
		return;
	for (i = 0; i < r->n_fds; i++) {
		ssize_t len;

		if (!(pfd[i].revents & POLLIN))
			continue;
		while ((len = recv(r->fds[i], buf, sizeof(buf), 0)) >= 0)
			receive_one(r, buf, (size_t)len, now_us());
	}
}

static void expire(struct run *r, uint64_t t_us)
{
	unsigned i;

	for (i = 0; i < r->o->window; i++) {
		if (r->slots[i].next_free == -2 && t_us - r->slots[i].sent_us > (uint64_t)r->o->timeout_ms * 1000) {
			r->st.timeouts++;
			release(r, (int)i);
		}
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: handshake_flood genkeys N\n"
		"       handshake_flood --target IP:PORT --pub KEY --keys FILE [--duration S] [--window W]\n"
		"                       [--rate R] [--pool N] [--timeout-ms T] [--sources A[:P],B[:P]...]\n"
		"                       [--mac1-only] [--no-cookies]\n");
	exit(2);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "target", required_argument, NULL, 't' },   { "pub", required_argument, NULL, 'p' },
		{ "keys", required_argument, NULL, 'k' },     { "duration", required_argument, NULL, 'd' },
		{ "window", required_argument, NULL, 'w' },   { "rate", required_argument, NULL, 'r' },
		{ "pool", required_argument, NULL, 'P' },     { "timeout-ms", required_argument, NULL, 'T' },
		{ "sources", required_argument, NULL, 's' },  { "mac1-only", no_argument, NULL, 'm' },
		{ "no-cookies", no_argument, NULL, 'n' },     { NULL, 0, NULL, 0 },
	};
	struct sockaddr_storage ss;
	bool have_target = false, have_pub = false;
	int c;

	*o = (struct opts){ .duration = 10, .window = 64, .pool = 50000, .timeout_ms = 1000, .use_cookies = true };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!parse_addr(optarg, &ss, &o->target_len, false))
				die("bad --target", optarg);
			memcpy(&o->target, &ss, o->target_len);
			have_target = true;
			break;
		case 'p':
			if (!wgc_key_from_base64(o->responder_pub, optarg))
				die("bad --pub", optarg);
			have_pub = true;
			break;
		case 'k': o->keys_file = optarg; break;
		case 'd': o->duration = atof(optarg); break;
		case 'w': o->window = (unsigned)atoi(optarg); break;
		case 'r': o->rate = atof(optarg); break;
		case 'P': o->pool = (unsigned)atoi(optarg); break;
		case 'T': o->timeout_ms = (unsigned)atoi(optarg); break;
		case 's': o->sources = optarg; break;
		case 'm': o->mac1_only = true; break;
		case 'n': o->use_cookies = false; break;
		default: usage();
		}
	}
	if (!have_target || !have_pub || (!o->keys_file && !o->mac1_only) || o->duration <= 0 || o->window < 1 ||
	    o->window > MAX_WINDOW || o->rate < 0 || optind != argc)
		usage();
}

int main(int argc, char **argv)
{
	struct opts o;
	struct run *r;
	uint64_t t0, end, t, last_expire;
	double elapsed, build_s = 0;
	unsigned i;

	if (!wgc_crypto_init())
		die("crypto init failed", NULL);
	if (argc == 3 && !strcmp(argv[1], "genkeys"))
		return genkeys(strtoul(argv[2], NULL, 10));
	parse_opts(argc, argv, &o);

	r = calloc(1, sizeof(*r));
	if (!r || wgc_index_init(&r->idx))
		die("out of memory", NULL);
	r->o = &o;
	r->st.rtt_us = malloc(MAX_RTTS * sizeof(uint32_t));
	if (!r->st.rtt_us)
		die("out of memory", NULL);
	rng_state = now_us();
	wgc_cookie_maker_init(&r->garbage_maker);
	if (o.keys_file) {
		size_t len;
		char *buf = slurp(o.keys_file, &len);
		r->n_peers = load_initiators(buf, len, &r->peers, o.responder_pub);
		wgc_wipe(buf, len);
		free(buf);
		if (!r->n_peers)
			die("no keys in key file", o.keys_file);
	}
	if (!o.mac1_only) {
		uint64_t b0 = now_us();
		r->pool = malloc((size_t)o.pool * sizeof(*r->pool));
		if (o.pool && !r->pool)
			die("out of memory", NULL);
		for (r->pool_n = 0; r->pool_n < o.pool; r->pool_n++) {
			uint32_t peer = r->next_peer;
			r->next_peer = (r->next_peer + 1) % r->n_peers;
			if (!build_initiation(&r->peers[peer], &r->idx, &r->pool[r->pool_n], peer))
				die("cannot build an initiation", NULL);
		}
		build_s = (double)(now_us() - b0) / 1e6;
	}
	for (i = 0; i < o.window; i++)
		r->slots[i].next_free = i + 1 < o.window ? (int)i + 1 : -1;
	r->free_head = 0;
	r->n_fds = open_sources(&o, r->fds);

	t0 = last_expire = now_us();
	end = t0 + (uint64_t)(o.duration * 1e6);
	while ((t = now_us()) < end) {
		unsigned burst = 0;
		/* the rate is kept over the whole run, so short stalls are caught up */
		while (burst < 256 && (o.rate == 0 || (double)r->st.sent < o.rate * (double)(t - t0) / 1e6)) {
			if (o.mac1_only) {
				send_garbage(r, t);
			} else {
				if (r->free_head < 0 || !send_initiation(r, t))
					break;
			}
			burst++;
		}
		drain(r, (o.mac1_only && o.rate == 0) ? 0 : 1);
		if (t - last_expire > 10000) {
			expire(r, now_us());
			last_expire = t;
		}
	}
	elapsed = (double)(now_us() - t0) / 1e6;
	/* late answers to what was sent in time still count */
	for (i = 0; i < 20 && r->outstanding; i++)
		drain(r, 10);

	qsort(r->st.rtt_us, r->st.n_rtt, sizeof(uint32_t), cmp_u32);
	printf("handshake_flood mode=%s peers=%" PRIu32 " sources=%d window=%u rate=%.0f duration_s=%.2f"
	       " pool=%zu pool_build_s=%.2f fresh_built=%" PRIu64 " sent=%" PRIu64 " responses=%" PRIu64
	       " cookies=%" PRIu64 " cookies_consumed=%" PRIu64 " timeouts=%" PRIu64 " invalid=%" PRIu64
	       " other=%" PRIu64 " responses_per_s=%.0f cookies_per_s=%.0f sent_per_s=%.0f"
	       " rtt_p50_us=%u rtt_p99_us=%u\n",
	       o.mac1_only ? "mac1-only" : "initiations", r->n_peers, r->n_fds, o.window, o.rate, elapsed, r->pool_n,
	       build_s, r->st.fresh_built, r->st.sent, r->st.responses, r->st.cookies, r->st.cookies_consumed,
	       r->st.timeouts + r->outstanding, r->st.invalid, r->st.other, (double)r->st.responses / elapsed,
	       (double)r->st.cookies / elapsed, (double)r->st.sent / elapsed,
	       r->st.n_rtt ? r->st.rtt_us[r->st.n_rtt / 2] : 0,
	       r->st.n_rtt ? r->st.rtt_us[r->st.n_rtt * 99 / 100] : 0);

	for (i = 0; i < r->n_peers; i++) {
		wgc_handshake_destroy(&r->peers[i].hs, &r->idx);
		wgc_identity_clear(&r->peers[i].id);
		wgc_cookie_maker_wipe(&r->peers[i].maker);
		wgc_cookie_checker_wipe(&r->peers[i].checker);
	}
	free(r->peers);
	free(r->pool);
	free(r->st.rtt_us);
	wgc_index_free(&r->idx);
	free(r);
	return 0;
}
