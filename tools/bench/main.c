// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal-bench: options and the order of the suite.
 *
 *   jitseal-bench [options]                 run, CSV on stdout
 *   jitseal-bench --smoke [options]         few iterations, TAP on stdout
 *   jitseal-bench report DIR FILE.csv...    tables, ratios, plot script
 */
#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

const struct method *const methods[] = {
	&method_lib, &method_ioctl, &method_memfd, &method_mprotect,
	&method_tmpfs, &method_disk,
};
const unsigned int nr_methods = sizeof(methods) / sizeof(methods[0]);

static bool usable[16], failed[16];
static const char *unusable_why[16];
static const char *clock_label = "native";
static bool smoke;
static unsigned int tap_n;

static bool in_list(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	while (p && *p) {
		if (!strncasecmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

bool method_selected(const struct bench_opts *o, const struct method *m)
{
	unsigned int i;

	for (i = 0; i < nr_methods; i++)
		if (methods[i] == m)
			break;
	if (i == nr_methods || !usable[i])
		return false;
	return !o->methods || in_list(o->methods, m->name);
}

bool method_wanted(const struct bench_opts *o, const struct method *m)
{
	unsigned int i;
	const char *why = "";

	for (i = 0; i < nr_methods; i++)
		if (methods[i] == m)
			return method_selected(o, m);
	if (o->methods && !in_list(o->methods, m->name))
		return false;
	if (m->probe(&why)) {
		out_note("method %s skipped: %s", m->name, why);
		return false;
	}
	return true;
}

void report_fail(const char *workload, const struct method *m,
		 const char *param, const char *why)
{
	unsigned int i;

	for (i = 0; i < nr_methods; i++)
		if (methods[i] == m)
			failed[i] = true;
	fprintf(stderr, "jitseal-bench: %s %s (%s): %s\n", workload, m->name,
		param, why);
	out_note("FAILED %s %s (%s): %s", workload, m->name, param, why);
}

void emit_stat(const struct bench_opts *o, const char *workload,
	       const char *method, const char *param, const char *metric,
	       const char *unit, double *v, unsigned int n)
{
	struct result r;

	memset(&r, 0, sizeof(r));
	snprintf(r.clock, sizeof(r.clock), "%s", o->clock_label);
	snprintf(r.workload, sizeof(r.workload), "%s", workload);
	snprintf(r.method, sizeof(r.method), "%s", method);
	snprintf(r.param, sizeof(r.param), "%s", param);
	snprintf(r.metric, sizeof(r.metric), "%s", metric);
	snprintf(r.unit, sizeof(r.unit), "%s", unit);
	stat3_of(v, n, &r.s);
	if (o->smoke)
		out_note("%s %s %s %s = %.1f %s", workload, method, param,
			 metric, r.s.median, unit);
	else
		out_result(&r);
}

void tap_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %u ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static const struct {
	const char *name;
	int (*run)(const struct bench_opts *o);
} workloads[] = {
	{ "W0", w0_run }, { "W1", w1_run }, { "W2", w2_run }, { "W3", w3_run },
	{ "W4", w4_run }, { "W5", w5_run }, { "W6", w6_run },
	{ "P6", p6_run }, { "P9", p9_run }, { "P10", p10_run },
	{ "P12", p12_run },
};
/* Workloads with one TAP result in the smoke test, not one per method. */
static const struct {
	const char *name, *tap;
} single_tap[] = {
	{ "W0", "bench_w0_reference_runs" },
	{ "P6", "bench_p6_jitseal_alloc_runs" },
	{ "P9", "bench_p9_jitseal_free_runs" },
	{ "P10", "bench_p10_concurrent_alloc_runs" },
	{ "P12", "bench_p12_slot_update_runs" },
};
#define NR_SINGLE (sizeof(single_tap) / sizeof(single_tap[0]))
#define NR_WORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

/* The smoke test's one result of a workload in single_tap[]: true if it is. */
static bool single_tap_result(const char *w, bool want, bool w_failed)
{
	unsigned int i;

	for (i = 0; i < NR_SINGLE; i++) {
		if (strcmp(single_tap[i].name, w))
			continue;
		if (want)
			tap_result(!failed[0] && !w_failed, "%s",
				   single_tap[i].tap);
		else
			tap_result(true, "%s # SKIP not selected",
				   single_tap[i].tap);
		return true;
	}
	return false;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: jitseal-bench [options]          run the suite, CSV on stdout\n"
		"       jitseal-bench report DIR CSV...  write DIR/results.md, ratios.txt, plot.gp\n"
		"options:\n"
		"  --clock LABEL    label of the figures: icount, tcg or native (default native)\n"
		"  --reps N         repetitions per figure (default 5)\n"
		"  --only LIST      workloads, e.g. W1,W3,P6,P9,P10 (default all)\n"
		"  --methods LIST   methods, e.g. jitseal,memfd (default all usable)\n"
		"  --tmpfs-dir DIR  directory of tmpfile-tmpfs (default /dev/shm)\n"
		"  --disk-dir DIR   directory of tmpfile-disk (not tmpfs; default: skipped)\n"
		"  --smoke          few iterations, small sizes, TAP output, no figures\n"
		"  --quick          fewer functions per figure\n"
		"  --w1-size BYTES  W1 at this function size only (16, 256, 4096, 65536)\n"
		"  --no-cgroup      stay in the caller's memory cgroup (default: own cgroup)\n");
	exit(2);
}

static void lower_name(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = src[i] == '-' ? '_' : (char)tolower((unsigned char)src[i]);
	dst[i] = 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "clock", required_argument, NULL, 'c' },
		{ "reps", required_argument, NULL, 'r' },
		{ "only", required_argument, NULL, 'o' },
		{ "methods", required_argument, NULL, 'm' },
		{ "tmpfs-dir", required_argument, NULL, 't' },
		{ "disk-dir", required_argument, NULL, 'd' },
		{ "smoke", no_argument, NULL, 's' },
		{ "quick", no_argument, NULL, 'q' },
		{ "w1-size", required_argument, NULL, 'z' },
		{ "no-cgroup", no_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = {
		.reps = 5,
		.w1_fns = { 256, 256, 256, 64 },
		.w2_fns = 1000,
		.w3_bytes = 16 << 20,
		.w4_fns = 10000,
		.w5_fns = 256,
		.w6_fns = 256,
		.p6_allocs = 1000000,
		.p9_fns = 100000,
		.p9_units = 10000,
		.p10_batches = 20,
	};
	unsigned int i, mi;
	bool quick = false, no_cgroup = false;
	int c, ret = 0;

	if (argc > 1 && !strcmp(argv[1], "report")) {
		if (argc < 4)
			usage();
		return out_report((const char *const *)argv + 3,
				  (unsigned int)(argc - 3), argv[2]);
	}
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'c': clock_label = optarg; break;
		case 'r': o.reps = (unsigned int)atoi(optarg); break;
		case 'o': o.only = optarg; break;
		case 'm': o.methods = optarg; break;
		case 't': tmpfile_tmpfs_dir = optarg; break;
		case 'd': tmpfile_disk_dir = optarg; break;
		case 's': smoke = true; break;
		case 'q': quick = true; break;
		case 'z': o.w1_size = (unsigned int)atoi(optarg); break;
		case 'g': no_cgroup = true; break;
		default: usage();
		}
	}
	if (optind != argc || !o.reps || o.reps > 64)
		usage();
	if (smoke) {
		o = (struct bench_opts){
			.reps = 1, .w1_fns = { 8, 8, 8, 4 }, .w2_fns = 20,
			.w3_bytes = 1 << 20, .w4_fns = 200, .w5_fns = 16,
			.w6_fns = 16, .p6_allocs = 10000,
			.p9_fns = 3000, .p9_units = 2000, .p10_batches = 1,
			.only = o.only, .methods = o.methods,
			.w1_size = o.w1_size,
		};
	} else if (quick) {
		o.w1_fns[0] = o.w1_fns[1] = o.w1_fns[2] = 64;
		o.w1_fns[3] = 16;
		o.w2_fns = 200;
		o.w3_bytes = 4 << 20;
		o.w4_fns = 2000;
		o.w5_fns = o.w6_fns = 64;
		o.p6_allocs = 100000;
		o.p9_fns = 20000;
		o.p9_units = 3000;
		o.p10_batches = 8;
	}
	o.smoke = smoke;
	o.clock_label = clock_label;

	if (smoke) {
		printf("TAP version 13\n1..%zu\n",
		       (NR_WORKLOADS - NR_SINGLE) * nr_methods + NR_SINGLE);
	} else {
		out_note("jitseal-bench: clock %s, %u repetitions per figure",
			 clock_label, o.reps);
		out_begin(stdout);
	}
	/*
	 * Run in a memory cgroup of our own, as a service or a user session
	 * does: in the root cgroup the kernel skips charging kernel memory,
	 * which would flatter every method that allocates in the kernel.
	 */
	if (no_cgroup)
		out_note("staying in the caller's cgroup (--no-cgroup)");
	else if (memstat_cgroup_enter())
		out_note("not in a memory cgroup of our own (not root, or no cgroup v2): W4 has no cgroup figures");
	else
		out_note("running in memory cgroup /sys/fs/cgroup/jitseal-bench");
	for (mi = 0; mi < nr_methods; mi++) {
		const char *why = "";

		usable[mi] = methods[mi]->probe(&why) == 0;
		unusable_why[mi] = why;
		if (!usable[mi])
			out_note("method %s skipped: %s", methods[mi]->name, why);
	}

	for (i = 0; i < NR_WORKLOADS; i++) {
		bool want = !o.only || in_list(o.only, workloads[i].name);
		char lw[8], lm[32];

		bool w_failed = false;

		memset(failed, 0, sizeof(failed));
		if (want) {
			if (!smoke)
				out_note("running %s", workloads[i].name);
			if (workloads[i].run(&o)) {
				ret = 1;
				w_failed = true;
			}
		}
		if (!smoke)
			continue;
		lower_name(lw, sizeof(lw), workloads[i].name);
		if (single_tap_result(workloads[i].name, want, w_failed))
			continue;
		for (mi = 0; mi < nr_methods; mi++) {
			lower_name(lm, sizeof(lm), methods[mi]->name);
			if (!want || !method_selected(&o, methods[mi]))
				tap_result(true, "bench_%s_%s_runs # SKIP %s", lw, lm,
					   !want || usable[mi] ? "not selected" :
					   unusable_why[mi]);
			else
				tap_result(!failed[mi], "bench_%s_%s_runs", lw, lm);
		}
	}
	return ret;
}
