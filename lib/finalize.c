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

#include "internal.h"
#include "profile.h"

/*
 * Check @opts and take what finalize needs from them.  @runs is only
 * usable with a capacity: a caller's struct that ends before nr_runs
 * cannot pass @runs.
 */
static int js_finalize_opts(const struct jitseal_pool *pool,
			    const struct jitseal_finalize_opts *opts,
			    unsigned int *flags, struct jitseal_run **runs,
			    struct js_decls *d)
{
	if (!JS_OPTS_VALID(opts, unit))
		return -EINVAL;
	d->entries = JS_OPTS_GET(opts, entries, NULL);
	d->nr_entries = JS_OPTS_GET(opts, nr_entries, 0);
	d->slots = JS_OPTS_GET(opts, slots, NULL);
	d->nr_slots = JS_OPTS_GET(opts, nr_slots, 0);
	if ((d->nr_entries && !d->entries) || (d->nr_slots && !d->slots))
		return -EINVAL;
	*flags = JS_OPTS_GET(opts, flags, 0U);
	*runs = JS_OPTS_GET(opts, runs, NULL);
	if (*flags & ~JITSEAL_FINALIZE_FLAGS)
		return -EINVAL;
	if ((*flags & JITSEAL_FINALIZE_DIGEST) && !*runs)
		return -EINVAL;
	if (*runs && !JS_OPTS_HAS(opts, nr_runs))
		return -EINVAL;
	if ((*flags & JITSEAL_FINALIZE_UNIT) && !JS_OPTS_HAS(opts, unit))
		return -EINVAL;
	if (pool->flags & JITSEAL_POOL_SYNC_CORE)
		*flags |= JITSEAL_FINALIZE_SYNC_CORE;
	if (js_forked(pool))
		return -ECHILD;
	return 0;
}

/*
 * Install the normalized runs of @t, one backend call per region, without
 * the pool lock.  On an error *@done says how many leading runs are
 * installed all the same.
 */
static int js_install_runs(struct jitseal_pool *pool,
			   const struct js_set *t, unsigned int flags,
			   unsigned char (*digests)[JITSEAL_DIGEST_LEN],
			   const struct js_decls *d, size_t *done)
{
	size_t i, j, part;
	int err;

	*done = 0;
	err = js_decls_check(pool, t, d);
	if (err)
		return err;
	for (i = 0; i < t->nr; i = j) {
		struct js_region *r = t->segs[i].r;

		for (j = i; j < t->nr && t->segs[j].r == r; j++)
			;
		part = 0;
		err = pool->be->install(pool, r, &t->segs[i], j - i, flags,
					digests ? &digests[i] : NULL, d, &part);
		if (err) {
			*done = i + part;
			return err;
		}
	}
	*done = t->nr;
	return 0;
}

/* Is @e within one of the first @done (installed) runs of @t? */
static bool js_rec_installed(const struct jitseal_pool *pool,
			     const struct js_set *t, size_t done,
			     const struct js_rec *e)
{
	unsigned int kind = JS_REC_KIND(e);
	struct js_region *r = js_rec_region(pool, e);
	size_t off = e->addr - (uintptr_t)js_sec_addr(r, kind), i;

	for (i = 0; i < done; i++) {
		const struct js_seg *seg = &t->segs[i];

		if (seg->r == r && seg->kind == kind && seg->off <= off &&
		    off < seg->off + seg->len)
			return true;
	}
	return false;
}

/*
 * Installed allocations, and every data allocation, join the pool's map
 * (room reserved beforehand, the rest of it given back), and unit @unit
 * if there is one; the others stay in @t.  Before js_take_runs(), which
 * drops the installed runs.
 */
static void js_take_recs(struct jitseal_pool *pool, struct js_set *t,
			 size_t done, bool all, uint64_t unit)
{
	struct js_amap *m = &pool->amap;
	size_t i, n = 0;

	for (i = 0; i < js_set_nrec(t); i++) {
		struct js_rec *e = &t->recs[i];

		if (all || JS_REC_KIND(e) == JITSEAL_DATA ||
		    js_rec_installed(pool, t, done, e)) {
			if (unit) {
				e->meta |= JS_REC_UNIT;
				js_unit_add(&pool->units, unit, e->addr);
			}
			js_amap_add_reserved(m, e);
		} else {
			t->recs[n++] = *e;
		}
	}
	js_amap_unreserve(m, n);
	if (unit)
		js_unit_unreserve(&pool->units, unit, n);
	pool->live[JITSEAL_DATA] += t->data;	/* code and rodata: by run */
	t->data = 0;
	t->rec_next = t->recs + n;
}

/* The first @done runs are in: account them, report them, drop them. */
static void js_take_runs(struct jitseal_batch *b, struct js_set *t,
			 size_t done, struct jitseal_run *runs,
			 unsigned char (*digests)[JITSEAL_DIGEST_LEN])
{
	size_t i;

	for (i = 0; i < done; i++) {
		const struct js_seg *seg = &t->segs[i];

		/* a run and its first gap: its allocations, leads included */
		b->pool->live[seg->kind] += seg->lead + seg->len;
		js_pages_installed(&seg->r->sec[seg->kind], seg->off, seg->len);
		js_stage_put(&b->stage[seg->kind], seg->chunk);
		if (!runs)
			continue;
		runs[i].addr = js_sec_addr(seg->r, seg->kind) + seg->off;
		runs[i].len = seg->len;
		runs[i].kind = seg->kind;
		if (digests)
			memcpy(runs[i].digest, digests[i], JITSEAL_DIGEST_LEN);
	}
	if (js_unlikely(js_prof_on()))
		js_prof_sealed(b, t->segs, done);
	/* installed runs leave; the rest goes back to the batch */
	if (done < t->nr)
		memmove(t->segs, t->segs + done,
			(t->nr - done) * sizeof(*t->segs));
	t->nr -= done;
}

/* A finalize of @pool is over; its destroy may be waiting for it. */
static void js_inflight_done(struct jitseal_pool *pool)
{
	if (!--pool->inflight && js_pool_check(pool))
		js_futex_wake_all(&pool->inflight);
}

/*
 * Install @b's runs: take them out under the pool lock, install them
 * without it (other threads allocate, free and finalize meanwhile), and
 * publish under it again.  Finalizes of one batch take turns
 * (b->fin_lock); so do the installs of host backends, which rewrite
 * whole shared pages (pool->install_lock); with kmod the module orders
 * concurrent LOADs itself.  Called in turn (b->fin_lock held); takes the
 * pool lock and the set's lock itself ("_locked" names a function whose
 * caller holds them).
 */
static int js_finalize_in_turn(struct jitseal_batch *b, unsigned int flags,
			       struct jitseal_finalize_opts *opts,
			       struct jitseal_run *runs,
			       const struct js_decls *d)
{
	struct jitseal_pool *pool = b->pool;
	unsigned char (*digests)[JITSEAL_DIGEST_LEN] = NULL;
	uint64_t unit = 0;
	struct js_set t;
	size_t done = 0;
	int err = 0;

	js_lock(&pool->lock);
	js_lock(&b->lock);
	err = js_claims_settle(b);
	if (err)
		goto out;
	js_pending_normalize(b);
	if (runs && opts->nr_runs < b->set.nr) {
		opts->nr_runs = b->set.nr;
		err = -ENOBUFS;
		goto out;
	}
	if (b->set.nr && (flags & JITSEAL_FINALIZE_DIGEST)) {
		digests = calloc(b->set.nr, sizeof(*digests));
		if (!digests) {
			err = -ENOMEM;
			goto out;
		}
	}
	if (!b->set.nr && (d->nr_entries || d->nr_slots)) {
		err = -EINVAL;	/* declarations need code and rodata to hold them */
		goto out;
	}
	if (!b->set.nr && !js_batch_nrec(b)) {	/* nothing pending: no syscall */
		if (runs)
			opts->nr_runs = 0;
		goto out;
	}
	err = js_amap_reserve(&pool->amap, js_batch_nrec(b));
	if (err)
		goto out;
	if (flags & JITSEAL_FINALIZE_UNIT) {
		unit = opts->unit;
		err = js_unit_reserve(&pool->units, &unit, js_batch_nrec(b));
		if (err) {
			js_amap_unreserve(&pool->amap, js_batch_nrec(b));
			goto out;
		}
	}
	js_pending_take(b, &t);
	if (t.nr) {
		js_unlock(&b->lock);
		js_unlock(&pool->lock);
		err = js_install_runs(pool, &t, flags, digests, d, &done);
		js_lock(&pool->lock);
		js_lock(&b->lock);
	}
	js_take_recs(pool, &t, done, !err, unit);
	if (unit)
		opts->unit = js_unit_settle(&pool->units, unit, opts->unit);
	js_take_runs(b, &t, done, runs, digests);
	js_pending_put_back(b, &t);
	js_inflight_done(pool);
	if (runs)
		opts->nr_runs = done;
	if (!err && done)
		pool->finalizes++;
out:
	js_unlock(&b->lock);
	js_unlock(&pool->lock);
	if (digests)
		free(digests);
	return err;
}

static int js_finalize(struct jitseal_batch *b,
		       struct jitseal_finalize_opts *opts)
{
	struct jitseal_pool *pool = b->pool;
	struct jitseal_run *runs;
	struct js_decls d;
	unsigned int flags;
	int err;

	err = js_finalize_opts(pool, opts, &flags, &runs, &d);
	if (err)
		return err;
	js_lock(&b->fin_lock);
	if (pool->be->serial)
		js_lock(&pool->install_lock);
	err = js_finalize_in_turn(b, flags, opts, runs, &d);
	if (pool->be->serial)
		js_unlock(&pool->install_lock);
	js_unlock(&b->fin_lock);
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
