// SPDX-License-Identifier: GPL-2.0
/*
 * P9: a JIT that evicts.  It compiles o->p9_fns functions of 256 B, one
 * per finalize, and keeps only the LIVE most recent ones: the oldest is
 * evicted as each new one is compiled.
 *
 *   jitseal-free   one pool; eviction is jitseal_free(), whose pages are
 *                  reclaimed (kmod: retired) and reused.  Figures: the
 *                  cost of one cycle (free + alloc + write + finalize +
 *                  first call), the most pages the pool held against the
 *                  live bytes in pages (target <= 1.1), the fds and VMAs
 *                  the pool holds (target: 1 fd with kmod, 0 with memfd
 *                  or mprotect), VMAs grown after the working set is
 *                  reached (target: constant).
 *   pool-per-unit  what a JIT does without free: one pool per function,
 *                  destroyed on eviction (o->p9_units cycles: a pool
 *                  costs syscalls each way).  Same figures.
 *
 * The pools take whatever backend libjitseal picks (kmod in the VM).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jitseal.h>

#include "bench.h"

#define LIVE	1000U
#define FN	256

static double count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	double n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3;	/* ".", "..", and the DIR's own fd */
}

static double count_vmas(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	double n = 0;
	int c;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Stage one 256 B function returning @v: mov eax, v; ret; int3 padding. */
static void stage_fn(void *stage, unsigned int v)
{
	unsigned char *p = stage;

	memset(p, 0xcc, FN);
	p[0] = 0xb8;
	memcpy(p + 1, &v, 4);
	p[5] = 0xc3;
}

/* fds and VMAs: held beyond the start; vmas_grown: after the working set */
struct p9_figs {
	double cycle_ns, pages, fds, vmas, vmas_grown;
	double fd_base, vma_base, vma_ws;
};

/* Compile into @pool, return the function, or NULL. */
static void *compile(struct jitseal_pool *pool, unsigned int v)
{
	struct jitseal_mem m;

	if (jitseal_alloc(pool, FN, 16, JITSEAL_CODE, &m))
		return NULL;
	stage_fn(m.stage, v);
	if (jitseal_finalize(pool, NULL))
		return NULL;
	return ((unsigned int (*)(void))m.addr)() == v ? m.addr : NULL;
}

/* After the working set is reached: the most pages, fds and VMAs seen. */
static void sample(struct jitseal_pool *pool, struct p9_figs *f)
{
	double fds = count_entries("/proc/self/fd") - f->fd_base;
	double vmas = count_vmas();

	if (pool) {
		struct jitseal_pool_stats st = { .sz = sizeof(st) };

		if (!jitseal_pool_stats(pool, &st) && (double)st.pages > f->pages)
			f->pages = (double)st.pages;
	}
	if (fds > f->fds)
		f->fds = fds;
	if (vmas - f->vma_base > f->vmas)
		f->vmas = vmas - f->vma_base;
	if (vmas - f->vma_ws > f->vmas_grown)
		f->vmas_grown = vmas - f->vma_ws;
}

static void start(struct p9_figs *f)
{
	memset(f, 0, sizeof(*f));
	f->fd_base = count_entries("/proc/self/fd");
	f->vma_base = count_vmas();
}

static int run_free(unsigned int n, struct p9_figs *f)
{
	JITSEAL_OPTS(jitseal_pool_opts, po, .sealing = JITSEAL_SEALED_PREFERRED);
	struct jitseal_pool *pool = jitseal_pool_create(&po);
	void **ring = calloc(LIVE, sizeof(*ring));
	uint64_t t0 = 0;
	unsigned int i;
	int ret = -1;

	if (!pool || !ring)
		goto out;
	for (i = 0; i < n; i++) {
		void **slot = &ring[i % LIVE];

		if (i == LIVE) {	/* working set reached */
			f->vma_ws = count_vmas();
			t0 = clock_ns(CLK_MONO);
		}
		if (*slot && jitseal_free(pool, *slot))
			goto out;
		*slot = compile(pool, i);
		if (!*slot)
			goto out;
		if (i > LIVE && i % 1000 == 0)
			sample(pool, f);
	}
	f->cycle_ns = (double)(clock_ns(CLK_MONO) - t0) / (n - LIVE);
	sample(pool, f);
	ret = 0;
out:
	if (pool)
		jitseal_pool_destroy(pool);
	free(ring);
	return ret;
}

static int run_pools(unsigned int n, struct p9_figs *f)
{
	JITSEAL_OPTS(jitseal_pool_opts, po, .sealing = JITSEAL_SEALED_PREFERRED,
		     .code_size = 4096, .rodata_size = 4096, .data_size = 4096);
	struct jitseal_pool **ring = calloc(LIVE, sizeof(*ring));
	double pages = 0;
	uint64_t t0 = 0;
	unsigned int i;
	int ret = -1;

	if (!ring)
		return -1;
	for (i = 0; i < n; i++) {
		struct jitseal_pool **slot = &ring[i % LIVE];

		if (i == LIVE) {
			f->vma_ws = count_vmas();
			t0 = clock_ns(CLK_MONO);
		}
		if (*slot)
			jitseal_pool_destroy(*slot);
		*slot = jitseal_pool_create(&po);
		if (!*slot || !compile(*slot, i))
			goto out;
		if (i > LIVE && i % 1000 == 0)
			sample(NULL, f);
	}
	f->cycle_ns = (double)(clock_ns(CLK_MONO) - t0) / (n - LIVE);
	sample(NULL, f);
	ret = 0;
out:
	for (i = 0; i < LIVE; i++) {
		struct jitseal_pool_stats st = { .sz = sizeof(st) };

		if (ring[i] && !jitseal_pool_stats(ring[i], &st))
			pages += (double)st.pages;
		if (ring[i])
			jitseal_pool_destroy(ring[i]);
	}
	f->pages = pages;	/* one page per live pool, at least */
	free(ring);
	return ret;
}

/* 1,000 pools need 1,000 fds with kmod: raise the soft limit if we may. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= 4 * LIVE)
		return;
	rl.rlim_cur = rl.rlim_max < 4 * LIVE ? rl.rlim_max : 4 * LIVE;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		out_note("P9: cannot raise RLIMIT_NOFILE: pool-per-unit may run out of fds");
}

static void emit(const struct bench_opts *o, const char *method,
		 const char *param, const struct p9_figs *f)
{
	double live_pages = (double)((LIVE * FN + 4095) / 4096);
	double v;

	v = f->cycle_ns;
	emit_stat(o, "P9", method, param, "cycle", "ns", &v, 1);
	v = f->pages;
	emit_stat(o, "P9", method, param, "pages", "pages", &v, 1);
	v = f->pages / live_pages;
	emit_stat(o, "P9", method, param, "pages_ratio", "x", &v, 1);
	v = f->fds;
	emit_stat(o, "P9", method, param, "fds", "fds", &v, 1);
	v = f->vmas;
	emit_stat(o, "P9", method, param, "vmas", "VMAs", &v, 1);
	v = f->vmas_grown;
	emit_stat(o, "P9", method, param, "vmas_grown", "VMAs", &v, 1);
}

int p9_run(const struct bench_opts *o)
{
	unsigned int nf = o->p9_fns > 2 * LIVE ? o->p9_fns : 2 * LIVE;
	unsigned int nu = o->p9_units > 2 * LIVE ? o->p9_units : 2 * LIVE;
	struct p9_figs f;
	char param[64];
	int ret = 0;

	snprintf(param, sizeof(param), "size=256 live=%u", LIVE);
	out_note("P9: %u functions through one pool with jitseal_free, %u through a pool each",
		 nf, nu);
	start(&f);
	if (run_free(nf, &f)) {
		report_fail("P9", &method_lib, param, "alloc/finalize/free failed");
		ret = -1;
	} else {
		emit(o, "jitseal-free", param, &f);
	}
	raise_nofile();
	start(&f);
	if (run_pools(nu, &f)) {
		report_fail("P9", &method_lib, param, "pool per unit failed");
		ret = -1;
	} else {
		emit(o, "pool-per-unit", param, &f);
	}
	return ret;
}
