// SPDX-License-Identifier: MIT
/*
 * wgc metrics [--listen ADDR:PORT] [--once] [--config-dir DIR] [IF...]:
 * Prometheus metrics of WireGuard devices, served at /metrics by
 * libmicrohttpd (default 127.0.0.1:9586, the port prometheus_wireguard_exporter
 * uses), or printed once. Each scrape reads the devices afresh through the
 * backend; friendly names come from DIR/IF.conf (`# friendly_name =` lines).
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "cli/wgc.h"
#include "common/addr.h"
#include "common/metrics_format.h"
#include "common/peer_names.h"
#include "ipc/ipc.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_opts {
	const char *listen, *config_dir;
	const char **ifnames; /* NULL: every device */
	int n_ifnames;
	bool once;
};

static void usage(const char *cmd)
{
	fprintf(stderr, "Usage: %s %s [--listen ADDR:PORT] [--once] [--config-dir DIR] [INTERFACE...]\n", PROG_NAME,
		cmd);
}

/* Reads DIR/IF.conf when it exists; a missing or unreadable file means no names. */
static void load_names(struct wgc_peer_names *names, const char *dir, const char *ifname)
{
	char path[4096], buf[65536];
	struct wgc_strbuf text = { 0 };
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.conf", dir, ifname);
	f = fopen(path, "re");
	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		wgc_strbuf_append(&text, buf, n);
	fclose(f);
	if (!text.failed && text.data)
		wgc_peer_names_parse(names, text.data, text.len);
	/* The file holds a private key: wiped by wgc_strbuf_free, and buf here. */
	explicit_bzero(buf, sizeof(buf));
	wgc_strbuf_free(&text);
}

/* Adds one device to the arrays; false (with a message) when it cannot be read. */
static bool add_device(struct wgc_device_model **devs, struct wgc_peer_names **names, size_t *n,
		       const char *ifname, const char *config_dir)
{
	struct wgc_device_model *d = realloc(*devs, (*n + 1) * sizeof(**devs));
	struct wgc_peer_names *nm;
	int err;

	if (!d)
		return false;
	*devs = d;
	nm = realloc(*names, (*n + 1) * sizeof(**names));
	if (!nm)
		return false;
	*names = nm;
	memset(&nm[*n], 0, sizeof(nm[*n]));
	err = wgc_ipc_get(&d[*n], ifname);
	if (err) {
		fprintf(stderr, "%s: unable to access interface %s: %s\n", PROG_NAME, ifname, strerror(-err));
		return false;
	}
	/* The exposition never needs the private key: drop it at once. */
	explicit_bzero(d[*n].private_key, sizeof(d[*n].private_key));
	load_names(&nm[*n], config_dir, ifname);
	(*n)++;
	return true;
}

/*
 * The whole exposition for one scrape into out: every device that could be
 * read. false when a named interface could not be read or the list could
 * not be had, each said on stderr.
 */
static bool collect(struct wgc_strbuf *out, const struct metrics_opts *o)
{
	struct wgc_device_model *devs = NULL;
	struct wgc_peer_names *names = NULL;
	char *all = NULL;
	size_t n = 0;
	bool ok = true;

	if (o->n_ifnames) {
		for (int i = 0; i < o->n_ifnames; i++)
			ok &= add_device(&devs, &names, &n, o->ifnames[i], o->config_dir);
	} else if ((all = wgc_ipc_list())) {
		/* as `wg show all': one that vanished since the list is said, not a failure */
		for (char *name = all; *name; name += strlen(name) + 1)
			add_device(&devs, &names, &n, name, o->config_dir);
	} else {
		fprintf(stderr, "%s: unable to list interfaces: %s\n", PROG_NAME, strerror(errno));
		ok = false;
	}
	wgc_metrics_format(out, devs, n, names, time(NULL));
	for (size_t i = 0; i < n; i++) {
		wgc_model_free(&devs[i]);
		wgc_peer_names_free(&names[i]);
	}
	free(devs);
	free(names);
	free(all);
	return ok;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **state)
{
	const struct metrics_opts *o = cls;
	struct wgc_strbuf body = { 0 };
	struct MHD_Response *resp;
	unsigned status = MHD_HTTP_OK;
	enum MHD_Result ret;

	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		wgc_strbuf_printf(&body, "only GET\n");
	} else if (!strcmp(url, "/metrics")) {
		/* a device that cannot be read is said on stderr; the others are still served */
		collect(&body, o);
	} else if (!strcmp(url, "/")) {
		wgc_strbuf_printf(&body, "wgc metrics: see /metrics\n");
	} else {
		status = MHD_HTTP_NOT_FOUND;
		wgc_strbuf_printf(&body, "not found\n");
	}
	if (body.failed)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(body.len, body.data ? body.data : "", MHD_RESPMEM_MUST_COPY);
	wgc_strbuf_free(&body);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* "127.0.0.1:9586" or "[::1]:9586", numeric only. */
static bool parse_listen(const char *text, union wgc_endpoint *ep)
{
	char copy[WGC_ENDPOINT_STRLEN];

	if (strlen(text) >= sizeof(copy))
		return false;
	strcpy(copy, text);
	return wgc_endpoint_parse_numeric(ep, copy);
}

/* parse_listen, saying what is wrong when it fails. */
static bool listen_ok(const char *text, union wgc_endpoint *ep)
{
	if (parse_listen(text, ep))
		return true;
	fprintf(stderr, "%s: --listen takes a numeric ADDR:PORT, not `%s'\n", PROG_NAME, text);
	return false;
}

static int serve(const struct metrics_opts *o)
{
	union wgc_endpoint ep;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	sigset_t set;
	int sig;

	if (!listen_ok(o->listen, &ep))
		return 1;
	/* Blocked before MHD starts its thread, so only sigwait() below sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
				     (ep.addr.sa_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, answer, (void *)o, MHD_OPTION_SOCK_ADDR, &ep.addr,
			     MHD_OPTION_CONNECTION_LIMIT, 16U, MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "%s: cannot listen on %s: %s\n", PROG_NAME, o->listen, strerror(errno));
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	fprintf(stderr, "%s: serving metrics at http://%s/metrics (port %u)\n", PROG_NAME, o->listen,
		info ? info->port : 0);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}

int metrics_main(int argc, const char *argv[])
{
	struct metrics_opts o = { .listen = "127.0.0.1:9586", .config_dir = "/etc/wireguard" };
	struct wgc_strbuf out = { 0 };
	union wgc_endpoint ep;
	int i, ret;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--once")) {
			o.once = true;
		} else if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
			o.listen = argv[++i];
		} else if (!strcmp(argv[i], "--config-dir") && i + 1 < argc) {
			o.config_dir = argv[++i];
		} else {
			usage(argv[0]);
			return strcmp(argv[i], "--help") && strcmp(argv[i], "-h") ? 1 : 0;
		}
	}
	o.ifnames = argv + i;
	o.n_ifnames = argc - i;
	if (!o.once)
		return serve(&o);
	/* --once serves nothing, but a bad --listen is still a mistake worth naming */
	if (!listen_ok(o.listen, &ep))
		return 1;
	/* like `wg show nosuchif': a named interface that cannot be read fails the command */
	ret = collect(&out, &o) ? 0 : 1;
	if (!cli_write_stdout(&out))
		ret = 1;
	wgc_strbuf_free(&out);
	return ret;
}
