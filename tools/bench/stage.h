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

#endif /* BENCH_STAGE_H */
