/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jitseal-bench: what it costs to make JIT code executable, by method.
 *
 * The program is split by concern:
 *   code.c      real x86-64 functions: emit, call, check
 *   clock.c     the clock and the statistics (median, min, max)
 *   stage.c     staging arena shared by the methods that are not libjitseal
 *   m_*.c       one install method each, behind struct method
 *   w_*.c       the workloads W1-W6, the allocation count (P6), eviction
 *               (P9), concurrent allocation (P10), retargeting a call
 *               (P12: sealed slots) and the reference costs of system
 *               calls and copies (W0)
 *   loadtime.c  the LOAD ioctls timed through -Wl,--wrap=ioctl
 *   memstat.c   VMAs, RSS and memory-cgroup deltas for W4
 *   output.c    CSV, Markdown table, ratio lines, plot data
 *   main.c      options and the order of the suite
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FN_ALIGN	16	/* every function starts 16-byte aligned */
#define FN_MIN		16	/* smallest function code.c can emit */

/* One function: where it is staged, where it runs, what it returns. */
struct fn {
	void *stage;		/* writable memory the code is emitted into */
	void *addr;		/* final address (tmpfile: known after finalize) */
	size_t len;		/* code bytes, without alignment padding */
	size_t align;		/* 0: FN_ALIGN */
	uint32_t id;		/* unique in a run: the return value is derived */
};

/* code.c */
void code_emit(struct fn *f);
uint32_t code_expect(uint32_t id);
/* Call every function once; 0 if all returned what they should. */
int code_call_all(const struct fn *fns, size_t n, const char **why);
/* Compare the installed bytes with what was emitted (a fresh emit). */
int code_verify_bytes(const struct fn *fns, size_t n);

/* clock.c */
enum clock_kind { CLK_MONO, CLK_THREAD };
uint64_t clock_ns(enum clock_kind k);
void settle(void);
struct stat3 {
	double median, min, max;
	unsigned int n;
};
void stat3_of(double *v, unsigned int n, struct stat3 *out);
/*
 * A cheap timestamp for latencies of tens of nanoseconds (P10): the TSC
 * on x86-64, in ticks, converted by calibrating against CLOCK_MONOTONIC
 * over the run.  Under TCG with two vCPUs the guest's clocksource is HPET,
 * whose reads cost microseconds; RDTSC is one cheap helper, and both
 * vCPUs read the same (host) counter.
 */
static inline uint64_t tick(void)
{
#if defined(__x86_64__)
	__builtin_ia32_lfence();
	return __builtin_ia32_rdtsc();
#else
	return clock_ns(CLK_MONO);
#endif
}

/* loadtime.c: JITSEAL_IOC_LOAD calls seen through -Wl,--wrap=ioctl */
struct span {
	uint64_t t0, t1;	/* tick() */
};
struct span_log {
	struct span *v;
	size_t n, cap, dropped;
};
void span_add(struct span_log *l, uint64_t t0, uint64_t t1);
/* Record this thread's LOADs into @l from now on (NULL: stop). */
void load_log_attach(struct span_log *l);
/* CLOCK_MONOTONIC ns this thread has spent inside LOAD ioctls so far. */
uint64_t load_ns_thread(void);

/* Pool parameters a workload asks for. */
struct pool_params {
	size_t code_bytes;	/* capacity of code in the pool */
	size_t stage_bytes;	/* most bytes pending in one stager at once */
	bool shared;		/* several threads, one stager each */
};

struct mpool;
struct mstager;

/* An install method: a small vtable. */
struct method {
	const char *name;	/* short name used in CSV and ratio lines */
	const char *desc;
	bool needs_module;
	/* 0 if usable here, else a negative errno and a reason in @why */
	int (*probe)(const char **why);
	int (*pool_create)(const struct pool_params *pp, struct mpool **out);
	void (*pool_destroy)(struct mpool *p);
	int (*stager_create)(struct mpool *p, struct mstager **out);
	void (*stager_destroy)(struct mstager *s);
	/* Reserve f->len bytes, set f->stage (and f->addr when known). */
	int (*alloc)(struct mstager *s, struct fn *f);
	/* Make every pending function executable (sets missing f->addr). */
	int (*finalize)(struct mstager *s);
};

extern const struct method method_lib, method_ioctl, method_memfd,
	method_mprotect, method_tmpfs, method_disk;
/* libjitseal on its memfd fallback: P10 only, not in methods[] */
extern const struct method method_lib_memfd;
extern const struct method *const methods[];
extern const unsigned int nr_methods;
/* Directories of the two temp-file methods (options --tmpfs-dir, --disk-dir). */
extern const char *tmpfile_tmpfs_dir, *tmpfile_disk_dir;

/* Module helpers (m_ioctl.c) */
int jsdev_open_pool(size_t code_bytes, void **map);
int jsdev_limits(uint32_t *max_segments, uint64_t *max_load_bytes);

/* Options of a suite run. */
struct bench_opts {
	unsigned int reps;		/* repetitions per figure */
	unsigned int w1_fns[4];		/* functions per W1 run, per size */
	unsigned int w1_size;		/* only this W1 size (0: all) */
	unsigned int w2_fns;		/* functions per W2 run */
	unsigned int w3_bytes;		/* W3 bulk bytes */
	unsigned int w4_fns;		/* W4 functions */
	unsigned int w5_fns;		/* W5 functions per run */
	unsigned int w6_fns;		/* W6 functions per thread */
	unsigned int p6_allocs;		/* P6 allocations */
	unsigned int p9_fns;		/* P9 functions through one pool */
	unsigned int p9_units;		/* P9 pool-per-unit cycles */
	unsigned int p10_batches;	/* P10 batches per thread */
	const char *clock_label;	/* icount, tcg, native */
	const char *only;		/* comma list of workloads, or NULL */
	const char *methods;		/* comma list of methods, or NULL */
	bool smoke;			/* TAP output, no figures kept */
};

/* A measured figure, one CSV row. */
struct result {
	char clock[16];
	char workload[8];
	char method[24];
	char param[32];		/* e.g. size=256 batch=1 threads=2 */
	char metric[32];
	char unit[16];
	struct stat3 s;
};

/* output.c */
void out_begin(FILE *csv);
void out_result(const struct result *r);
void out_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int out_report(const char *const *csv_files, unsigned int n, const char *dir);

/* Smoke-test TAP (main.c) */
void tap_result(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One install run: @n functions of @size, @batch per finalize. */
struct run_cfg {
	const struct method *m;
	size_t size;		/* 0: random sizes from @seed */
	unsigned int n;
	unsigned int batch;
	uint64_t seed;
	bool keep;		/* keep the pool for the caller (W4) */
	bool time_finalize;	/* time the finalizes only (W3) */
};
struct run_out {
	double install_ns;	/* all allocs, emits and finalizes */
	double first_call_ns;	/* first call of every function */
	double finalize_ns;	/* finalizes only */
	double load_ns;		/* inside LOAD ioctls, during the finalizes */
	size_t code_bytes;	/* sum of f->len */
	struct mpool *pool;	/* with @keep */
	struct fn *fns;		/* with @keep */
};
/* w_install.c: also used by W4 and the smoke test */
int run_install(const struct run_cfg *c, struct run_out *o, const char **why);
void run_release(const struct method *m, struct run_out *o);
size_t fn_reserve(size_t len);
/* The seeded random sequence of the workloads (xorshift64). */
uint64_t xorshift(uint64_t *s);

/* Workloads: each returns 0, or -1 if a method failed (reported). */
int w0_run(const struct bench_opts *o);
int w1_run(const struct bench_opts *o);
int w2_run(const struct bench_opts *o);
int w3_run(const struct bench_opts *o);
int w4_run(const struct bench_opts *o);
int w5_run(const struct bench_opts *o);
int w6_run(const struct bench_opts *o);
int p6_run(const struct bench_opts *o);
int p9_run(const struct bench_opts *o);
int p10_run(const struct bench_opts *o);
int p12_run(const struct bench_opts *o);

/* memstat.c */
struct memsnap {
	long long cg_current, cg_anon, cg_file, cg_shmem, cg_kernel,
		cg_slab, cg_pagetables;
	bool cg_ok;
};
int memstat_cgroup_enter(void);
void memstat_snap(struct memsnap *s);
struct vmastat {
	size_t vmas;		/* distinct VMAs holding functions */
	size_t pages;		/* distinct pages holding functions */
	size_t rss_bytes;	/* Rss of those VMAs */
};
int memstat_vmas(const struct fn *fns, size_t n, struct vmastat *out);

/* main.c helpers */
bool method_selected(const struct bench_opts *o, const struct method *m);
/* Also for a method outside methods[]: probes it. */
bool method_wanted(const struct bench_opts *o, const struct method *m);
void report_fail(const char *workload, const struct method *m,
		 const char *param, const char *why);
void emit_stat(const struct bench_opts *o, const char *workload,
	       const char *method, const char *param, const char *metric,
	       const char *unit, double *v, unsigned int n);

#endif /* BENCH_H */
