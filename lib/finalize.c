// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Finalize: install every pending run of a batch.  The runs of one region
 * go to the backend together (kmod: one JITSEAL_IOC_LOAD, all segments or
 * none).  If a region fails, the runs of that region and of the regions
 * after it stay pending, so the caller can retry or discard them.  The
 * installed allocations, and the batch's data allocations, join the
 * pool's map: from then on jitseal_free() takes them.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

static int js_seg_cmp(const void *pa, const void *pb)
{
	const struct js_seg *a = pa, *b = pb;

	if (a->r->idx != b->r->idx)
		return a->r->idx < b->r->idx ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	return 0;
}

/* Sort by region, kind and offset, and merge touching runs. */
static void js_segs_normalize(struct jitseal_batch *b)
{
	size_t i, n = 0;

	js_batch_sync(b);
	js_batch_close(b);
	if (b->nr > 1)
		qsort(b->segs, b->nr, sizeof(*b->segs), js_seg_cmp);
	for (i = 0; i < b->nr; i++) {
		struct js_seg *prev = n ? &b->segs[n - 1] : NULL;
		struct js_seg *cur = &b->segs[i];

		if (prev && prev->r == cur->r && prev->kind == cur->kind &&
		    prev->off + prev->len == cur->off)
			prev->len += cur->len;
		else
			b->segs[n++] = *cur;
	}
	b->nr = n;
}

/* The staged bytes of fully installed pages are no longer needed. */
static void js_stage_release(const struct js_seg *seg)
{
	char *start = seg->r->sec[seg->kind].stage + seg->off;
	uintptr_t lo = js_round_up((uintptr_t)start, js_page_size);
	uintptr_t hi = js_round_down((uintptr_t)start + seg->len, js_page_size);

	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/*
 * Check @opts and take what finalize needs from them.  @runs is only
 * usable with a capacity: a caller's struct that ends before nr_runs
 * cannot pass @runs.
 */
static int js_finalize_opts(const struct jitseal_pool *pool,
			    const struct jitseal_finalize_opts *opts,
			    unsigned int *flags, struct jitseal_run **runs)
{
	if (!JS_OPTS_VALID(opts, nr_runs))
		return -EINVAL;
	*flags = JS_OPTS_GET(opts, flags, 0U);
	*runs = JS_OPTS_GET(opts, runs, NULL);
	if (*flags & ~JITSEAL_FINALIZE_FLAGS)
		return -EINVAL;
	if ((*flags & JITSEAL_FINALIZE_DIGEST) && !*runs)
		return -EINVAL;
	if (*runs && !JS_OPTS_HAS(opts, nr_runs))
		return -EINVAL;
	if (pool->flags & JITSEAL_POOL_SYNC_CORE)
		*flags |= JITSEAL_FINALIZE_SYNC_CORE;
	if (js_forked(pool))
		return -ECHILD;
	return 0;
}

/*
 * Install the batch's normalized runs, one backend call per region.  On an
 * error *@done says how many leading runs are installed all the same.
 */
static int js_install_runs(struct jitseal_batch *b, unsigned int flags,
			   unsigned char (*digests)[JITSEAL_DIGEST_LEN],
			   size_t *done)
{
	struct jitseal_pool *pool = b->pool;
	size_t i, j, part;
	int err;

	for (i = 0; i < b->nr; i = j) {
		struct js_region *r = b->segs[i].r;

		for (j = i; j < b->nr && b->segs[j].r == r; j++)
			;
		part = 0;
		err = pool->be->install(pool, r, &b->segs[i], j - i, flags,
					digests ? &digests[i] : NULL, &part);
		if (err) {
			*done = i + part;
			return err;
		}
	}
	*done = b->nr;
	return 0;
}

/* Is @e within one of the first @done (installed) runs of @b? */
static bool js_rec_installed(const struct jitseal_batch *b, size_t done,
			     const struct js_rec *e)
{
	unsigned int kind = JS_REC_KIND(e);
	size_t off = e->addr - (uintptr_t)js_sec_addr(e->r, kind), i;

	for (i = 0; i < done; i++) {
		const struct js_seg *seg = &b->segs[i];

		if (seg->r == e->r && seg->kind == kind && seg->off <= off &&
		    off < seg->off + seg->len)
			return true;
	}
	return false;
}

/*
 * Installed allocations, and every data allocation, join the pool's map
 * (room reserved beforehand); the others stay pending.  Before
 * js_take_runs(), which drops the installed runs.
 */
static void js_take_recs(struct jitseal_batch *b, size_t done, bool all)
{
	struct js_amap *m = &b->pool->amap;
	size_t i, n = 0;

	for (i = 0; i < js_batch_nrec(b); i++) {
		struct js_rec *e = &b->recs[i];

		js_rec_region(b->pool, e);
		if (all || JS_REC_KIND(e) == JITSEAL_DATA ||
		    js_rec_installed(b, done, e))
			(void)js_amap_add(m, e);
		else
			b->recs[n++] = *e;
	}
	b->rec_next = b->recs + n;
}

/* The first @done runs are in: account them, report them, drop them. */
static void js_take_runs(struct jitseal_batch *b, size_t done,
			   struct jitseal_run *runs,
			   unsigned char (*digests)[JITSEAL_DIGEST_LEN])
{
	size_t i;

	for (i = 0; i < done; i++) {
		const struct js_seg *seg = &b->segs[i];

		seg->r->sec[seg->kind].sealed += seg->len;
		js_pages_installed(&seg->r->sec[seg->kind], seg->off, seg->len);
		js_stage_release(seg);
		if (!runs)
			continue;
		runs[i].addr = js_sec_addr(seg->r, seg->kind) + seg->off;
		runs[i].len = seg->len;
		runs[i].kind = seg->kind;
		if (digests)
			memcpy(runs[i].digest, digests[i], JITSEAL_DIGEST_LEN);
	}
	/* installed runs leave the batch; the rest stays pending */
	memmove(b->segs, b->segs + done, (b->nr - done) * sizeof(*b->segs));
	b->nr -= done;
}

static int js_finalize(struct jitseal_batch *b,
		       struct jitseal_finalize_opts *opts)
{
	struct jitseal_pool *pool = b->pool;
	unsigned char (*digests)[JITSEAL_DIGEST_LEN] = NULL;
	struct jitseal_run *runs;
	unsigned int flags;
	size_t done = 0;
	int err;

	err = js_finalize_opts(pool, opts, &flags, &runs);
	if (err)
		return err;

	js_lock(&pool->lock);
	js_segs_normalize(b);
	if (runs && opts->nr_runs < b->nr) {
		opts->nr_runs = b->nr;
		err = -ENOBUFS;
		goto out;
	}
	if (b->nr && (flags & JITSEAL_FINALIZE_DIGEST)) {
		digests = calloc(b->nr, sizeof(*digests));
		if (!digests) {
			err = -ENOMEM;
			goto out;
		}
	}
	err = js_amap_reserve(&pool->amap, js_batch_nrec(b));
	if (err)
		goto out;
	if (b->nr)
		err = js_install_runs(b, flags, digests, &done);
	js_take_recs(b, done, !err);
	js_take_runs(b, done, runs, digests);
	if (runs)
		opts->nr_runs = done;
	if (!err && done)
		pool->finalizes++;
out:
	js_unlock(&pool->lock);
	free(digests);
	return err;
}

JITSEAL_API int jitseal_finalize(struct jitseal_pool *pool,
				 struct jitseal_finalize_opts *opts)
{
	int err = js_pool_check(pool);

	return err ? err : js_finalize(&pool->batch, opts);
}

JITSEAL_API int jitseal_batch_finalize(struct jitseal_batch *batch,
				       struct jitseal_finalize_opts *opts)
{
	int err = js_batch_check(batch);

	return err ? err : js_finalize(batch, opts);
}
