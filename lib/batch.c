// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Batches: independent pending sets of a pool (their contents:
 * pending.c), created, discarded and destroyed.
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
	js_set_free(&b->set);
	js_set_free(&b->spare);
	js_stage_release(b->pool, &b->stage[JITSEAL_CODE]);
	js_stage_release(b->pool, &b->stage[JITSEAL_RODATA]);
	b->magic = JS_DEAD_MAGIC;
}

/* Called with the pool lock and the set's lock. */
static void js_discard_locked(struct jitseal_batch *b)
{
	js_assert_held(&b->pool->lock);
	js_assert_held(&b->lock);
	if (js_unlikely(js_prof_on()))
		js_prof_discarded(b);
	js_pending_discard(b);
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
	int err = js_batch_check(batch);

	if (err)
		return err;
	pool = batch->pool;
	js_lock(&batch->fin_lock);	/* its finalize in flight ends first */
	js_lock(&pool->lock);
	js_lock(&batch->lock);
	js_discard_locked(batch);
	js_claims_drop(batch);
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
