// SPDX-License-Identifier: MIT
/* The parts of config parsing that touch the system: name resolution and files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "core/crypto.h"

/* A config or key file beyond this is not one. */
enum { MAX_FILE = 16 << 20 };

static bool dns_retries(int *out, char *err, size_t errlen)
{
	const char *v = getenv("WG_ENDPOINT_RESOLUTION_RETRIES");
	unsigned long n;
	char *end;

	if (!v) {
		*out = 15;
		return true;
	}
	if (!strcmp(v, "infinity")) {
		*out = -1;
		return true;
	}
	n = strtoul(v, &end, 10);
	if (!*v || *end || n > INT_MAX) {
		snprintf(err, errlen, "unable to parse WG_ENDPOINT_RESOLUTION_RETRIES: '%s'", v);
		return false;
	}
	*out = (int)n;
	return true;
}

bool wgc_config_resolve(union wgc_endpoint *ep, const char *host, const char *port, const char *text,
			char *err, size_t errlen, const struct wgc_config_hooks *hooks)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
	}, *res;
	unsigned int timeout = 1000000;
	int ret, retries;
	bool ok = false;

	if (!dns_retries(&retries, err, errlen))
		return false;
	for (;;) {
		ret = getaddrinfo(host, port, &hints, &res);
		if (!ret)
			break;
		/* EAI_NONAME, EAI_FAIL and EAI_NODATA are permanent; the rest may be transient. */
		if (ret == EAI_NONAME || ret == EAI_FAIL ||
#ifdef EAI_NODATA
		    ret == EAI_NODATA ||
#endif
		    (retries >= 0 && !retries--)) {
			snprintf(err, errlen, "'%s': %s", text, ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
			return false;
		}
		wgc_config_warn(hooks, "%s: `%s'. Trying again in %.2f seconds...",
				ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret), text, timeout / 1000000.0);
		usleep(timeout);
		timeout = timeout * 6 / 5 > 20000000 ? 20000000 : timeout * 6 / 5;
	}
	memset(ep, 0, sizeof(*ep));
	if (res->ai_family == AF_INET && res->ai_addrlen == sizeof(ep->addr4)) {
		memcpy(&ep->addr4, res->ai_addr, sizeof(ep->addr4));
		ok = true;
	} else if (res->ai_family == AF_INET6 && res->ai_addrlen == sizeof(ep->addr6)) {
		memcpy(&ep->addr6, res->ai_addr, sizeof(ep->addr6));
		ok = true;
	} else {
		snprintf(err, errlen, "'%s': neither an IPv4 nor an IPv6 address", text);
	}
	freeaddrinfo(res);
	return ok;
}

bool wgc_config_read_file(const char *path, char **buf, size_t *len, bool warn_if_public, char *err,
			  size_t errlen, const struct wgc_config_hooks *hooks)
{
	size_t cap = 4096, n = 0;
	struct stat st;
	char *data;
	int fd;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return false;
	}
	if (warn_if_public && !fstat(fd, &st) && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO))
		wgc_config_warn(hooks, "Warning: `%s' is accessible by others; it holds secrets (chmod o-rwx it)", path);
	data = malloc(cap);
	for (;;) {
		ssize_t r;

		if (!data)
			goto nomem;
		if (n + 1 >= cap) {
			char *bigger;

			if (cap >= MAX_FILE) {
				snprintf(err, errlen, "file too large");
				goto fail;
			}
			bigger = malloc(cap * 2);
			if (!bigger)
				goto nomem;
			memcpy(bigger, data, n);
			wgc_wipe(data, cap);
			free(data);
			data = bigger;
			cap *= 2;
		}
		r = read(fd, data + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	data[n] = '\0';
	*buf = data;
	*len = n;
	return true;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	if (data) {
		wgc_wipe(data, cap);
		free(data);
	}
	close(fd);
	return false;
}

bool wgc_config_read_keyfile(uint8_t key[WGC_KEY_LEN], const char *path, char *err, size_t errlen,
			     const struct wgc_config_hooks *hooks)
{
	char *buf;
	size_t len;
	bool ok;

	if (!wgc_config_read_file(path, &buf, &len, true, err, errlen, hooks))
		return false;
	ok = wgc_config_parse_keyfile(key, buf, len, err, errlen);
	wgc_wipe(buf, len);
	free(buf);
	return ok;
}
