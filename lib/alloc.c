// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Allocation: a bump pointer per section of the current region.  Bytes
 * are handed out in address order, so a later allocation continues in the
 * never-written tail of a page sealed earlier: no page tail is wasted.
 *
 * Every allocation of code or rodata is recorded in a batch as a pending
 * run; adjacent allocations of one batch extend the same run, so a batch
 * typically installs as one segment per section.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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
	b->magic = JS_DEAD_MAGIC;
}

static int js_batch_check(const struct jitseal_batch *b)
{
	if (!b)
		return -EINVAL;
	if (__atomic_load_n(&b->magic, __ATOMIC_RELAXED) != JS_BATCH_MAGIC)
		return -EBADF;
	return js_pool_check(b->pool);
}

static int js_batch_grow(struct jitseal_batch *b)
{
	size_t cap = b->cap ? b->cap * 2 : 8;
	struct js_seg *segs = realloc(b->segs, cap * sizeof(*segs));

	if (!segs)
		return -ENOMEM;
	b->segs = segs;
	b->cap = cap;
	return 0;
}

/* Slow path: classify bad arguments. */
static int js_alloc_einval(size_t size, size_t align, unsigned int kind,
			   const struct jitseal_mem *mem)
{
	if (!mem || kind >= JITSEAL_KIND_MAX || !size ||
	    (align & (align - 1)) || align > JS_MAX_ALIGN)
		return -EINVAL;
	return -E2BIG;		/* size > JS_MAX_ALLOC */
}

static int js_alloc(struct jitseal_batch *b, size_t size, size_t align,
		    unsigned int kind, struct jitseal_mem *mem)
{
	struct jitseal_pool *pool = b->pool;
	struct js_region *r;
	struct js_section *s;
	uintptr_t base, a;
	size_t off, old;
	int err;

	if (js_unlikely(!mem || kind >= JITSEAL_KIND_MAX ||
			size - 1 >= JS_MAX_ALLOC || (align & (align - 1)) ||
			align > JS_MAX_ALIGN))
		return js_alloc_einval(size, align, kind, mem);
	if (!align)
		align = JS_DEF_ALIGN;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		r = pool->cur[kind];
		s = &r->sec[kind];
		base = (uintptr_t)js_sec_addr(r, kind);
		a = (base + s->next + align - 1) & ~(align - 1);
		off = a - base;
		if (js_likely(off + size <= s->size))
			break;
		err = js_region_add(pool, kind, size, align);
		if (err)
			goto out;
	}
	old = s->next;
	if (kind != JITSEAL_DATA) {
		char *stage = r->stage + s->off;
		size_t li = b->last[kind];
		struct js_seg *seg = li ? &b->segs[li - 1] : NULL;

		if (seg && seg->r == r && seg->off + seg->len == old) {
			/* extend our run; pad the alignment gap */
			if (off > old)
				memset(stage + old, kind == JITSEAL_CODE ? 0xcc : 0,
				       off - old);
			seg->len = off + size - seg->off;
			b->pending += off + size - old;
		} else {
			if ((b->nr == b->cap || !b->segs) &&
			    (err = js_batch_grow(b)))
				goto out;
			seg = &b->segs[b->nr++];
			seg->r = r;
			seg->kind = kind;
			seg->off = off;
			seg->len = size;
			b->last[kind] = b->nr;
			b->pending += size;
		}
		mem->stage = stage + off;
	} else {
		mem->stage = (void *)a;
	}
	s->next = off + size;
	mem->addr = (void *)a;
	pool->allocs++;
	err = 0;
out:
	pthread_mutex_unlock(&pool->lock);
	return err;
}

JITSEAL_API int jitseal_alloc(struct jitseal_pool *pool, size_t size,
			      size_t align, enum jitseal_kind kind,
			      struct jitseal_mem *mem)
{
	int err = js_pool_check(pool);

	if (js_unlikely(err))
		return err;
	return js_alloc(&pool->batch, size, align, kind, mem);
}

JITSEAL_API int jitseal_batch_alloc(struct jitseal_batch *batch, size_t size,
				    size_t align, enum jitseal_kind kind,
				    struct jitseal_mem *mem)
{
	int err = js_batch_check(batch);

	if (js_unlikely(err))
		return err;
	return js_alloc(batch, size, align, kind, mem);
}

/* Give back the pending runs; a run at the end of its section is reused. */
static void js_discard_locked(struct jitseal_batch *b)
{
	size_t i;

	for (i = b->nr; i-- > 0;) {
		struct js_seg *seg = &b->segs[i];
		struct js_section *s = &seg->r->sec[seg->kind];

		if (s->next == seg->off + seg->len)
			s->next = seg->off;
		b->pool->discards++;
	}
	b->nr = 0;
	b->pending = 0;
	memset(b->last, 0, sizeof(b->last));
}

static int js_discard(struct jitseal_batch *b)
{
	pthread_mutex_lock(&b->pool->lock);
	js_discard_locked(b);
	pthread_mutex_unlock(&b->pool->lock);
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
	pthread_mutex_lock(&pool->lock);
	b->next = pool->batches;
	pool->batches = b;
	pthread_mutex_unlock(&pool->lock);
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
	pthread_mutex_lock(&pool->lock);
	js_discard_locked(batch);
	for (pp = &pool->batches; *pp; pp = &(*pp)->next) {
		if (*pp == batch) {
			*pp = batch->next;
			break;
		}
	}
	js_batch_release(batch);
	pthread_mutex_unlock(&pool->lock);
	js_obj_free(batch, sizeof(*batch));
	return 0;
}
