// SPDX-License-Identifier: GPL-2.0
/*
 * P6: the cost of one jitseal_alloc() (16 bytes of code, the fast path:
 * the allocation extends the batch's current run).  Allocations are timed
 * in chunks of 1000 and the pending set is discarded between chunks, so
 * the same bytes are handed out again and nothing is installed.  Under
 * --icount the figure is instructions per call (user space only: the
 * allocation makes no system call).  The same loop around an empty
 * function gives the loop's own share.
 *
 * The pool takes whatever backend libjitseal picks (kmod where the module
 * is loaded): the allocation path does not depend on it, and this lets the
 * figure be taken natively, e.g. under callgrind.
 */
#include <errno.h>

#include <jitseal.h>

#include "bench.h"

#define CHUNK	1000

__attribute__((noinline)) static int empty_alloc(struct jitseal_pool *pool,
						 size_t size, size_t align,
						 enum jitseal_kind kind,
						 struct jitseal_mem *mem)
{
	__asm__ volatile("" : : "r"(pool), "r"(size), "r"(align), "r"(kind),
			 "r"(mem) : "memory");
	return 0;
}

typedef int (*alloc_fn)(struct jitseal_pool *, size_t, size_t,
			enum jitseal_kind, struct jitseal_mem *);

static int timed(struct jitseal_pool *pool, alloc_fn fn, unsigned int total,
		 double *per)
{
	struct jitseal_mem mem;
	uint64_t sum = 0, t0;
	unsigned int done, i;

	for (done = 0; done < total; done += CHUNK) {
		t0 = clock_ns(CLK_MONO);
		for (i = 0; i < CHUNK; i++)
			if (fn(pool, 16, 16, JITSEAL_CODE, &mem))
				return -1;
		sum += clock_ns(CLK_MONO) - t0;
		if (fn == jitseal_alloc && jitseal_discard(pool))
			return -1;
	}
	*per = (double)sum / done;
	return 0;
}

int p6_run(const struct bench_opts *o)
{
	JITSEAL_OPTS(jitseal_pool_opts, po, .code_size = 1 << 20,
		     .sealing = JITSEAL_SEALED_PREFERRED);
	double a[64], b[64];
	unsigned int r, reps = o->reps > 64 ? 64 : o->reps;
	unsigned int total = o->p6_allocs < CHUNK ? CHUNK : o->p6_allocs;
	struct jitseal_pool *pool = jitseal_pool_create(&po);
	const char *backend;
	int ret = 0;

	if (!pool) {
		report_fail("P6", &method_lib, "size=16", "pool create failed");
		return -1;
	}
	backend = jitseal_backend_name(jitseal_pool_backend(pool));
	out_note("P6: libjitseal backend %s, %u allocations per figure",
		 backend, total);
	for (r = 0; r < reps && !ret; r++)
		if (timed(pool, jitseal_alloc, total, &a[r]) ||
		    timed(pool, empty_alloc, total, &b[r]))
			ret = -1;
	jitseal_pool_destroy(pool);
	if (ret) {
		report_fail("P6", &method_lib, "size=16", "jitseal_alloc failed");
		return -1;
	}
	emit_stat(o, "P6", "jitseal", "size=16", "alloc", "ns", a, reps);
	emit_stat(o, "P6", "empty-call", "size=16", "alloc", "ns", b, reps);
	return 0;
}
