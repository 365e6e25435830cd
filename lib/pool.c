// SPDX-License-Identifier: LGPL-2.1 OR MIT
/* Pools: options, creation and destruction (regions: region.c). */
#include <string.h>

#include "internal.h"
#include "profile.h"

#define JS_DEF_CODE	(2UL << 20)
#define JS_DEF_RODATA	(512UL << 10)
#define JS_DEF_DATA	(512UL << 10)
#define JS_MAX_SECTION	(1UL << 30)	/* per section of one region */

static int js_size_opt(size_t v, size_t def, size_t *out)
{
	if (!v)
		v = def;
	if (v > JS_MAX_SECTION)
		return -E2BIG;
	*out = js_round_up(v, js_page_size);
	return 0;
}

JITSEAL_API struct jitseal_pool *
jitseal_pool_create(const struct jitseal_pool_opts *opts)
{
	struct jitseal_pool *pool;
	unsigned int sealing, flags;
	uintptr_t near;
	int err;

	js_explain_clear();
	if (!JS_OPTS_VALID(opts, near)) {
		js_explain("jitseal_pool_opts: sz %zu is not valid here (the library knows %zu bytes), or fields it does not know are set",
			   opts->sz, sizeof(*opts));
		errno = EINVAL;
		return NULL;
	}
	sealing = JS_OPTS_GET(opts, sealing, JITSEAL_SEALED_ONLY);
	flags = JS_OPTS_GET(opts, flags, 0U);
	near = (uintptr_t)JS_OPTS_GET(opts, near, NULL);
	if (sealing > JITSEAL_SEALED_PREFERRED ||
	    (unsigned int)JS_OPTS_GET(opts, backend, 0) > JITSEAL_BACKEND_MPROTECT ||
	    (flags & ~JITSEAL_POOL_FLAGS)) {
		js_explain("jitseal_pool_opts: unknown sealing, backend or flags value");
		errno = EINVAL;
		return NULL;
	}

	pool = js_obj_alloc(sizeof(*pool));
	if (!pool) {
		errno = ENOMEM;
		return NULL;
	}
	pool->tail = &pool->regions;
	pool->flags = flags;
	pool->fork_gen = __atomic_load_n(&js_fork_gen, __ATOMIC_RELAXED);
	if (near)
		pool->lo = pool->hi = near;
	js_batch_init(&pool->batch, pool);

	err = js_size_opt(JS_OPTS_GET(opts, code_size, 0), JS_DEF_CODE,
			  &pool->def_size[JITSEAL_CODE]);
	if (!err)
		err = js_size_opt(JS_OPTS_GET(opts, rodata_size, 0),
				  JS_DEF_RODATA, &pool->def_size[JITSEAL_RODATA]);
	if (!err)
		err = js_size_opt(JS_OPTS_GET(opts, data_size, 0), JS_DEF_DATA,
				  &pool->def_size[JITSEAL_DATA]);
	if (!err)
		err = js_backend_select(opts, &pool->be);
	if (!err && pool->be->probe)
		err = pool->be->probe(pool);
	if (!err)
		err = js_region_add(pool, JITSEAL_CODE, 0, 1);
	if (!err)
		err = js_stage_prepare(pool);
	if (err) {
		struct js_region *r, *rn;

		for (r = pool->regions; r; r = rn) {
			rn = r->next;
			js_region_free(pool, r);
		}
		js_stage_cache_release(pool);
		js_obj_free(pool, sizeof(*pool));
		js_explain_fallback(err);
		errno = -err;
		return NULL;
	}
	__atomic_store_n(&pool->magic, JS_POOL_MAGIC, __ATOMIC_RELEASE);
	return pool;
}

JITSEAL_API int jitseal_pool_destroy(struct jitseal_pool *pool)
{
	struct jitseal_batch *b, *bn;
	struct js_region *r, *rn;
	int err = js_pool_check(pool);

	if (err)
		return err;
	js_lock(&pool->lock);
	__atomic_store_n(&pool->magic, JS_DEAD_MAGIC, __ATOMIC_RELAXED);
	/* finalizes installing without the lock publish first */
	while (pool->inflight) {
		int n = pool->inflight;

		js_unlock(&pool->lock);
		js_futex_wait(&pool->inflight, n);
		js_lock(&pool->lock);
	}
	if (js_unlikely(js_prof_on()))
		js_prof_pool_gone(pool);
	for (b = pool->batches; b; b = bn) {
		bn = b->next;
		js_batch_release(b);
		js_obj_free(b, sizeof(*b));
	}
	js_batch_release(&pool->batch);
	js_stage_cache_release(pool);
	js_amap_release(&pool->amap);
	js_units_release(&pool->units);
	for (r = pool->regions; r; r = rn) {
		rn = r->next;
		js_region_free(pool, r);
	}
	js_unlock(&pool->lock);
	js_obj_free(pool, sizeof(*pool));
	return 0;
}
