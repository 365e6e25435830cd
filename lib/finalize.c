// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Finalize: install every pending run of a batch.  The runs of one region
 * go to the backend together (kmod: one JITSEAL_IOC_LOAD, all segments or
 * none).  If a region fails, the runs of that region and of the regions
 * after it stay pending, so the caller can retry or discard them.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "profile.h"

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

static int js_finalize(struct jitseal_batch *b,
		       struct jitseal_finalize_opts *opts)
{
	struct jitseal_pool *pool = b->pool;
	unsigned char (*digests)[JITSEAL_DIGEST_LEN] = NULL;
	struct jitseal_run *runs;
	unsigned int flags;
	size_t i, j, n, done = 0;
	int err = 0;

	if (!JS_OPTS_VALID(opts))
		return -EINVAL;
	flags = JS_OPTS_GET(opts, flags, 0U);
	runs = JS_OPTS_GET(opts, runs, NULL);
	if (flags & ~JITSEAL_FINALIZE_FLAGS)
		return -EINVAL;
	if ((flags & JITSEAL_FINALIZE_DIGEST) && !runs)
		return -EINVAL;
	if (pool->flags & JITSEAL_POOL_SYNC_CORE)
		flags |= JITSEAL_FINALIZE_SYNC_CORE;
	if (js_forked(pool))
		return -ECHILD;

	js_lock(&pool->lock);
	js_segs_normalize(b);
	n = b->nr;
	if (runs && opts->nr_runs < n) {
		opts->nr_runs = n;
		err = -ENOBUFS;
		goto out;
	}
	if (!n) {
		if (runs)
			opts->nr_runs = 0;
		goto out;
	}
	if (flags & JITSEAL_FINALIZE_DIGEST) {
		digests = calloc(n, sizeof(*digests));
		if (!digests) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < n; i = j) {
		struct js_region *r = b->segs[i].r;
		size_t part = 0;

		for (j = i; j < n && b->segs[j].r == r; j++)
			;
		err = pool->be->install(pool, r, &b->segs[i], j - i, flags,
					digests ? &digests[i] : NULL, &part);
		if (err) {
			done = i + part;
			break;
		}
		done = j;
	}
	for (i = 0; i < done; i++) {
		const struct js_seg *seg = &b->segs[i];

		seg->r->sec[seg->kind].sealed += seg->len;
		js_stage_release(seg);
		if (runs) {
			runs[i].addr = js_sec_addr(seg->r, seg->kind) + seg->off;
			runs[i].len = seg->len;
			runs[i].kind = seg->kind;
			if (digests)
				memcpy(runs[i].digest, digests[i],
				       JITSEAL_DIGEST_LEN);
		}
	}
	if (runs)
		opts->nr_runs = done;
	if (js_unlikely(js_prof_active))
		js_prof_sealed(b, b->segs, done);
	/* installed runs leave the batch; the rest stays pending */
	memmove(b->segs, b->segs + done, (n - done) * sizeof(*b->segs));
	b->nr = n - done;
	if (!err)
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
	if (!batch)
		return -EINVAL;
	if (__atomic_load_n(&batch->magic, __ATOMIC_RELAXED) != JS_BATCH_MAGIC)
		return -EBADF;
	if (js_pool_check(batch->pool))
		return -EBADF;
	return js_finalize(batch, opts);
}
