// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * jitseal_free(): give one finalized allocation back.  Its pages lose a
 * count; a page no allocation overlaps any more is reclaimed (page.c),
 * and the bump windows reuse it.  jitseal_free_unit(): every allocation
 * of a unit (unit.c) at once.
 */
#include <stdlib.h>

#include "internal.h"
#include "profile.h"

/* Is @addr the start of an allocation still pending in some batch? */
static bool js_pending(struct jitseal_pool *pool, uintptr_t addr)
{
	struct jitseal_batch *b = &pool->batch;
	bool found = false;
	size_t i;

	js_assert_held(&pool->lock);
	for (; b && !found; b = b == &pool->batch ? pool->batches : b->next) {
		js_lock(&b->lock);
		for (i = 0; i < js_batch_nrec(b) && !found; i++)
			found = b->set.recs[i].addr == addr;
		for (i = 0; b->fin && i < js_set_nrec(b->fin) && !found; i++)
			found = b->fin->recs[i].addr == addr;	/* being installed */
		js_unlock(&b->lock);
	}
	return found;
}

/* @unit: the caller has taken @addr's unit out already. */
static int js_free(struct jitseal_pool *pool, uintptr_t addr, bool unit)
{
	struct js_rec e;

	js_assert_held(&pool->lock);
	if (!js_amap_take(&pool->amap, addr, &e))
		return js_pending(pool, addr) ? -EBUSY : -EINVAL;
	if (js_unlikely(e.meta & JS_REC_UNIT) && !unit)
		js_units_forget(&pool->units, addr);
	pool->frees++;
	pool->freed_bytes += JS_REC_SIZE(&e);
	pool->live[JS_REC_KIND(&e)] -= JS_REC_LEAD(&e) + JS_REC_SIZE(&e);
	if (js_unlikely(js_prof_on()) && JS_REC_KIND(&e) == JITSEAL_CODE)
		js_prof_freed(pool, addr, JS_REC_SIZE(&e));
	js_rec_put(pool, &e);
	return 0;
}

JITSEAL_API int jitseal_free(struct jitseal_pool *pool, void *addr)
{
	int err = js_pool_check(pool);

	if (err)
		return err;
	if (!addr)
		return -EINVAL;
	/* a child shares the parent's pages: it must not take them away */
	if (js_forked(pool))
		return -ECHILD;
	js_lock(&pool->lock);
	err = js_free(pool, (uintptr_t)addr, false);
	js_unlock(&pool->lock);
	return err;
}

JITSEAL_API int jitseal_free_unit(struct jitseal_pool *pool, uint64_t unit)
{
	uintptr_t *addr = NULL;
	size_t i, nr = 0;
	int err = js_pool_check(pool);

	if (err || !unit)
		return err;
	if (js_forked(pool))
		return -ECHILD;
	js_lock(&pool->lock);
	err = js_unit_take(&pool->units, unit, &addr, &nr);
	for (i = 0; !err && i < nr; i++)
		(void)js_free(pool, addr[i], true);	/* live: in the list */
	js_unlock(&pool->lock);
	free(addr);
	return err == -ENOENT ? -EINVAL : err;
}
