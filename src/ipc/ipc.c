// SPDX-License-Identifier: MIT
/*
 * The one place that chooses a backend, as wireguard-tools' ipc.c: a live
 * UAPI socket for the name wins, otherwise the kernel's netlink family.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "ipc/ipc.h"
#include "ipc/kernel.h"
#include "ipc/uapi_client.h"

/* What wgcd built from this tree supports (doc/uapi.md). */
#define WGCD_CAPS (WGC_IPC_CAP_COUNTERS | WGC_IPC_CAP_ENDPOINT_CANDIDATES)

char *wgc_ipc_list(void)
{
	struct wgc_strbuf all = { 0 };
	char *uapi;
	size_t len;
	int err;

	/* wg's order: kernel links first, then the UAPI sockets; a failure of either fails the list */
	err = wgc_kernel_list(&all);
	if (err) {
		wgc_strbuf_free(&all);
		errno = -err;
		return NULL;
	}
	uapi = wgc_uapi_client_list();
	if (!uapi) {
		err = errno;
		wgc_strbuf_free(&all);
		errno = err;
		return NULL;
	}
	for (len = 0; uapi[len]; len += strlen(uapi + len) + 1)
		;
	wgc_strbuf_append(&all, uapi, len);
	wgc_strbuf_append(&all, "", 1);
	free(uapi);
	if (all.failed) {
		wgc_strbuf_free(&all);
		errno = ENOMEM;
		return NULL;
	}
	return all.data;
}

int wgc_ipc_get(struct wgc_device_model *state, const char *ifname)
{
	if (wgc_uapi_client_exists(ifname))
		return wgc_uapi_client_get(state, ifname);
	return wgc_kernel_get(state, ifname);
}

int wgc_ipc_set(const struct wgc_device_model *change, const char *ifname)
{
	/* candidates only to a backend that holds them: refused before anything is sent */
	if (wgc_model_uses_candidates(change) && !(wgc_ipc_caps(ifname) & WGC_IPC_CAP_ENDPOINT_CANDIDATES))
		return -EOPNOTSUPP;
	if (wgc_uapi_client_exists(ifname))
		return wgc_uapi_client_set(change, ifname);
	return wgc_kernel_set(change, ifname);
}

unsigned wgc_ipc_caps(const char *ifname)
{
	if (wgc_uapi_client_exists(ifname))
		return wgc_uapi_client_is_wgcd(ifname) ? WGCD_CAPS : 0;
	return wgc_kernel_is_wireguard(ifname) ? WGC_IPC_CAP_KERNEL : 0;
}

int wgc_ipc_daemon_pid(const char *ifname)
{
	return wgc_uapi_client_pid(ifname);
}
