/* SPDX-License-Identifier: MIT */
/*
 * The plain data model between parsers and back-ends: a device and its peers
 * as wg understands them. Config files and UAPI text are parsed into it, and
 * it is formatted back out; neither side touches sockets or files.
 *
 * A model used as a *change* (set/setconf/addconf) says which fields are
 * present through the HAS_ flags; one used as a *state* (get/show) fills all.
 */
#ifndef WGC_MODEL_H
#define WGC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "../core/messages.h"

struct wgc_allowed_ip {
	uint16_t family; /* AF_INET or AF_INET6 */
	uint8_t cidr;
	bool remove;     /* a "-prefix" entry: take this one away */
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	};
};

union wgc_endpoint {
	struct sockaddr addr;
	struct sockaddr_in addr4;
	struct sockaddr_in6 addr6;
};

/*
 * A backend's named counter (wgcd's UAPI extension, doc/uapi.md): names are
 * the core's (counters.h), e.g. "rejected_invalid_mac1". n == 0: the
 * backend reported none (the JSON then has no "counters" key).
 */
struct wgc_counter {
	char name[48];
	uint64_t value;
};

struct wgc_counter_list {
	struct wgc_counter *items;
	size_t n, cap;
};

/* The source of a recently rejected handshake message, and why. */
struct wgc_rejected_source {
	char reason[48];             /* a counter name, e.g. "rejected_unknown_peer" */
	union wgc_endpoint from;
};

struct wgc_rejected_source_list {
	struct wgc_rejected_source *items;
	size_t n, cap;
};

/*
 * One endpoint candidate of a peer (issue 14: several `Endpoint =` lines,
 * wgcd only). text is the candidate as written, "HOST:PORT" or
 * "[V6]:PORT", hostnames allowed; addr is what it resolved to (family 0:
 * not resolved yet, wgcd resolves it). The remaining fields are state,
 * filled from wgcd's UAPI extension (doc/uapi.md) by a get.
 */
enum { WGC_CANDIDATE_TEXT_MAX = 264 };

struct wgc_endpoint_candidate {
	char text[WGC_CANDIDATE_TEXT_MAX];
	union wgc_endpoint addr;
	bool current;                /* the peer's endpoint is this candidate's address */
	int64_t last_reply;          /* unix seconds of the last authenticated reply from it, 0: never */
	uint64_t initiations_sent;   /* handshake initiations sent to it */
};

/* In order of preference, most preferred first. n < 2 on every peer without candidates. */
struct wgc_candidate_list {
	struct wgc_endpoint_candidate *items;
	size_t n, cap;
};

enum wgc_peer_flags {
	WGC_PEER_REMOVE_ME = 1U << 0,
	WGC_PEER_REPLACE_ALLOWEDIPS = 1U << 1,
	WGC_PEER_UPDATE_ONLY = 1U << 2,
	WGC_PEER_HAS_PUBLIC_KEY = 1U << 3,
	WGC_PEER_HAS_PRESHARED_KEY = 1U << 4,
	WGC_PEER_HAS_PERSISTENT_KEEPALIVE = 1U << 5,
	WGC_PEER_HAS_ENDPOINT = 1U << 6,
	/* candidates replace the peer's list (wgcd only; an empty list clears it) */
	WGC_PEER_HAS_CANDIDATES = 1U << 7,
};

struct wgc_peer_model {
	uint32_t flags;
	uint8_t public_key[WGC_KEY_LEN];
	uint8_t preshared_key[WGC_KEY_LEN]; /* all zero: none */
	union wgc_endpoint endpoint;        /* sa_family 0: none */
	uint16_t persistent_keepalive;      /* seconds, 0: off */
	int64_t last_handshake_sec;         /* 0/0: never */
	int64_t last_handshake_nsec;
	uint64_t rx_bytes, tx_bytes;
	struct wgc_allowed_ip *allowed_ips;
	size_t n_allowed_ips, cap_allowed_ips;
	struct wgc_counter_list counters;
	struct wgc_candidate_list candidates;
};

enum wgc_device_flags {
	WGC_DEVICE_REPLACE_PEERS = 1U << 0,
	WGC_DEVICE_HAS_PRIVATE_KEY = 1U << 1,
	WGC_DEVICE_HAS_PUBLIC_KEY = 1U << 2,
	WGC_DEVICE_HAS_LISTEN_PORT = 1U << 3,
	WGC_DEVICE_HAS_FWMARK = 1U << 4,
	/* wgcd only (issue 14): candidate_retry / reresolve_after below are set */
	WGC_DEVICE_HAS_CANDIDATE_RETRY = 1U << 5,
	WGC_DEVICE_HAS_RERESOLVE_AFTER = 1U << 6,
};

struct wgc_device_model {
	char name[16];                      /* IFNAMSIZ */
	uint32_t flags;
	uint8_t private_key[WGC_KEY_LEN];   /* all zero: none */
	uint8_t public_key[WGC_KEY_LEN];
	uint32_t fwmark;                    /* 0: off */
	uint16_t listen_port;
	struct wgc_peer_model *peers;
	size_t n_peers, cap_peers;
	struct wgc_counter_list counters;
	struct wgc_rejected_source_list rejected_sources; /* most recent first per reason */
	uint32_t candidate_retry;           /* seconds between probes of preferred candidates (wgcd) */
	uint32_t reresolve_after;           /* seconds without handshake before hostnames are resolved again */
};

/* Growth helpers; they return NULL on allocation failure. */
struct wgc_peer_model *wgc_model_add_peer(struct wgc_device_model *dev);
struct wgc_allowed_ip *wgc_model_add_allowed_ip(struct wgc_peer_model *peer);
/* Appends a counter (name truncated to 47 bytes); 0 or -ENOMEM. */
int wgc_model_add_counter(struct wgc_counter_list *l, const char *name, uint64_t value);
/* The value of a counter by name; false when the list has none of that name. */
bool wgc_counter_get(const struct wgc_counter_list *l, const char *name, uint64_t *out);
/* Appends a rejected source; 0 or -ENOMEM. */
int wgc_model_add_rejected_source(struct wgc_device_model *dev, const char *reason, const union wgc_endpoint *from);
/* Appends an endpoint candidate (text truncated to WGC_CANDIDATE_TEXT_MAX - 1); NULL on failure. */
struct wgc_endpoint_candidate *wgc_model_add_candidate(struct wgc_peer_model *peer, const char *text);
/* True when a change model asks for a wgcd-only feature (candidates, their intervals). */
bool wgc_model_uses_candidates(const struct wgc_device_model *dev);
/* Frees the peers' arrays and wipes the peers; the model keeps its device part and room for peers. */
void wgc_model_clear_peers(struct wgc_device_model *dev);
/* Frees the arrays and wipes every key in the model. */
void wgc_model_free(struct wgc_device_model *dev);

#endif
