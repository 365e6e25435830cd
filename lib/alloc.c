// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Allocation: each batch bumps through its claim on each section (a
 * page or so taken from the pool's bump window, claim.c).  Bytes are
 * handed out in address order, so a later allocation continues in the
 * never-written tail of a page sealed earlier.  Each allocation is
 * recorded in its batch and counted on its pages, so that jitseal_free()
 * can find it and reclaim its pages.
 *
 * The allocations of code or rodata of a batch extend its open run
 * (js_claim.start..next), so a batch typically installs as one segment
 * per section.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Room for one more allocation record in @b. */
static int js_batch_grow_recs(struct jitseal_batch *b)
{
	size_t n = js_batch_nrec(b), cap = n ? n * 2 : 64;
	struct js_rec *recs = realloc(b->recs, cap * sizeof(*recs));

	if (!recs)
		return -ENOMEM;
	b->recs = recs;
	b->rec_next = recs + n;
	b->rec_end = recs + cap;
	return 0;
}

/*
 * Hand out [@a, @a + @size) of the claim of @kind, which holds it: the
 * gap before it goes into the open run, filled, unless the run is
 * empty, which then starts at @a.
 */
static void js_claim_take(struct jitseal_batch *b, unsigned int kind,
			  uintptr_t a, size_t size, struct jitseal_mem *mem)
{
	struct js_claim *c = &b->claim[kind];
	size_t lead = a - c->next;

	if (kind != JITSEAL_DATA && c->next == c->start) {
		c->pre = c->next;
		c->start = a;
	} else if (kind != JITSEAL_DATA && lead) {
		js_host_fill((char *)(c->next + c->delta), lead, kind);
	}
	js_pages_get(&c->r->sec[kind], c->next - c->base, a + size - c->base);
	mem->addr = (void *)a;
	mem->stage = (void *)(a + c->delta);
	b->rec_next->addr = a;
	b->rec_next->meta = JS_REC_META(size, lead, kind);
	b->rec_next++;
	js_claim_seek(c, a + size);
	b->allocs++;
}

/*
 * Under the batch's lock: the allocation from its claim, -EAGAIN if the
 * claim has no room for it (a refill needs the pool lock).
 */
static int js_alloc_claimed(struct jitseal_batch *b, size_t size,
			    size_t align, unsigned int kind,
			    struct jitseal_mem *mem)
{
	struct js_claim *c = &b->claim[kind];
	uintptr_t a = (c->next + align - 1) & ~(align - 1);

	if (b->rec_next == b->rec_end && js_batch_grow_recs(b))
		return -ENOMEM;
	if (!c->end || a + size > c->end)
		return -EAGAIN;
	js_claim_take(b, kind, a, size, mem);
	return 0;
}

/*
 * The general path: checks every argument; an allocation that fits its
 * claim (into the next page, a gap of more than 16 bytes, data) takes
 * only the batch's lock; a refill takes the pool lock too.
 */
static __attribute__((noinline)) int
js_alloc_slow(struct jitseal_batch *b, size_t size, size_t align,
	      unsigned int kind, struct jitseal_mem *mem)
{
	struct jitseal_pool *pool = b->pool;
	int err;

	if (!mem || kind >= JITSEAL_KIND_MAX || !size ||
	    (align & (align - 1)) || align > JS_MAX_ALIGN)
		return -EINVAL;
	if (size > JS_MAX_ALLOC)
		return -E2BIG;
	if (!align)
		align = JS_DEF_ALIGN;

	js_lock(&b->lock);
	err = js_alloc_claimed(b, size, align, kind, mem);
	js_unlock(&b->lock);
	if (err != -EAGAIN)
		return err;
	js_lock(&pool->lock);
	js_lock(&b->lock);
	/* another thread of this batch may have refilled meanwhile */
	err = js_alloc_claimed(b, size, align, kind, mem);
	if (err == -EAGAIN) {
		err = js_claim_refill(b, kind, size, align);
		if (!err)
			err = js_alloc_claimed(b, size, align, kind, mem);
		js_claim_trim(b, kind);
	}
	js_unlock(&b->lock);
	js_unlock(&pool->lock);
	return err;
}

static __attribute__((noinline)) int js_alloc_wake(int *lock)
{
	js_unlock_slow(lock);
	return 0;
}

/* The fast path gave up holding the lock: let go, then the slow path. */
static __attribute__((noinline)) int
js_alloc_unlock_slow(struct jitseal_batch *b, size_t size, size_t align,
		     unsigned int kind, struct jitseal_mem *mem)
{
	js_unlock(&b->lock);
	return js_alloc_slow(b, size, align, kind, mem);
}

/*
 * The fast path: a few compares, one atomic to take the batch's lock, a
 * bump through its claim (to the end of a page), a record, an atomic
 * count on the page, one atomic to let go; no call, and nothing shared
 * with other batches but the page count.  Anything unusual (bad or
 * default arguments, a contended batch, a full claim, an allocation into
 * the next page, a full record array, a gap of more than 16 bytes) and
 * every data allocation (no staging to fill gaps in: js_claim_seek())
 * take the slow path.  Filling the 16 bytes from the previous end
 * whether or not there is a gap costs two stores and spares a branch;
 * the allocation's own bytes among them are the caller's to write.
 */
static inline __attribute__((always_inline)) int
js_alloc(struct jitseal_batch *b, size_t size, size_t align, unsigned int kind,
	 struct jitseal_mem *mem)
{
	struct js_claim *c;
	struct js_rec *rec;
	uintptr_t old, a, end;
	intptr_t delta;
	uint64_t fill;
	int l = 0;

	if (js_unlikely(size - 1 >= JS_MAX_ALLOC))
		goto slow;
	if (js_unlikely(align - 1 >= JS_MAX_ALIGN))	/* 0 (default) too */
		goto slow;
	if (js_unlikely(align & (align - 1)))
		goto slow;
	if (js_unlikely(!mem || kind >= JITSEAL_KIND_MAX))
		goto slow;
	if (js_unlikely(!__atomic_compare_exchange_n(&b->lock, &l, 1, false,
						     __ATOMIC_ACQUIRE,
						     __ATOMIC_RELAXED)))
		goto slow;
	c = &b->claim[kind];
	old = c->next;
	a = (old + align - 1) & ~(align - 1);
	end = a + size;
	rec = b->rec_next;
	if (js_unlikely(end > c->pend))
		goto unlock_slow;
	if (js_unlikely(rec == b->rec_end))
		goto unlock_slow;
	if (js_unlikely(a - old > 16))
		goto unlock_slow;
	delta = c->delta;
	fill = c->fill;
	/* 16 bytes of fill from the previous end: the claim stages 16 more */
	memcpy((char *)(old + delta), &fill, 8);
	memcpy((char *)(old + delta) + 8, &fill, 8);
	mem->addr = (void *)a;
	mem->stage = (void *)(a + delta);
	rec->addr = a;
	rec->meta = JS_REC_META(size, a - old, kind);
	b->rec_next = rec + 1;
	__atomic_fetch_add(c->pcnt, 1, __ATOMIC_RELAXED);
	c->next = end;
	b->allocs++;
	if (js_unlikely(__atomic_exchange_n(&b->lock, 0, __ATOMIC_RELEASE) == 2))
		return js_alloc_wake(&b->lock);
	return 0;
unlock_slow:
	return js_alloc_unlock_slow(b, size, align, kind, mem);
slow:
	return js_alloc_slow(b, size, align, kind, mem);
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


/*
 * Give back the tail of @b's most recent allocation: it must be pending
 * (not finalized), be @mem (both addresses), end its batch's claim's
 * handed-out bytes, and shrink to 1..size-1 bytes (its size: nothing to
 * do).  Its start and alignment stay; the open run and the claim end
 * earlier, so the tail is never installed and the batch's next
 * allocation gets it, staged bytes too.  Pages it no longer overlaps
 * lose its count.
 */
static int js_shrink(struct jitseal_batch *b, const struct jitseal_mem *mem,
		     size_t new_size)
{
	struct jitseal_pool *pool = b->pool;
	struct js_claim *c;
	struct js_rec *e;
	unsigned int kind;
	size_t size, diff, p_new, p_old;
	int err = -EINVAL;

	if (!mem || !new_size)
		return -EINVAL;
	js_lock(&pool->lock);
	js_lock(&b->lock);
	if (b->rec_next == b->recs)
		goto out;
	e = b->rec_next - 1;
	kind = JS_REC_KIND(e);
	size = JS_REC_SIZE(e);
	c = &b->claim[kind];
	if (e->addr != (uintptr_t)mem->addr || new_size > size ||
	    !c->end || e->addr + size != c->next ||
	    mem->stage != (void *)(e->addr + c->delta))
		goto out;
	if (kind != JITSEAL_DATA && e->addr < c->start)
		goto out;
	diff = size - new_size;
	err = 0;
	if (!diff)
		goto out;
	e->meta = JS_REC_META(new_size, JS_REC_LEAD(e), kind);
	js_claim_seek(c, c->next - diff);
	js_claim_unbump(b, kind);
	p_new = (e->addr + new_size - 1 - c->base) >> js_page_shift;
	p_old = (e->addr + size - 1 - c->base) >> js_page_shift;
	if (p_old > p_new)
		js_pages_put(pool, c->r, kind, (p_new + 1) << js_page_shift,
			     e->addr + size - c->base);
out:
	js_unlock(&b->lock);
	js_unlock(&pool->lock);
	return err;
}

JITSEAL_API int jitseal_shrink(struct jitseal_pool *pool,
			       const struct jitseal_mem *mem, size_t new_size)
{
	int err = js_pool_check(pool);

	return err ? err : js_shrink(&pool->batch, mem, new_size);
}

JITSEAL_API int jitseal_batch_shrink(struct jitseal_batch *batch,
				     const struct jitseal_mem *mem,
				     size_t new_size)
{
	int err = js_batch_check(batch);

	return err ? err : js_shrink(batch, mem, new_size);
}
