// SPDX-License-Identifier: MIT
#include <string.h>

#include <json-c/json.h>

#include "common/doctor_format.h"

enum wgc_doc_verdict wgc_doctor_summary(const struct wgc_doc_interface *ifs, size_t n, unsigned counts[5])
{
	enum wgc_doc_verdict worst = WGC_DOC_OK;

	memset(counts, 0, 5 * sizeof(counts[0]));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < ifs[i].report.n; j++) {
			enum wgc_doc_verdict v = ifs[i].report.items[j].verdict;

			counts[v]++;
			if (v == WGC_DOC_FAIL || (v == WGC_DOC_WARN && worst != WGC_DOC_FAIL))
				worst = v;
		}
	return worst;
}

static const char *color_of(enum wgc_doc_verdict v)
{
	return v == WGC_DOC_OK ? "\x1b[32m" : v == WGC_DOC_WARN ? "\x1b[33m" : v == WGC_DOC_FAIL ? "\x1b[31m" : "\x1b[36m";
}

static void text_one(struct wgc_strbuf *out, const struct wgc_doc_interface *itf, bool color)
{
	const char *last_peer = "";

	wgc_strbuf_printf(out, "interface %s (%s%s)\n", itf->name, itf->backend,
			  itf->counters ? ", with counters" : ", no counters");
	for (size_t i = 0; i < 4 && itf->probes[i][0]; i++)
		wgc_strbuf_printf(out, "  probed: %s\n", itf->probes[i]);
	for (size_t i = 0; i < itf->report.n; i++) {
		const struct wgc_doc_result *r = &itf->report.items[i];
		const char *name = wgc_doctor_verdict_name(r->verdict);

		if (strcmp(r->peer, last_peer)) {
			wgc_strbuf_printf(out, "peer %s\n", r->peer);
			last_peer = r->peer;
		}
		wgc_strbuf_printf(out, "  %s%-11s%s %-26s %s\n", color ? color_of(r->verdict) : "", name,
				  color ? "\x1b[0m" : "", r->check, r->evidence);
		if (r->advice[0] && r->verdict != WGC_DOC_OK)
			wgc_strbuf_printf(out, "  %-11s %-26s -> %s\n", "", "", r->advice);
	}
}

void wgc_doctor_format_text(struct wgc_strbuf *out, const struct wgc_doc_interface *ifs, size_t n, bool color)
{
	unsigned c[5];
	enum wgc_doc_verdict worst = wgc_doctor_summary(ifs, n, c);

	for (size_t i = 0; i < n; i++) {
		text_one(out, &ifs[i], color);
		wgc_strbuf_printf(out, "\n");
	}
	wgc_strbuf_printf(out, "%u ok, %u warn, %u fail, %u cannot tell, %u skipped: %s\n", c[WGC_DOC_OK], c[WGC_DOC_WARN],
			  c[WGC_DOC_FAIL], c[WGC_DOC_CANNOT_TELL], c[WGC_DOC_SKIP], wgc_doctor_verdict_name(worst));
}

static json_object *json_result(const struct wgc_doc_result *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "check", json_object_new_string(r->check));
	json_object_object_add(o, "peer", r->peer[0] ? json_object_new_string(r->peer) : NULL);
	json_object_object_add(o, "verdict", json_object_new_string(wgc_doctor_verdict_name(r->verdict)));
	json_object_object_add(o, "evidence", json_object_new_string(r->evidence));
	json_object_object_add(o, "advice", json_object_new_string(r->advice));
	return o;
}

static json_object *json_interface(const struct wgc_doc_interface *itf)
{
	json_object *o = json_object_new_object(), *probes = json_object_new_array(), *checks = json_object_new_array();

	json_object_object_add(o, "interface", json_object_new_string(itf->name));
	json_object_object_add(o, "backend", json_object_new_string(itf->backend));
	json_object_object_add(o, "counters", json_object_new_boolean(itf->counters));
	for (size_t i = 0; i < 4 && itf->probes[i][0]; i++)
		json_object_array_add(probes, json_object_new_string(itf->probes[i]));
	json_object_object_add(o, "probes", probes);
	for (size_t i = 0; i < itf->report.n; i++)
		json_object_array_add(checks, json_result(&itf->report.items[i]));
	json_object_object_add(o, "checks", checks);
	return o;
}

void wgc_doctor_format_json(struct wgc_strbuf *out, const struct wgc_doc_interface *ifs, size_t n)
{
	static const char *keys[5] = { "ok", "warn", "fail", "cannot_tell", "skip" };
	json_object *root = json_object_new_object(), *arr = json_object_new_array(), *sum = json_object_new_object();
	unsigned c[5];
	enum wgc_doc_verdict worst = wgc_doctor_summary(ifs, n, c);
	const char *text;

	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_interface(&ifs[i]));
	json_object_object_add(root, "interfaces", arr);
	for (size_t i = 0; i < 5; i++)
		json_object_object_add(sum, keys[i], json_object_new_int((int)c[i]));
	json_object_object_add(root, "summary", sum);
	json_object_object_add(root, "result", json_object_new_string(wgc_doctor_verdict_name(worst)));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text)
		wgc_strbuf_printf(out, "%s\n", text);
	else
		out->failed = true;
	json_object_put(root);
}
