/* SPDX-License-Identifier: MIT */
/*
 * `wgc doctor` output: text for people, JSON (doc/doctor.schema.json) for
 * scripts. Pure formatters on the reports of src/common/doctor_eval.h.
 */
#ifndef WGC_DOCTOR_FORMAT_H
#define WGC_DOCTOR_FORMAT_H

#include <stdbool.h>

#include "common/doctor_eval.h"
#include "common/strbuf.h"

/* One interface's report and what was probed for it. */
struct wgc_doc_interface {
	char name[16];
	const char *backend;             /* "wgcd", "userspace", "kernel" or "none" */
	bool counters;                   /* the backend reports counters */
	char probes[4][WGC_DOC_LINE];    /* what was sent packets to, "" unused */
	struct wgc_doc_report report;
};

/* Counts of each verdict over all interfaces; returns the worst (fail > warn > ok). */
enum wgc_doc_verdict wgc_doctor_summary(const struct wgc_doc_interface *ifs, size_t n, unsigned counts[5]);
void wgc_doctor_format_text(struct wgc_strbuf *out, const struct wgc_doc_interface *ifs, size_t n, bool color);
void wgc_doctor_format_json(struct wgc_strbuf *out, const struct wgc_doc_interface *ifs, size_t n);

#endif
