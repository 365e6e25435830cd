// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Allocation: a bump pointer per section of the current region, in a
 * window of free pages (page.c).  Bytes are handed out in address order,
 * so a later allocation continues in the never-written tail of a page
 * sealed earlier: no page tail is wasted.  Each allocation is recorded in
 * its batch and counted on its pages, so that jitseal_free() can find it
 * and reclaim its pages.
 *
 * Every allocation of code or rodata is recorded in a batch as a pending
 * run (batch.c); adjacent allocations of one batch extend the same run, so
 * a batch typically installs as one segment per section.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Fill an alignment gap of @n bytes: int3 for code, 0 for rodata. */
static void js_fill(char *p, size_t n, unsigned int kind)
{
	memset(p, kind == JITSEAL_CODE ? 0xcc : 0, n);
}

/* Fill a gap of at most 16 bytes without a call. */
static inline void js_fill16(char *p, size_t n, unsigned int kind)
{
	uint64_t pat = kind == JITSEAL_CODE ? 0xccccccccccccccccULL : 0;

	if (n >= 8) {
		memcpy(p, &pat, 8);
		memcpy(p + n - 8, &pat, 8);
	} else if (n >= 4) {
		memcpy(p, &pat, 4);
		memcpy(p + n - 4, &pat, 4);
	} else if (n >= 2) {
		memcpy(p, &pat, 2);
		memcpy(p + n - 2, &pat, 2);
	} else if (n) {
		*p = (char)pat;
	}
}

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

/*
 * A new run in the batch, open for further allocations of @kind; its
 * staged bytes in *@src.
 */
static int js_batch_push(struct jitseal_batch *b, struct js_region *r,
			 unsigned int kind, size_t off, size_t size, char **src)
{
	struct js_stager *st = &b->stage[kind];
	struct js_chunk *chunk;
	struct js_seg *seg;
	int err;

	js_batch_sync(b);
	if ((b->nr == b->cap || !b->segs) && (err = js_batch_grow(b)))
		return err;
	err = js_stage_run(b->pool, st, (uintptr_t)js_sec_addr(r, kind) + off,
			   size, src, &chunk);
	if (err)
		return err;
	seg = &b->segs[b->nr++];
	seg->r = r;
	seg->kind = kind;
	seg->off = off;
	seg->len = size;
	seg->src = *src;
	seg->chunk = chunk;
	st->pos = *src + size;
	b->last[kind] = b->nr;
	b->run_r[kind] = r;
	b->run_end[kind] = off + size;
	return 0;
}

/*
 * Start a new run at @off (final address @a) without a call, when the
 * batch has room for it and the current staging chunk too: its staged
 * bytes, or NULL for the slow path.  The caller sets the run's end.
 */
static inline __attribute__((always_inline)) char *
js_run_start(struct jitseal_batch *b, struct js_region *r, unsigned int kind,
	     size_t off, size_t size, uintptr_t a)
{
	struct js_stager *st = &b->stage[kind];
	struct js_chunk *c = st->cur;
	size_t n = b->nr, last = b->last[kind];
	struct js_seg *seg;
	char *src;

	if (js_unlikely(n == b->cap || !c))
		return NULL;
	src = st->pos + ((a - (uintptr_t)st->pos) & (js_page_size - 1));
	if (js_unlikely(src > st->end || (size_t)(st->end - src) < size))
		return NULL;
	if (last)	/* the run it closes gets its length */
		b->segs[last - 1].len = b->run_end[kind] - b->segs[last - 1].off;
	seg = &b->segs[n];
	seg->r = r;
	seg->kind = kind;
	seg->off = off;
	seg->len = size;
	seg->src = src;
	seg->chunk = c;
	c->runs++;
	b->nr = n + 1;
	b->last[kind] = n + 1;
	b->run_r[kind] = r;
	return src;
}

/* The general path: checks every argument, grows, starts new runs. */
static __attribute__((noinline)) int
js_alloc_slow(struct jitseal_batch *b, size_t size, size_t align,
	      unsigned int kind, struct jitseal_mem *mem)
{
	struct jitseal_pool *pool = b->pool;
	struct js_region *r;
	struct js_section *s;
	uintptr_t a;
	size_t off, old;
	int err = 0;

	if (!mem || kind >= JITSEAL_KIND_MAX || !size ||
	    (align & (align - 1)) || align > JS_MAX_ALIGN)
		return -EINVAL;
	if (size > JS_MAX_ALLOC)
		return -E2BIG;
	if (!align)
		align = JS_DEF_ALIGN;

	js_lock(&pool->lock);
	if (b->rec_next == b->rec_end && (err = js_batch_grow_recs(b)))
		goto out;
	for (;;) {
		r = pool->cur[kind];
		s = &r->sec[kind];
		old = s->next;
		a = ((uintptr_t)s->addr + old + align - 1) & ~(align - 1);
		off = a - (uintptr_t)s->addr;
		if (off + size <= s->limit)
			break;
		err = js_region_add(pool, kind, size, align);
		if (err)
			goto out;
	}
	mem->addr = (void *)a;
	mem->stage = (void *)a;
	if (kind != JITSEAL_DATA) {
		struct js_stager *st = &b->stage[kind];
		char *src;

		if (b->run_r[kind] == r && b->run_end[kind] == old &&
		    (size_t)(st->end - st->pos) >= off - old + size) {
			/* extend our run over the alignment gap */
			if (off > old)
				js_fill(st->pos, off - old, kind);
			src = st->pos + (off - old);
			st->pos = src + size;
			b->run_end[kind] = off + size;
		} else {
			err = js_batch_push(b, r, kind, off, size, &src);
			if (err)
				goto out;
		}
		mem->stage = src;
	}
	js_pages_get(s, old, off + size);
	b->rec_next->addr = a;
	b->rec_next->meta = JS_REC_META(size, off - old, kind);
	b->rec_next++;
	s->next = off + size;
	s->allocs++;
out:
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
	js_unlock(&b->pool->lock);
	return js_alloc_slow(b, size, align, kind, mem);
}

/* The fast path for one kind, a constant after inlining. */
static inline __attribute__((always_inline)) int
js_alloc_kind(struct jitseal_batch *b, size_t size, size_t align,
	      const unsigned int kind, struct jitseal_mem *mem)
{
	struct jitseal_pool *pool = b->pool;
	struct js_section *s;
	struct js_region *r;
	struct js_rec *rec;
	size_t off, old, gap;
	uintptr_t a;
	int c = 0;

	if (js_unlikely(!__atomic_compare_exchange_n(&pool->lock, &c, 1, false,
						     __ATOMIC_ACQUIRE,
						     __ATOMIC_RELAXED)))
		goto slow;
	r = pool->cur[kind];
	s = &r->sec[kind];
	old = s->next;
	a = ((uintptr_t)s->addr + old + align - 1) & ~(align - 1);
	off = a - (uintptr_t)s->addr;
	if (js_unlikely(off + size > s->limit))
		goto unlock_slow;
	/* one page, room for its record: else the slow path */
	if (js_unlikely((old ^ (off + size - 1)) >> js_page_shift))
		goto unlock_slow;
	rec = b->rec_next;
	if (js_unlikely(rec == b->rec_end))
		goto unlock_slow;
	mem->addr = (void *)a;
	gap = off - old;
	if (kind != JITSEAL_DATA) {
		struct js_stager *st = &b->stage[kind];
		char *src = st->pos;

		if (b->run_r[kind] != r || b->run_end[kind] != old) {
			/* the first allocation of a run (after a finalize) */
			src = js_run_start(b, r, kind, off, size, a);
			if (js_unlikely(!src))
				goto unlock_slow;
		} else {
			if (js_unlikely((size_t)(st->end - src) < gap + size))
				goto unlock_slow;
			if (gap) {
				if (js_unlikely(gap > 16))
					goto unlock_slow;
				js_fill16(src, gap, kind);
				src += gap;
			}
		}
		st->pos = src + size;
		b->run_end[kind] = off + size;
		mem->stage = src;
	} else {
		mem->stage = (void *)a;
	}
	rec->addr = a;
	rec->meta = JS_REC_META(size, gap, kind);
	b->rec_next = rec + 1;
	s->cnt[old >> js_page_shift]++;
	s->next = off + size;
	s->allocs++;
	if (js_unlikely(__atomic_exchange_n(&pool->lock, 0, __ATOMIC_RELEASE) == 2))
		return js_alloc_wake(&pool->lock);
	return 0;
unlock_slow:
	return js_alloc_unlock_slow(b, size, align, kind, mem);
slow:
	return js_alloc_slow(b, size, align, kind, mem);
}

/*
 * The fast path: a few compares, one atomic to lock, a bump, extending
 * the batch's open run, a record and a page count, one atomic to unlock;
 * no call.  Anything unusual (bad or default arguments, a contended lock,
 * a full window, the first allocation of a run, a large alignment gap, an
 * allocation across a page boundary, a full record array) takes the slow
 * path.
 */
static inline __attribute__((always_inline)) int
js_alloc(struct jitseal_batch *b, size_t size, size_t align, unsigned int kind,
	 struct jitseal_mem *mem)
{
	if (js_unlikely(size - 1 >= JS_MAX_ALLOC))
		goto slow;
	if (js_unlikely(align - 1 >= JS_MAX_ALIGN))	/* 0 (default) too */
		goto slow;
	if (js_unlikely(align & (align - 1)))
		goto slow;
	if (js_unlikely(!mem))
		goto slow;
	if (js_likely(kind == JITSEAL_CODE))
		return js_alloc_kind(b, size, align, JITSEAL_CODE, mem);
	if (kind == JITSEAL_RODATA)
		return js_alloc_kind(b, size, align, JITSEAL_RODATA, mem);
	if (kind == JITSEAL_DATA)
		return js_alloc_kind(b, size, align, JITSEAL_DATA, mem);
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
 * (not finalized), be @mem (both addresses), and shrink to 1..size-1
 * bytes (its size: nothing to do).  Its start and alignment stay; the run
 * ends earlier, so the tail is never installed; its staged bytes go back,
 * and so do its final bytes when nothing was allocated after it (the
 * next allocation gets them).  Pages it no longer overlaps lose its count.
 */
static int js_shrink(struct jitseal_batch *b, const struct jitseal_mem *mem,
		     size_t new_size)
{
	struct jitseal_pool *pool = b->pool;
	struct js_region *r;
	struct js_section *s;
	struct js_rec *e;
	unsigned int kind;
	size_t size, off, diff, p_new, p_old;
	int err = -EINVAL;

	if (!mem || !new_size)
		return -EINVAL;
	js_lock(&pool->lock);
	if (b->rec_next == b->recs)
		goto out;
	e = b->rec_next - 1;
	kind = JS_REC_KIND(e);
	size = JS_REC_SIZE(e);
	if (e->addr != (uintptr_t)mem->addr || new_size > size)
		goto out;
	r = js_rec_region(pool, e);
	s = &r->sec[kind];
	off = e->addr - (uintptr_t)s->addr;
	diff = size - new_size;
	if (kind != JITSEAL_DATA) {
		struct js_stager *st = &b->stage[kind];

		/* the open run ends with it, its staged bytes at the end */
		if (b->run_r[kind] != r || b->run_end[kind] != off + size ||
		    mem->stage != st->pos - size)
			goto out;
		if (!diff)
			goto ok;
		b->run_end[kind] -= diff;
		st->pos -= diff;
	} else if (mem->stage != mem->addr) {
		goto out;
	}
	if (!diff)
		goto ok;
	e->meta = JS_REC_META(new_size, JS_REC_LEAD(e), kind);
	if (s->next == off + size)
		s->next -= diff;
	p_new = (off + new_size - 1) >> js_page_shift;
	p_old = (off + size - 1) >> js_page_shift;
	if (p_old > p_new)
		js_pages_put(pool, r, kind, (p_new + 1) << js_page_shift,
			     off + size);
ok:
	err = 0;
out:
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
