// SPDX-License-Identifier: GPL-2.0
/*
 * Output.  A suite run prints one CSV row per figure (and '#' notes); the
 * report mode reads the CSV of one or more runs (icount, tcg, native) and
 * writes results.md (tables and ratio lines), ratios.txt, the plot data
 * and a gnuplot script for the PNG.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static FILE *csv_out;

void out_begin(FILE *csv)
{
	csv_out = csv;
	fprintf(csv_out, "clock,workload,method,param,metric,unit,n,median,min,max\n");
	fflush(csv_out);
}

void out_result(const struct result *r)
{
	if (!csv_out)
		return;
	fprintf(csv_out, "%s,%s,%s,%s,%s,%s,%u,%.3f,%.3f,%.3f\n", r->clock,
		r->workload, r->method, r->param, r->metric, r->unit, r->s.n,
		r->s.median, r->s.min, r->s.max);
	fflush(csv_out);
}

void out_note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* ---- report ---- */

static struct result *rows;
static size_t nrows, caprows;

static int load_csv(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f) {
		fprintf(stderr, "jitseal-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct result r;
		char *fld[10], *p = line, *c;
		int i;

		if (line[0] == '#' || !strncmp(line, "clock,", 6))
			continue;
		line[strcspn(line, "\r\n")] = 0;
		for (i = 0; i < 10 && p; i++) {
			fld[i] = p;
			c = strchr(p, ',');
			if (c)
				*c++ = 0;
			p = c;
		}
		if (i < 10)
			continue;
		memset(&r, 0, sizeof(r));
		snprintf(r.clock, sizeof(r.clock), "%s", fld[0]);
		snprintf(r.workload, sizeof(r.workload), "%s", fld[1]);
		snprintf(r.method, sizeof(r.method), "%s", fld[2]);
		snprintf(r.param, sizeof(r.param), "%s", fld[3]);
		snprintf(r.metric, sizeof(r.metric), "%s", fld[4]);
		snprintf(r.unit, sizeof(r.unit), "%s", fld[5]);
		r.s.n = (unsigned int)strtoul(fld[6], NULL, 10);
		r.s.median = strtod(fld[7], NULL);
		r.s.min = strtod(fld[8], NULL);
		r.s.max = strtod(fld[9], NULL);
		if (nrows == caprows) {
			struct result *n;

			caprows = caprows ? caprows * 2 : 256;
			n = realloc(rows, caprows * sizeof(*n));
			if (!n) {
				fclose(f);
				return -1;
			}
			rows = n;
		}
		rows[nrows++] = r;
	}
	fclose(f);
	return 0;
}

static const struct result *find(const char *clock, const char *w,
				 const char *m, const char *param,
				 const char *metric)
{
	size_t i;

	for (i = 0; i < nrows; i++)
		if (!strcmp(rows[i].clock, clock) &&
		    !strcmp(rows[i].workload, w) && !strcmp(rows[i].method, m) &&
		    !strcmp(rows[i].param, param) &&
		    !strcmp(rows[i].metric, metric))
			return &rows[i];
	return NULL;
}

static double get(const char *clock, const char *w, const char *m,
		  const char *param, const char *metric)
{
	const struct result *r = find(clock, w, m, param, metric);

	return r ? r->s.median : NAN;
}

/* Distinct values of one field, in order of appearance. */
#define MAXD	32
static unsigned int distinct(const char *clock, const char *w,
			     const char *metric, bool methods,
			     const char *out[MAXD])
{
	unsigned int n = 0, j;
	size_t i;

	for (i = 0; i < nrows; i++) {
		const char *v;

		if (strcmp(rows[i].clock, clock) || strcmp(rows[i].workload, w) ||
		    (metric && strcmp(rows[i].metric, metric)))
			continue;
		v = methods ? rows[i].method : rows[i].param;
		for (j = 0; j < n && strcmp(out[j], v); j++)
			;
		if (j == n && n < MAXD)
			out[n++] = v;
	}
	return n;
}

static void fmt(char *buf, size_t len, double v)
{
	char raw[64], *dot;
	int i, j, digits;

	if (isnan(v)) {
		snprintf(buf, len, "-");
		return;
	}
	if (fabs(v) >= 100)
		snprintf(raw, sizeof(raw), "%.0f", v);
	else if (fabs(v) >= 10)
		snprintf(raw, sizeof(raw), "%.1f", v);
	else
		snprintf(raw, sizeof(raw), "%.2f", v);
	/* thousands separators from 10,000 up */
	dot = strchr(raw, '.');
	digits = dot ? (int)(dot - raw) : (int)strlen(raw);
	if (raw[0] == '-')
		digits--;
	if (digits < 5) {
		snprintf(buf, len, "%s", raw);
		return;
	}
	for (i = 0, j = 0; raw[i] && j < (int)len - 2; i++) {
		int left = (dot ? (int)(dot - raw) : (int)strlen(raw)) - i;

		buf[j++] = raw[i];
		if (raw[i] != '-' && left > 1 && (left - 1) % 3 == 0)
			buf[j++] = ',';
	}
	buf[j] = 0;
}

static void cell(char *buf, size_t len, const struct result *r)
{
	char a[24], b[24], c[24];

	if (!r) {
		snprintf(buf, len, "-");
		return;
	}
	fmt(a, sizeof(a), r->s.median);
	if (r->s.n > 1 && r->s.median > 0 &&
	    (r->s.max - r->s.min) / r->s.median > 0.01) {
		fmt(b, sizeof(b), r->s.min);
		fmt(c, sizeof(c), r->s.max);
		snprintf(buf, len, "%s (%s–%s)", a, b, c);
	} else {
		snprintf(buf, len, "%s", a);
	}
}

static void table(FILE *f, const char *clock, const char *w,
		  const char *metric, const char *title)
{
	const char *cols[MAXD], *ms[MAXD];
	unsigned int nc, nm, i, j;
	const struct result *any = NULL;
	char buf[96];

	nc = distinct(clock, w, metric, false, cols);
	nm = distinct(clock, w, metric, true, ms);
	if (!nc || !nm)
		return;
	for (i = 0; i < nrows && !any; i++)
		if (!strcmp(rows[i].clock, clock) && !strcmp(rows[i].workload, w) &&
		    !strcmp(rows[i].metric, metric))
			any = &rows[i];
	fprintf(f, "\n**%s %s** (%s, %s; median of %u, min–max shown when they differ by more than 1%%)\n\n",
		w, title, any->unit, clock, any->s.n);
	fprintf(f, "| method |");
	for (j = 0; j < nc; j++)
		fprintf(f, " %s |", cols[j]);
	fprintf(f, "\n|---|");
	for (j = 0; j < nc; j++)
		fprintf(f, "---:|");
	fprintf(f, "\n");
	for (i = 0; i < nm; i++) {
		fprintf(f, "| %s |", ms[i]);
		for (j = 0; j < nc; j++) {
			cell(buf, sizeof(buf), find(clock, w, ms[i], cols[j], metric));
			fprintf(f, " %s |", buf);
		}
		fprintf(f, "\n");
	}
}

/* W4 and P6 have one value per metric: methods as rows, metrics as columns. */
static void table_metrics(FILE *f, const char *clock, const char *w,
			  const char *param, const char *title)
{
	const char *ms[MAXD], *mets[MAXD];
	unsigned int nm, nmet = 0, i, j;
	char buf[96];
	size_t k;

	nm = distinct(clock, w, NULL, true, ms);
	for (k = 0; k < nrows; k++) {
		if (strcmp(rows[k].clock, clock) || strcmp(rows[k].workload, w))
			continue;
		for (j = 0; j < nmet && strcmp(mets[j], rows[k].metric); j++)
			;
		if (j == nmet && nmet < MAXD)
			mets[nmet++] = rows[k].metric;
	}
	if (!nm)
		return;
	fprintf(f, "\n**%s %s** (%s, %s)\n\n| method |", w, title, param, clock);
	for (j = 0; j < nmet; j++) {
		const struct result *r = NULL;

		for (k = 0; k < nrows && !r; k++)
			if (!strcmp(rows[k].clock, clock) &&
			    !strcmp(rows[k].workload, w) &&
			    !strcmp(rows[k].metric, mets[j]))
				r = &rows[k];
		fprintf(f, " %s (%s) |", mets[j], r->unit);
	}
	fprintf(f, "\n|---|");
	for (j = 0; j < nmet; j++)
		fprintf(f, "---:|");
	fprintf(f, "\n");
	for (i = 0; i < nm; i++) {
		fprintf(f, "| %s |", ms[i]);
		for (j = 0; j < nmet; j++) {
			cell(buf, sizeof(buf), find(clock, w, ms[i], param, mets[j]));
			fprintf(f, " %s |", buf);
		}
		fprintf(f, "\n");
	}
}

static FILE *ratio_files[2];

__attribute__((format(printf, 1, 2))) static void rline(const char *f, ...)
{
	unsigned int i;
	va_list ap;

	for (i = 0; i < 2; i++) {
		if (!ratio_files[i])
			continue;
		va_start(ap, f);
		vfprintf(ratio_files[i], f, ap);
		va_end(ap);
		fputc('\n', ratio_files[i]);
	}
}

static const char *verdict(bool met)
{
	return met ? "met" : "MISSED";
}

static void ratio_set(const char *clock, const char *tag, const char *w,
		      const char *param, const char *metric, const char *target_m,
		      double limit, bool at_most)
{
	const char *ms[MAXD];
	unsigned int nm, i;
	double base = get(clock, w, "jitseal", param, metric);

	nm = distinct(clock, w, metric, true, ms);
	if (isnan(base))
		return;
	for (i = 0; i < nm; i++) {
		double v = get(clock, w, ms[i], param, metric), r = base / v;
		char tgt[64] = "";

		if (!strcmp(ms[i], "jitseal") || isnan(v))
			continue;
		if (target_m && !strcmp(ms[i], target_m))
			snprintf(tgt, sizeof(tgt), "   target %s %.2f: %s",
				 at_most ? "<=" : ">=", limit,
				 verdict(at_most ? r <= limit : r >= limit));
		rline("%s jitseal/%s = %.2f   [%s, %s %s]%s", tag, ms[i], r,
		      clock, w, param, tgt);
	}
}

/* P9: eviction with jitseal_free() against a pool per unit. */
static void ratio_p9(const char *clock)
{
	const char *p = "size=256 live=1000";
	double r = get(clock, "P9", "jitseal-free", p, "pages_ratio");
	double fds = get(clock, "P9", "jitseal-free", p, "fds");
	double vmas = get(clock, "P9", "jitseal-free", p, "vmas_grown");
	double c = get(clock, "P9", "jitseal-free", p, "cycle");
	double u = get(clock, "P9", "pool-per-unit", p, "cycle");
	double ur = get(clock, "P9", "pool-per-unit", p, "pages_ratio");
	double ufd = get(clock, "P9", "pool-per-unit", p, "fds");
	double uv = get(clock, "P9", "pool-per-unit", p, "vmas");

	if (isnan(r))
		return;
	rline("P9 jitseal_free pages held / live pages = %.2f   target <= 1.1: %s",
	      r, verdict(r <= 1.1));
	rline("P9 jitseal_free holds %.0f fd(s), VMAs grown %.0f after the working set   target <= 1 fd, VMAs constant: %s",
	      fds, vmas, verdict(fds <= 1 && vmas <= 4));
	if (!isnan(u))
		rline("P9 free+reuse cycle / pool-per-unit cycle = %.3f (%.0f / %.0f ns); a pool per unit holds %.1fx the live pages, %.0f fds, %.0f VMAs",
		      c / u, c, u, ur, ufd, uv);
}

/* P7 and the library's cost over the raw ABI at every W1 and W2 point. */
static void ratio_lib(const char *clock)
{
	static const char *const ws[2] = { "W1", "W2" };
	const char *cols[MAXD];
	unsigned int w, j, nc;
	double r;

	r = get(clock, "W1", "jitseal", "size=65536", "install_per_fn") /
	    get(clock, "W1", "jitseal-ioctl", "size=65536", "install_per_fn");
	if (!isnan(r))
		rline("P7 jitseal/jitseal-ioctl = %.2f   [%s, W1 size=65536]   target <= 1.10: %s",
		      r, clock, verdict(r <= 1.10));
	for (w = 0; w < 2; w++) {
		nc = distinct(clock, ws[w], "install_per_fn", false, cols);
		for (j = 0; j < nc; j++) {
			r = get(clock, ws[w], "jitseal", cols[j], "install_per_fn") /
			    get(clock, ws[w], "jitseal-ioctl", cols[j],
				"install_per_fn");
			if (!isnan(r))
				rline("LIB jitseal/jitseal-ioctl = %.2f   [%s, %s %s]   target <= 1.20: %s",
				      r, clock, ws[w], cols[j], verdict(r <= 1.20));
		}
	}
}

/*
 * P3: cost per byte of W3's bulk install against the memfd alias's copy
 * of the same bytes (under icount, instructions per byte), with the
 * jitseal finalize split into its LOADs and the user side, and the user
 * side of the memfd copy counted by callgrind on the host.
 */
static void ratio_p3(const char *clock)
{
	const char *ps[MAXD], *p, *u;
	double j, mf, lo, us, cg, warm, cold, io;

	if (!distinct(clock, "W3", "cost_per_byte", false, ps))
		return;
	p = ps[0];
	u = !strcmp(clock, "icount") ? "instructions" : "ns";
	j = get(clock, "W3", "jitseal", p, "cost_per_byte");
	io = get(clock, "W3", "jitseal-ioctl", p, "cost_per_byte");
	mf = get(clock, "W3", "memfd", p, "cost_per_byte");
	lo = get(clock, "W3", "jitseal", p, "load_per_byte");
	us = get(clock, "W3", "jitseal", p, "rest_per_byte");
	warm = get(clock, "W3", "memcpy", p, "cost_per_byte");
	cold = get(clock, "W3", "memcpy-cold", p, "cost_per_byte");
	cg = get("callgrind", "W3", "memfd", "bytes=16MiB", "user_per_byte");
	if (!isnan(j))
		rline("P3 jitseal install = %.3f %s per byte (inside the LOADs %.3f, rest of the finalize %.4f); jitseal-ioctl %.3f; memfd alias copy %.3f; memcpy %.3f, memcpy-cold %.3f   [%s, W3 %s]",
		      j, u, lo, us, io, mf, warm, cold, clock, p);
	else if (!isnan(mf))
		rline("P3 memfd alias copy = %.3f %s per byte; memcpy %.3f, memcpy-cold %.3f   [%s, W3 %s]",
		      mf, u, warm, cold, clock, p);
	if (!isnan(j) && !isnan(mf))
		rline("P3 jitseal/memfd per byte = %.2f   [%s, W3 %s]   target <= 1.25 (80%% of the alias copy's throughput): %s",
		      j / mf, clock, p, verdict(j / mf <= 1.25));
	if (!isnan(us) && !isnan(cg))
		rline("P3 outside the kernel's copy, per byte: jitseal %.4f (%s, the finalize minus its LOADs), memfd alias copy %.4f (callgrind on the host: user space only)",
		      us, clock, cg);
	if (!strcmp(clock, "callgrind") && !isnan(cg))
		rline("P3 memfd alias copy, user side = %.4f instructions per byte (callgrind: user space only)",
		      cg);
}

/*
 * P12: a sealed slot update against patching a call rel32 under an
 * mprotect toggle, and against an unprotected RW pointer store.
 */
static void ratio_p12(const char *clock)
{
	double one = get(clock, "P12", "slot-set", "updates=1", "per_update");
	double batch = get(clock, "P12", "slot-set", "updates=100",
			   "per_update");
	double tog = get(clock, "P12", "mprotect-rel32", "updates=1",
			 "per_update");
	double rw = get(clock, "P12", "rw-store", "updates=1", "per_update");
	double spread = get(clock, "P12", "slot-set", "updates=100 targets=100",
			    "per_update");

	if (isnan(one) || isnan(tog))
		return;
	rline("P12 slot update = %.0f, in a batch of 100 %.0f per update (%.0f with a target each); mprotect-toggle rel32 patch %.0f; RW pointer store %.1f   [%s, per update]",
	      one, batch, spread, tog, rw, clock);
	rline("P12 slot/mprotect-rel32 = %.2f   [%s]   target <= 0.50: %s",
	      one / tog, clock, verdict(one / tog <= 0.5));
	if (!isnan(batch))
		rline("P12 slot batch of 100, per update/mprotect-rel32 = %.3f   [%s]   target <= 0.10: %s",
		      batch / tog, clock, verdict(batch / tog <= 0.1));
	if (!isnan(spread))
		rline("P12 slot batch of 100 to 100 targets, per update/mprotect-rel32 = %.3f   [%s]   target <= 0.10: %s",
		      spread / tog, clock, verdict(spread / tog <= 0.1));
}

/* P10: allocation latency, 8 threads on one pool against 1 thread. */
static const char *const p10_order[] = {
	"jitseal", "jitseal-memfd", "jitseal-ioctl", "memfd", "mprotect",
};

static void ratio_p10(const char *clock, const char *m)
{
	const char *sh = "threads=8 pool=shared", *one = "threads=1";
	const struct result *mx8 = find(clock, "P10", m, sh, "alloc_max");
	const struct result *mx1 = find(clock, "P10", m, one, "alloc_max");
	const struct result *wt = find(clock, "P10", m, sh, "waits_on_load");
	/* the means of all repetitions' allocations together */
	double m8 = get(clock, "P10", m, sh, "alloc_mean_all");
	double m1 = get(clock, "P10", m, one, "alloc_mean_all");
	double own = get(clock, "P10", m, "threads=8 pool=own", "alloc_mean_all");
	double wf;
	bool lib = !strncmp(m, "jitseal", 7) && strcmp(m, "jitseal-ioctl");
	char a[24], b[24];

	if (isnan(m8) || isnan(m1) || !mx8 || !mx1 || !wt)
		return;
	fmt(a, sizeof(a), mx8->s.max);
	fmt(b, sizeof(b), mx1->s.max);
	rline("P10 %s alloc latency, 8 threads on one pool: mean %.0f ns, p50 %.0f, p99 %.0f, max %s; 1 thread: mean %.0f, p50 %.0f, p99 %.0f, max %s; 8 threads, a pool each: mean %.0f   [%s, %.0f allocations per repetition; means of all repetitions, p50/p99 their median, max the worst]",
	      m, m8, get(clock, "P10", m, sh, "alloc_p50"),
	      get(clock, "P10", m, sh, "alloc_p99"), a, m1,
	      get(clock, "P10", m, one, "alloc_p50"),
	      get(clock, "P10", m, one, "alloc_p99"), b, own, clock,
	      get(clock, "P10", m, sh, "allocs"));
	rline("P10 %s mean 8 threads / 1 thread = %.2f   target: mean within 2x of single-thread: %s",
	      m, m8 / m1, lib ? verdict(m8 / m1 <= 2.0) : "(not the library)");
	wf = get(clock, "P10", m, sh, "waits_faulted");
	if (isnan(wf))
		snprintf(a, sizeof(a), "-");
	else
		snprintf(a, sizeof(a), "%.0f", wf);
	rline("P10 %s allocations that waited on another thread's LOAD: %.0f (at most %.0f in a repetition; %s of them page-faulted), slept %.0f, preempted %.0f   target: none%s%s",
	      m, wt->s.median, wt->s.max, a,
	      get(clock, "P10", m, sh, "slept"),
	      get(clock, "P10", m, sh, "preempted"), lib ? ": " : " (not the library)",
	      lib ? verdict(wt->s.max == 0) : "");
}

static void ratios(const char *clock)
{
	const char *ms[MAXD];
	unsigned int nm, i, e;
	double d, v;

	rline("## ratios, %s clock (install cost: below 1 means jitseal is cheaper)",
	      clock);
	ratio_set(clock, "P1", "W1", "size=256", "install_per_fn", "mprotect",
		  0.15, true);
	if (!isnan(get(clock, "W1", "memfd", "size=256", "install_per_fn")) &&
	    !isnan(get(clock, "W1", "jitseal", "size=256", "install_per_fn"))) {
		double r = get(clock, "W1", "jitseal", "size=256", "install_per_fn") /
			   get(clock, "W1", "memfd", "size=256", "install_per_fn");

		rline("P1 jitseal/memfd = %.2f   target <= 2.00: %s", r,
		      verdict(r <= 2.0));
	}
	ratio_set(clock, "P2", "W2", "size=256 batch=100", "install_per_fn",
		  "memfd", 1.0, true);
	ratio_lib(clock);
	ratio_p3(clock);
	/* P4: absolute figures, then jitseal against each method */
	d = get(clock, "W4", "jitseal", "random=16..4096", "density");
	v = get(clock, "W4", "jitseal", "random=16..4096", "vmas");
	if (!isnan(d)) {
		rline("P4 jitseal density = %.1f%%   target >= 98%%: %s", d,
		      verdict(d >= 98.0));
		rline("P4 jitseal vmas = %.0f   target 1: %s", v,
		      verdict(v == 1));
		nm = distinct(clock, "W4", "density", true, ms);
		for (i = 0; i < nm; i++) {
			double od = get(clock, "W4", ms[i], "random=16..4096",
					"density");
			double ov = get(clock, "W4", ms[i], "random=16..4096",
					"vmas");

			if (strcmp(ms[i], "jitseal"))
				rline("P4 jitseal/%s density = %.2f   (%s: %.1f%%, %.0f VMAs)",
				      ms[i], d / od, ms[i], od, ov);
		}
	}
	/* P5: the P1 ratio with executors against without */
	for (e = 1; e <= 2; e++) {
		char p0[40], pe[40];
		const char *others[MAXD];
		unsigned int no;

		snprintf(p0, sizeof(p0), "size=256 executors=0");
		snprintf(pe, sizeof(pe), "size=256 executors=%u", e);
		no = distinct(clock, "W5", "install_per_fn", true, others);
		for (i = 0; i < no; i++) {
			double r0 = get(clock, "W5", "jitseal", p0, "install_per_fn") /
				    get(clock, "W5", others[i], p0, "install_per_fn");
			double re = get(clock, "W5", "jitseal", pe, "install_per_fn") /
				    get(clock, "W5", others[i], pe, "install_per_fn");
			char tgt[96] = "";

			if (!strcmp(others[i], "jitseal") || isnan(r0) || isnan(re))
				continue;
			if (!strcmp(others[i], "mprotect"))
				snprintf(tgt, sizeof(tgt),
					 "   target change within 10%%: %s",
					 verdict(fabs(re / r0 - 1) <= 0.10));
			rline("P5 jitseal/%s = %.2f with %u executor%s, %.2f without (%+.1f%%)%s",
			      others[i], re, e, e > 1 ? "s" : "", r0,
			      100 * (re / r0 - 1), tgt);
		}
		d = get(clock, "W5", "jitseal", pe, "install_per_fn") /
		    get(clock, "W5", "jitseal", p0, "install_per_fn");
		if (!isnan(d))
			rline("P5 jitseal alone with %u executor%s / without = %.2f",
			      e, e > 1 ? "s" : "", d);
	}
	/* W6: four installers in a shared pool */
	ratio_set(clock, "W6", "W6", "threads=4 pool=shared", "install_per_fn",
		  NULL, 0, true);
	/* P6 */
	d = get(clock, "P6", "jitseal", "size=16", "alloc");
	v = get(clock, "P6", "empty-call", "size=16", "alloc");
	if (!isnan(d)) {
		bool instr = !strcmp(clock, "icount") ||
			     !strcmp(clock, "callgrind");
		const char *u = instr ? "instructions" : "ns";
		char tgt[48] = "";
		/* the loop and an empty call are not the library's */
		double net = isnan(v) ? d : d - v;

		if (instr)
			snprintf(tgt, sizeof(tgt), "   target <= 50: %s",
				 verdict(net <= 50));
		if (isnan(v))
			rline("P6 jitseal_alloc = %.1f %s per allocation%s", d,
			      u, tgt);
		else
			rline("P6 jitseal_alloc = %.1f %s per allocation (%.1f measured, minus %.1f for the loop and an empty call)%s",
			      net, u, d, v, tgt);
	}
	ratio_p9(clock);
	for (i = 0; i < sizeof(p10_order) / sizeof(p10_order[0]); i++)
		ratio_p10(clock, p10_order[i]);
	ratio_p12(clock);
}

/* The same colour and point for a method in every panel. */
static unsigned int plot_style(const char *method)
{
	static const char *const order[] = {
		"jitseal", "jitseal-ioctl", "memfd", "mprotect",
		"tmpfile-tmpfs", "tmpfile-disk", "jitseal-memfd",
	};
	unsigned int i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (!strcmp(order[i], method))
			return i + 1;
	return 8;
}

static int col_of(const char *const *ms, unsigned int nm, const char *m)
{
	unsigned int i;

	for (i = 0; i < nm; i++)
		if (!strcmp(ms[i], m))
			return (int)i + 2;
	return 0;
}

static const char *unit_of(const char *clock)
{
	return strcmp(clock, "icount") ? "ns" : "instructions (icount ns)";
}

/*
 * The target lines of W1 and W2: the library within 1.2x of the raw ABI
 * at every point, and P1's 2x memfd (W1) as dashed lines; P2's "at most
 * memfd at 100 per finalize" as one target mark.
 */
static void plot_targets(FILE *gp, const char *dat, unsigned int w,
			 const char *const *ms, unsigned int nm)
{
	int io = col_of(ms, nm, "jitseal-ioctl"), mf = col_of(ms, nm, "memfd");

	if (!col_of(ms, nm, "jitseal"))
		return;
	if (io)
		fprintf(gp, ", \\\n     '%s' using 1:($%d*1.2) title 'target: 1.2 x jitseal-ioctl' with lines ls 2 dt 2",
			dat, io);
	if (mf && !w)
		fprintf(gp, ", \\\n     '%s' using 1:($%d*2) title 'target P1 (256 B): 2 x memfd' with lines ls 3 dt 2",
			dat, mf);
	if (mf && w)
		fprintf(gp, ", \\\n     '%s' using 1:($1 == 100 ? $%d : 1/0) title 'target P2: at most memfd at 100' with points pt 3 ps 3 lc rgb 'black'",
			dat, mf);
}

/* W1 and W2: cost per function against size and against batch size. */
static void plot_w12(const char *dir, const char *clock, FILE *gp,
		     unsigned int w, unsigned int *panel)
{
	static const char *const ws[2] = { "W1", "W2" };
	const char *cols[MAXD], *ms[MAXD];
	unsigned int nc, nm, i, j;
	char path[4096], dat[64];
	FILE *f;

	nc = distinct(clock, ws[w], "install_per_fn", false, cols);
	nm = distinct(clock, ws[w], "install_per_fn", true, ms);
	if (!nc || !nm)
		return;
	snprintf(dat, sizeof(dat), "plot-%s-%s.dat", clock, ws[w]);
	snprintf(path, sizeof(path), "%s/%s", dir, dat);
	f = fopen(path, "we");
	if (!f)
		return;
	fprintf(f, "# x");
	for (i = 0; i < nm; i++)
		fprintf(f, " %s", ms[i]);
	fprintf(f, "\n");
	for (j = 0; j < nc; j++) {
		const char *x = strrchr(cols[j], '=');

		fprintf(f, "%s", x ? x + 1 : cols[j]);
		for (i = 0; i < nm; i++) {
			double v = get(clock, ws[w], ms[i], cols[j],
				       "install_per_fn");

			if (isnan(v))
				fprintf(f, " ?");
			else
				fprintf(f, " %.3f", v);
		}
		fprintf(f, "\n");
	}
	fclose(f);
	fprintf(gp, "set logscale xy\nunset xtics\nset xtics\nset key %s\n",
		w ? "bottom left" : "bottom right");
	fprintf(gp, "set title '%s: %s, %s clock'\n", ws[w],
		w ? "256-byte functions by batch size" :
		    "one function per finalize, by size", clock);
	fprintf(gp, "set xlabel '%s'\n", w ? "functions per finalize" :
		"function size (bytes)");
	fprintf(gp, "set ylabel 'install cost per function (%s)'\n",
		unit_of(clock));
	fprintf(gp, "plot ");
	for (i = 0; i < nm; i++)
		fprintf(gp, "%s'%s' using 1:%u title '%s' with linespoints ls %u",
			i ? ", \\\n     " : "", dat, i + 2, ms[i],
			plot_style(ms[i]));
	plot_targets(gp, dat, w, ms, nm);
	fprintf(gp, "\n");
	(*panel)++;
}

/* W3 (P3): cost per byte of the bulk install, one point per method. */
static void plot_w3(const char *dir, const char *clock, FILE *gp,
		    unsigned int *panel)
{
	const char *ms[MAXD], *ps[MAXD];
	char path[4096], dat[64];
	unsigned int nm, i;
	double mf;
	FILE *f;

	nm = distinct(clock, "W3", "cost_per_byte", true, ms);
	if (!nm || !distinct(clock, "W3", "cost_per_byte", false, ps))
		return;
	snprintf(dat, sizeof(dat), "plot-%s-W3.dat", clock);
	snprintf(path, sizeof(path), "%s/%s", dir, dat);
	f = fopen(path, "we");
	if (!f)
		return;
	fprintf(f, "# index method cost_per_byte style\n");
	for (i = 0; i < nm; i++)
		fprintf(f, "%u %s %.4f %u\n", i + 1, ms[i],
			get(clock, "W3", ms[i], ps[0], "cost_per_byte"),
			plot_style(ms[i]));
	fclose(f);
	mf = get(clock, "W3", "memfd", ps[0], "cost_per_byte");
	fprintf(gp, "unset logscale x\nset logscale y\nset xtics rotate by -30\nset key bottom right\n");
	fprintf(gp, "set title 'W3 (P3): bulk install of %s, cost per byte, %s clock'\n",
		ps[0] + (strncmp(ps[0], "bytes=", 6) ? 0 : 6), clock);
	fprintf(gp, "set xlabel 'method'\nset ylabel 'per byte (%s)'\n",
		unit_of(clock));
	fprintf(gp, "plot [0:%u] '%s' using 1:3:4:xtic(2) title 'cost per byte' with points pt 7 ps 2 lc variable",
		nm + 1, dat);
	if (!isnan(mf))
		fprintf(gp, ", \\\n     %.4f title 'target P3: 1.25 x memfd' with lines ls 3 dt 2",
			1.25 * mf);
	fprintf(gp, "\nset xtics norotate\nset key top left\n");
	(*panel)++;
}

/* P10: allocation latency statistics, 8 threads on one pool and 1 thread. */
static void plot_p10(const char *dir, const char *clock, FILE *gp,
		     unsigned int *panel)
{
	static const char *const st[4] = { "mean", "p50", "p99", "max" };
	static const char *const pr[2] = { "threads=8 pool=shared", "threads=1" };
	const char *ms[MAXD];
	char path[4096], dat[64], met[32];
	unsigned int nm, i, k, s, n = 0;
	double lib1 = NAN;
	FILE *f;

	nm = distinct(clock, "P10", "alloc_mean", true, ms);
	if (!nm)
		return;
	snprintf(dat, sizeof(dat), "plot-%s-P10.dat", clock);
	snprintf(path, sizeof(path), "%s/%s", dir, dat);
	f = fopen(path, "we");
	if (!f)
		return;
	fprintf(f, "# index stat, then per method: 8 threads shared, 1 thread\n");
	for (s = 0; s < 4; s++) {
		fprintf(f, "%u %s", s + 1, st[s]);
		for (i = 0; i < nm; i++)
			for (k = 0; k < 2; k++) {
				const struct result *r;

				snprintf(met, sizeof(met), "alloc_%s%s", st[s],
					 s ? "" : "_all");
				r = find(clock, "P10", ms[i], pr[k], met);
				if (!r)
					fprintf(f, " ?");
				else
					fprintf(f, " %.3f", s == 3 ? r->s.max : r->s.median);
			}
		fprintf(f, "\n");
	}
	fclose(f);
	for (i = 0; i < nm && isnan(lib1); i++)
		if (!strcmp(ms[i], "jitseal") || !strcmp(ms[i], "jitseal-memfd"))
			lib1 = get(clock, "P10", ms[i], pr[1], "alloc_mean_all");
	fprintf(gp, "unset logscale x\nset logscale y\nset key outside right top\n");
	fprintf(gp, "set title 'P10, %s clock: one allocation; filled: 8 threads, one pool; open: 1 thread'\n",
		clock);
	fprintf(gp, "set xlabel 'statistic over all allocations (max: worst repetition)'\n");
	if (!isnan(lib1)) {
		fprintf(gp, "set arrow 1 from 0.55,%.3f to 1.45,%.3f nohead lw 2 lc rgb 'black' dt 2 front\n",
			2 * lib1, 2 * lib1);
		fprintf(gp, "set label 1 'target: 2 x library 1-thread mean' at 0.6,%.3f offset 0,0.7 front font 'sans,8'\n",
			2 * lib1);
	}
	fprintf(gp, "set xtics (\"mean\" 1, \"p50\" 2, \"p99\" 3, \"max\" 4)\n");
	fprintf(gp, "set ylabel 'latency (ns)'\nplot [0.5:4.5] ");
	for (i = 0; i < nm; i++)
		for (k = 0; k < 2; k++, n++)
			fprintf(gp, "%s'%s' using ($1 - 0.3 + %.3f):%u title '%s%s' with points ls %u pt %u ps 1.5",
				n ? ", \\\n     " : "", dat,
				nm > 1 ? 0.6 * i / (nm - 1) : 0.3, 3 + 2 * i + k,
				ms[i],
				k ? ", 1 thread" : ", 8 threads",
				plot_style(ms[i]), k ? 6U : 7U);
	fprintf(gp, "\nunset arrow 1\nunset label 1\nset key inside top left\nset xtics auto\n");
	(*panel)++;
}

/* Plot data and panels of one clock: one panel per workload. */
static void plot_data(const char *dir, const char *clock, FILE *gp,
		      unsigned int *panel)
{
	unsigned int first = *panel;

	plot_w12(dir, clock, gp, 0, panel);
	plot_w12(dir, clock, gp, 1, panel);
	plot_w3(dir, clock, gp, panel);
	plot_p10(dir, clock, gp, panel);
	if ((*panel - first) % 2) {	/* the next clock starts a row */
		fprintf(gp, "set multiplot next\n");
		(*panel)++;
	}
}

int out_report(const char *const *csv_files, unsigned int n, const char *dir)
{
	static const char *const clocks[4] = { "icount", "tcg", "native",
					       "callgrind" };
	static const struct {
		const char *w, *metric, *title;
	} tabs[] = {
		{ "W0", "cost", "reference costs per call (system calls, copies)" },
		{ "W1", "install_per_fn", "install cost per function, one per finalize, by size" },
		{ "W1", "first_call_per_fn", "first call per function, by size" },
		{ "W2", "install_per_fn", "install cost per 256 B function, by functions per finalize" },
		{ "W2", "first_call_per_fn", "first call per function, by functions per finalize" },
		{ "W3", "throughput", "bulk install throughput (finalize only)" },
		{ "W3", "finalize", "bulk install time (finalize only)" },
		{ "W3", "cost_per_byte", "bulk install cost per byte (finalize only; icount: instructions)" },
		{ "W3", "load_per_byte", "of which inside the LOAD ioctls, per byte" },
		{ "W3", "rest_per_byte", "of which the rest of the finalize around the LOADs, per byte" },
		{ "W5", "install_per_fn", "install cost per 256 B function (installer thread CPU time) while executors run code of the pool" },
		{ "W5", "wall_per_fn", "install cost per 256 B function (wall clock) while executors run code of the pool" },
		{ "W6", "install_per_fn", "install cost per 256 B function per installer thread (thread CPU time)" },
		{ "W6", "wall_per_fn", "wall time per function, all installer threads together" },
	};
	static const char *const colors[8] = {
		"#d62728", "#2ca02c", "#1f77b4", "#9467bd",
		"#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f",
	};
	char path[4096], *body = NULL;
	size_t body_len = 0;
	unsigned int i, c, panels = 0;
	FILE *md, *rt, *gp, *gb;

	for (i = 0; i < n; i++)
		if (load_csv(csv_files[i]))
			return 1;
	snprintf(path, sizeof(path), "%s/results.md", dir);
	md = fopen(path, "we");
	snprintf(path, sizeof(path), "%s/ratios.txt", dir);
	rt = fopen(path, "we");
	gb = open_memstream(&body, &body_len);
	if (!md || !rt || !gb) {
		fprintf(stderr, "jitseal-bench: cannot write into %s\n", dir);
		return 1;
	}
	fprintf(md, "<!-- written by tools/bench/run (jitseal-bench report); do not edit -->\n");
	fprintf(md, "# jitseal benchmark results\n");
	for (c = 0; c < 4; c++) {
		const char *clock = clocks[c];
		const char *ws[MAXD];

		if (!distinct(clock, "W1", NULL, true, ws) &&
		    !distinct(clock, "W0", NULL, true, ws) &&
		    !distinct(clock, "P6", NULL, true, ws) &&
		    !distinct(clock, "P9", NULL, true, ws) &&
		    !distinct(clock, "P10", NULL, true, ws) &&
		    !distinct(clock, "W3", NULL, true, ws) &&
		    !distinct(clock, "W4", NULL, true, ws))
			continue;
		fprintf(md, "\n## %s clock\n", clock);
		for (i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++)
			table(md, clock, tabs[i].w, tabs[i].metric, tabs[i].title);
		table_metrics(md, clock, "W4", "random=16..4096",
			      "10,000 functions of random size, one per finalize, in one pool");
		table_metrics(md, clock, "P6", "size=16",
			      "cost of one jitseal_alloc() of 16 bytes");
		table_metrics(md, clock, "P9", "size=256 live=1000",
			      "a JIT that evicts: 256 B functions, 1,000 live");
		table_metrics(md, clock, "P10", "threads=1",
			      "allocation latency, 1 thread, batches of 1-50 functions");
		table_metrics(md, clock, "P10", "threads=8 pool=shared",
			      "allocation latency, 8 threads on one pool");
		table_metrics(md, clock, "P10", "threads=8 pool=own",
			      "allocation latency, 8 threads with a pool each (control)");
		fprintf(md, "\n### ratio lines, %s\n\n```\n", clock);
		ratio_files[0] = md;
		ratio_files[1] = rt;
		ratios(clock);
		ratio_files[1] = NULL;
		ratio_files[0] = stdout;
		ratios(clock);
		ratio_files[0] = NULL;
		fprintf(md, "```\n");
		plot_data(dir, clock, gb, &panels);
	}
	fclose(md);
	fclose(rt);
	fclose(gb);

	snprintf(path, sizeof(path), "%s/plot.gp", dir);
	gp = fopen(path, "we");
	if (!gp) {
		free(body);
		return 1;
	}
	fprintf(gp, "# written by jitseal-bench report; run in this directory: gnuplot plot.gp\n");
	fprintf(gp, "set terminal pngcairo size 1400,%u font 'sans,10'\n",
		(panels + 1) / 2 * 480);
	fprintf(gp, "set output 'bench.png'\nset grid\nset key top left box opaque font 'sans,8'\n");
	fprintf(gp, "set datafile missing '?'\nset multiplot layout %u,2\n",
		(panels + 1) / 2);
	for (i = 1; i <= 8; i++)
		fprintf(gp, "set linetype %u lc rgb '%s'\nset style line %u lw 2 pt %u lc rgb '%s'\n",
			i, colors[i - 1], i, i + 4, colors[i - 1]);
	fwrite(body, 1, body_len, gp);
	fprintf(gp, "unset multiplot\n");
	free(body);
	return fclose(gp) ? 1 : 0;
}
