// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Batches: independent pending sets of a pool, and their runs.
 *
 * A run is one contiguous range of one section.  The run a batch is
 * extending is kept open per kind in its claim (claim.c), so that the
 * allocation fast path extends it without touching segs[]; the closed
 * runs are in segs[].  Adjacent allocations of one batch therefore
 * install as one segment.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "profile.h"

void js_batch_init(struct jitseal_batch *b, struct jitseal_pool *pool)
{
	memset(b, 0, sizeof(*b));
	b->pool = pool;
	b->magic = JS_BATCH_MAGIC;
}

void js_batch_release(struct jitseal_batch *b)
{
	free(b->segs);
	b->segs = NULL;
	b->nr = b->cap = 0;
	free(b->recs);
	b->recs = b->rec_next = b->rec_end = NULL;
	free(b->spare_segs);
	free(b->spare_recs);
	b->spare_segs = NULL;
	b->spare_recs = NULL;
	js_stage_release(b->pool, &b->stage[JITSEAL_CODE]);
	js_stage_release(b->pool, &b->stage[JITSEAL_RODATA]);
	b->magic = JS_DEAD_MAGIC;
}

/*
 * Give back the pending runs: the open ones rewind, the claims go
 * (js_claim_drop() gives what they handed out back to the window if
 * they end at its bump pointer), and a closed run that then ends at the
 * bump pointer goes back too, so the next allocation gets the same
 * address.  Data allocations stay live: they join the pool's map,
 * freeable.
 */
static void js_discard_locked(struct jitseal_batch *b)
{
	struct jitseal_pool *pool = b->pool;
	unsigned int k;
	size_t i;

	js_assert_held(&pool->lock);
	js_assert_held(&b->lock);
	if (js_unlikely(js_prof_on()))
		js_prof_discarded(b);
	for (k = 0; k < JS_STAGED_KINDS; k++) {
		struct js_claim *c = &b->claim[k];

		if (c->next > c->start)
			pool->discards++;
		/*
		 * At the bump pointer the run and its lead go back to the
		 * window; else the run is dropped where it is.
		 */
		if (c->end && c->end - c->base == c->r->sec[k].next)
			js_claim_seek(c, c->pre);
		c->start = c->next;
		js_claim_drop(b, k);	/* no open run left: no room needed */
	}
	for (i = b->nr; i-- > 0;) {
		struct js_seg *seg = &b->segs[i];
		struct js_section *s = &seg->r->sec[seg->kind];

		if (s->next == seg->off + seg->len && seg->off >= s->wstart)
			s->next = seg->off;
		js_stage_put(&b->stage[seg->kind], seg->chunk);
		pool->discards++;
	}
	b->nr = 0;
	for (i = 0; i < js_batch_nrec(b); i++) {
		if (JS_REC_KIND(&b->recs[i]) != JITSEAL_DATA)
			js_rec_put(pool, &b->recs[i]);
		else {	/* live; without memory for the map never freeable */
			(void)js_amap_add(&pool->amap, &b->recs[i]);
			js_rec_live(pool, &b->recs[i]);
		}
	}
	b->rec_next = b->recs;
}

static int js_discard(struct jitseal_batch *b)
{
	js_lock(&b->pool->lock);
	js_lock(&b->lock);
	js_discard_locked(b);
	js_unlock(&b->lock);
	js_unlock(&b->pool->lock);
	return 0;
}

JITSEAL_API int jitseal_discard(struct jitseal_pool *pool)
{
	int err = js_pool_check(pool);

	return err ? err : js_discard(&pool->batch);
}

JITSEAL_API int jitseal_batch_discard(struct jitseal_batch *batch)
{
	int err = js_batch_check(batch);

	return err ? err : js_discard(batch);
}

JITSEAL_API struct jitseal_batch *jitseal_batch_create(struct jitseal_pool *pool)
{
	struct jitseal_batch *b;
	int err = js_pool_check(pool);

	if (err) {
		errno = -err;
		return NULL;
	}
	b = js_obj_alloc(sizeof(*b));
	if (!b) {
		errno = ENOMEM;
		return NULL;
	}
	js_batch_init(b, pool);
	js_lock(&pool->lock);
	b->next = pool->batches;
	pool->batches = b;
	js_unlock(&pool->lock);
	return b;
}

JITSEAL_API int jitseal_batch_destroy(struct jitseal_batch *batch)
{
	struct jitseal_batch **pp;
	struct jitseal_pool *pool;
	unsigned int k;
	int err = js_batch_check(batch);

	if (err)
		return err;
	pool = batch->pool;
	js_lock(&batch->fin_lock);	/* its finalize in flight ends first */
	js_lock(&pool->lock);
	js_lock(&batch->lock);
	js_discard_locked(batch);
	for (k = 0; k < JITSEAL_KIND_MAX; k++)
		js_claim_drop(batch, k);	/* no open run: no room needed */
	for (pp = &pool->batches; *pp; pp = &(*pp)->next) {
		if (*pp == batch) {
			*pp = batch->next;
			break;
		}
	}
	pool->allocs += batch->allocs;
	js_batch_release(batch);
	js_unlock(&batch->lock);
	js_unlock(&pool->lock);
	js_obj_free(batch, sizeof(*batch));
	return 0;
}
