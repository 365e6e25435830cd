/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Staging arena of the methods that are not libjitseal: the JIT emits into
 * ordinary RW memory, finalize installs the pending runs.  Alignment gaps
 * are filled with int3 and belong to the function before them, so that
 * consecutive functions form one run.
 */
#ifndef BENCH_STAGE_H
#define BENCH_STAGE_H

#include "bench.h"

struct stage_run {
	uint8_t *src;
	size_t off;		/* in the pool (or the file) */
	size_t len;
};

struct stage {
	uint8_t *buf;
	size_t cap, used;
	struct stage_run *runs;
	size_t nr_runs, cap_runs;
	struct fn **fns;	/* pending functions, for late addresses */
	size_t nr_fns, cap_fns;
};

int stage_init(struct stage *s, size_t cap);
void stage_fini(struct stage *s);
/*
 * Stage @f for pool offset @off: sets f->stage, pads the function to
 * FN_ALIGN with int3 and extends the previous run when both touch.
 */
int stage_add(struct stage *s, struct fn *f, size_t off);
void stage_reset(struct stage *s);
/* Bump allocation in a pool shared by threads: returns the offset. */
int pool_bump(size_t *next, size_t cap, size_t len, size_t align,
	      size_t *off);

struct jitseal_segment;

/*
 * The stager of every method but libjitseal: its pool and its staged
 * functions.  @segs is the raw-ioctl method's LOAD vector, kept from one
 * finalize to the next.
 */
struct mstager {
	struct mpool *p;
	struct stage st;
	struct jitseal_segment *segs;
	size_t cap_segs;
};

int stager_create(struct mpool *p, size_t stage_bytes, struct mstager **out);
void stager_destroy(struct mstager *s);
/*
 * Bump-allocate @f in a pool of @cap bytes (offset 0 runs at @base), and
 * stage it there: sets f->stage and f->addr.
 */
int stager_bump(struct mstager *s, size_t *next, size_t cap, uint8_t *base,
		struct fn *f);

#endif /* BENCH_STAGE_H */
