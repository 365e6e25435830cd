// SPDX-License-Identifier: LGPL-2.1 OR MIT
/* Introspection: backend, pool statistics, module version and features. */
#include <string.h>

#include <linux/jitseal.h>

#include "internal.h"

JITSEAL_API int jitseal_pool_backend(struct jitseal_pool *pool)
{
	int err = js_pool_check(pool);

	return err ? err : (int)pool->be->id;
}

/* Pending allocations count as used, their alignment gaps included. */
static void js_recs_used(const struct js_rec *e, size_t n,
			 struct jitseal_pool_stats *st)
{
	size_t i;

	for (i = 0; i < n; i++)
		st->used[JS_REC_KIND(&e[i])] += JS_REC_LEAD(&e[i]) +
						 JS_REC_SIZE(&e[i]);
}

/* Add @b's figures to @st: its pending bytes and its allocations. */
static void js_batch_stats(struct jitseal_batch *b,
			   struct jitseal_pool_stats *st)
{
	uintptr_t lo, hi;
	unsigned int k;
	size_t i;

	js_lock(&b->lock);
	js_recs_used(b->set.recs, js_batch_nrec(b), st);
	if (b->fin)
		js_recs_used(b->fin->recs, js_set_nrec(b->fin), st);
	for (i = 0; i < b->set.nr; i++)
		st->pending += b->set.segs[i].len;
	for (i = 0; b->fin && i < b->fin->nr; i++)	/* being installed */
		st->pending += b->fin->segs[i].len;
	for (k = 0; k < JITSEAL_KIND_MAX; k++)
		if (js_open_run(b, k, &lo, &hi))
			st->pending += hi - lo;
	st->allocs += b->allocs;
	js_unlock(&b->lock);
}

JITSEAL_API int jitseal_pool_stats(struct jitseal_pool *pool,
				   struct jitseal_pool_stats *stats)
{
	struct jitseal_pool_stats st;
	struct jitseal_batch *b;
	const struct js_region *r;
	int err = js_pool_check(pool);
	unsigned int k;

	if (err)
		return err;
	if (!stats || stats->sz < sizeof(size_t))
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	js_lock(&pool->lock);
	st.backend = pool->be->id;
	st.regions = pool->nr_regions;
	for (r = pool->regions; r; r = r->next) {
		for (k = 0; k < JITSEAL_KIND_MAX; k++) {
			const struct js_section *s = &r->sec[k];

			st.reserved[k] += s->size;
			st.reclaimed[k] += s->reclaimed;
			st.kept_pages += s->kept;
		}
		st.pages += pool->be->pages(pool, (struct js_region *)r);
	}
	for (k = 0; k < JITSEAL_KIND_MAX; k++)
		st.used[k] = st.sealed[k] = pool->live[k];
	st.allocs = pool->allocs;
	js_batch_stats(&pool->batch, &st);
	for (b = pool->batches; b; b = b->next)
		js_batch_stats(b, &st);
	st.sealed[JITSEAL_DATA] = st.used[JITSEAL_DATA];
	st.finalizes = pool->finalizes;
	st.loads = __atomic_load_n(&pool->loads, __ATOMIC_RELAXED);
	st.discards = pool->discards;
	st.frees = pool->frees;
	st.freed_bytes = pool->freed_bytes;
	st.reclaim_refusals = pool->refusals;
	js_unlock(&pool->lock);
	return js_copy_out(stats, stats->sz, &st, sizeof(st));
}

JITSEAL_API int jitseal_module_info(struct jitseal_module_info *info)
{
	struct jitseal_version v;
	struct jitseal_module_info mi;
	int err;

	if (!info || info->sz < sizeof(size_t))
		return -EINVAL;
	err = js_kmod_version(&v);
	if (err)
		return err;
	memset(&mi, 0, sizeof(mi));
	mi.api_version = v.api_version;
	mi.max_segments = v.max_segments;
	mi.features = v.features;
	mi.page_size = v.page_size;
	mi.max_load_bytes = v.max_load_bytes;
	mi.max_pool_bytes = v.max_pool_bytes;
	return js_copy_out(info, info->sz, &mi, sizeof(mi));
}
