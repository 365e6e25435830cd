// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * A pending set (a batch, or a pool's own): everything that is allocated
 * and not yet finalized, and the only file that writes it.
 *
 * Claims: a set takes the bytes it hands out from the pool's bump
 * window a 32nd of the section at a time, at most JS_CLAIM_MAX (or as
 * many pages as the allocation needs), under the pool lock, and then
 * bumps through them alone: the allocation paths take only the set's
 * lock, so compiler threads with a batch each wait neither for one
 * another nor for another thread's finalize, but for the pool lock once
 * per refill.
 *
 * A claim holds one count on every page of [lo, end) (page.c), so none
 * of them is reclaimed, or covered by another window, while the set may
 * still allocate there (lo moves up past the pages it has left:
 * js_claim_trim(); back down if a shrink returns there:
 * js_claim_unbump()).  The fast path counts each allocation on its page
 * with an atomic add, safe because the page already has the claim's
 * count.  Its staging room (code and rodata) is reserved in one piece
 * when it is claimed, so the open run is staged contiguously.
 *
 * When a claim is full, it grows in place if it still ends at the bump
 * pointer (nobody claimed after it: always so with one set, so no page
 * tail is lost); otherwise a new claim replaces it.  A claim that goes
 * (replaced, discarded, destroyed) gives its unused rest back to the
 * window if it ends at the bump pointer, else keeps it as a rest of its
 * section (page.c) for the next claim of any set that fits.  The next
 * claim usually starts where the last one ended, staged right after it:
 * then the open run simply goes on, and a set still installs as one
 * segment per section.
 *
 * Runs: the run a set is extending is kept open per kind in its claim
 * (start..next), so that the fast path extends it without touching the
 * closed runs (js_set.segs).  Records: one per allocation
 * (js_set.recs), so that jitseal_free() can find it once finalized.
 * A finalize takes the closed runs and records out as one struct
 * (js_pending_take()) and puts back what it did not install
 * (js_pending_put_back()).
 */
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "internal.h"

#define JS_MAX_ALLOC	(1UL << 30)	/* a section of one region at most */
#define JS_MAX_ALIGN	(1UL << 21)
#define JS_DEF_ALIGN	16
/* staging starts over (js_stage_restart()) once this far into a chunk */
#define JS_STAGE_RESTART	(16UL << 10)

/*
 * The claim @c hands out from @next on: the fast path may bump to the end
 * of next's page (pcnt counts that page), the slow path beyond it.  Data
 * has no staging where the fast path could fill gaps: slow path only.
 */
/*
 * Unwritten bytes: the staging of everything the claim @c may hand out
 * up to @to is filled before it is handed out, with the architecture's
 * trap (code) or zeroes (rodata), so that bytes of an allocation the JIT
 * does not write, and the gaps alignment leaves, are installed as that
 * fill and never as what staging held before (an earlier finalize's
 * bytes: staging is reused).  A page at a time, as the claim moves into
 * it (js_claim_seek(), the slow path), so that the fast path stores
 * nothing for it.  Data is not staged: it is fresh anonymous memory, or
 * memory whose page was given back (MADV_DONTNEED), and reads as zero.
 */
static void js_claim_fill(struct js_claim *c, uintptr_t to)
{
	js_arch_fill((char *)(c->filled + c->delta), to - c->filled,
		     (int)c->fill);
	c->filled = to;
}

static void js_claim_seek(struct js_claim *c, uintptr_t next)
{
	uintptr_t pend = js_round_down(next, js_page_size) + js_page_size;

	c->next = next;
	c->pend = pend < c->end ? pend : c->end;
	if (!c->chunk)		/* data: the slow path only */
		c->pend = 0;
	else if (c->filled < c->pend)
		js_claim_fill(c, c->pend);
	c->pcnt = c->cnt + ((next - c->base) >> js_page_shift);
}

/* The open run of @kind of @b, [*lo, *hi): false if empty. */
bool js_open_run(const struct jitseal_batch *b,
			       unsigned int kind, uintptr_t *lo, uintptr_t *hi)
{
	const struct js_claim *c = &b->claim[kind];

	*lo = c->start;
	*hi = c->next;
	return kind != JITSEAL_DATA && c->next > c->start;
}


/* Make room for @n more closed runs in @b. */
static int js_batch_grow(struct jitseal_batch *b, size_t n)
{
	struct js_seg *segs = js_grow(b->set.segs, &b->set.cap, b->set.nr + n,
				      sizeof(*segs), 8);

	if (!segs)
		return -ENOMEM;
	b->set.segs = segs;
	return 0;
}

/* The open run of @kind becomes a closed one (room made beforehand). */
static inline void js_run_close(struct jitseal_batch *b, unsigned int kind)
{
	struct js_claim *c = &b->claim[kind];
	struct js_seg *seg;

	if (kind != JITSEAL_DATA && c->next > c->start) {
		seg = &b->set.segs[b->set.nr++];
		seg->r = c->r;
		seg->kind = kind;
		seg->lead = (unsigned int)(c->start - c->pre);
		seg->off = c->start - c->base;
		seg->len = c->next - c->start;
		seg->src = (char *)(c->start + c->delta);
		seg->chunk = c->chunk;
		js_stage_get(c->chunk);
	}
	c->start = c->pre = c->next;
}

/*
 * The claim of @kind goes: its open run is closed (room made
 * beforehand), its unused tail goes back to the window if it ends at the
 * bump pointer, else it is kept for a later claim of any batch
 * (js_rest_keep(), with the claim's counts on its pages), and its pages
 * and staging lose its counts.
 */
static void js_claim_drop(struct jitseal_batch *b, unsigned int kind)
{
	struct js_claim *c = &b->claim[kind];
	struct js_section *s;
	size_t lo, next, end, p;

	if (!c->end)
		return;
	js_run_close(b, kind);
	s = &c->r->sec[kind];
	lo = c->lo - c->base;
	next = c->next - c->base;
	end = c->end - c->base;
	p = js_round_down(next, js_page_size);
	if (js_window_give_back(s, next, end)) {
		/* the rest is the window's again */
	} else if (next < end && p >= js_round_down(lo, js_page_size) &&
		   __atomic_load_n(&s->cnt[p >> js_page_shift],
				   __ATOMIC_RELAXED) > 1 &&
		   js_rest_keep(b->pool, c->r, kind, next, end)) {
		/*
		 * Something else is on next's page (else all of it is free
		 * again): the rest keeps the claim's counts from there on.
		 */
		if (lo < p)
			js_pages_put(b->pool, c->r, kind, lo, p);
		lo = end;
	}
	if (kind != JITSEAL_DATA) {
		struct js_stager *st = &b->stage[kind];

		if (st->pos == (char *)(c->end + c->delta))
			st->pos = (char *)(c->next + c->delta);
		js_stage_put(st, c->chunk);
	}
	if (lo < end)
		js_pages_put(b->pool, c->r, kind, lo, end);
	memset(c, 0, sizeof(*c));
}

/*
 * The claim of @kind stops counting on the pages it has bumped past: they
 * are like the pages before a window's bump pointer, reclaimed as soon as
 * no allocation overlaps them.  (The fast path cannot do it: reclaiming
 * takes the pool lock.)
 */
static void js_claim_trim(struct jitseal_batch *b, unsigned int kind)
{
	struct js_claim *c = &b->claim[kind];
	uintptr_t p = js_round_down(c->next, js_page_size);

	if (!c->end || p <= c->lo)
		return;
	js_pages_put(b->pool, c->r, kind, c->lo - c->base, p - c->base);
	c->lo = p;
}

/*
 * The claim of @kind hands out from before the pages it counts on (a
 * shrink took it back over pages trim had let go): it counts on them
 * again, before anything can be allocated there.
 */
static void js_claim_unbump(struct jitseal_batch *b, unsigned int kind)
{
	struct js_claim *c = &b->claim[kind];
	uintptr_t p = js_round_down(c->next, js_page_size);
	uintptr_t lo = js_round_down(c->lo, js_page_size);

	/* counts are per page: lo's own page is counted already */
	if (!c->end || p >= lo)
		return;
	js_pages_get(&c->r->sec[kind], p - c->base, lo - c->base);
	c->lo = p;
}

/* js_claim_trim() for the claims that have left a page. */
static inline void js_claim_trim_if(struct jitseal_batch *b, unsigned int kind)
{
	const struct js_claim *c = &b->claim[kind];

	if (js_round_down(c->next, js_page_size) > c->lo)
		js_claim_trim(b, kind);
}

/*
 * A finalize takes the batch's pending runs: the open ones are closed
 * (-ENOMEM without room for them, and nothing changed), and the claims
 * stop counting on the pages they have bumped past.
 */
int js_claims_settle(struct jitseal_batch *b)
{
	unsigned int k;

	if ((!b->set.segs || b->set.nr + JS_STAGED_KINDS > b->set.cap) &&
	    js_batch_grow(b, JS_STAGED_KINDS))
		return -ENOMEM;
	for (k = 0; k < JITSEAL_KIND_MAX; k++) {
		if (!b->claim[k].end)
			continue;
		js_run_close(b, k);
		js_claim_trim_if(b, k);
	}
	return 0;
}

/*
 * Nothing is pending in the claim of @kind and its chunk holds nothing
 * else (after a finalize): its staging room starts over at the chunk's
 * beginning, so that staging is reused by every finalize instead of
 * marching through ever larger chunks.
 */
static void js_claim_restage(struct jitseal_batch *b, unsigned int kind)
{
	struct js_claim *c = &b->claim[kind];
	struct js_stager *st = &b->stage[kind];
	char *src;

	if (!c->end || c->next != c->start ||
	    !js_stage_restart(st, c->chunk, c->next, c->end - c->next + 16,
			      &src))
		return;
	st->pos = src + (c->end - c->next);
	c->delta = (intptr_t)src - (intptr_t)c->next;
	c->filled = c->next;	/* staging elsewhere now: fill it again */
	js_claim_seek(c, c->next);
}

/*
 * The claim of @kind ends at its window's bump pointer: grow it in place
 * for an allocation of @size bytes aligned to @align, its staging too.
 * False, and nothing changed, if it cannot.
 */
static bool js_claim_extend(struct jitseal_batch *b, unsigned int kind,
			    size_t size, size_t align)
{
	struct js_claim *c = &b->claim[kind];
	struct js_section *s = &c->r->sec[kind];
	uintptr_t a = (c->next + align - 1) & ~(align - 1), end;
	size_t off = c->end - c->base;

	if (off != s->next || off <= s->wstart ||
	    a - c->base + size > s->limit)
		return false;
	end = c->base + js_window_claim_end(s, off, a - c->base + size);
	if (kind != JITSEAL_DATA) {
		struct js_stager *st = &b->stage[kind];

		if (st->cur != c->chunk || st->pos != (char *)(c->end + c->delta) ||
		    st->pos > st->end ||
		    (size_t)(st->end - st->pos) < end - c->end + 16)
			return false;
		st->pos += end - c->end;
	}
	js_window_take(s, off, end - c->base);
	c->end = end;
	js_claim_seek(c, c->next);
	return true;
}

/*
 * The last closed run ends where the new claim starts, in final and in
 * staged bytes: it is the open run again.
 */
static void js_run_reopen(struct jitseal_batch *b, unsigned int kind)
{
	struct js_claim *c = &b->claim[kind];
	struct js_seg *seg = b->set.nr ? &b->set.segs[b->set.nr - 1] : NULL;

	if (!seg || seg->r != c->r || seg->kind != kind ||
	    seg->chunk != c->chunk ||
	    c->base + seg->off + seg->len != c->start ||
	    seg->src + seg->len != (char *)(c->start + c->delta))
		return;
	c->start -= seg->len;
	c->pre = c->start - seg->lead;
	js_stage_join(c->chunk);	/* the claim's count covers it */
	b->set.nr--;
}

/*
 * Room in the claim of @kind for an allocation of @size bytes aligned to
 * @align: the claim grows in place if it can, else a new claim replaces
 * it (the old one goes first: js_claim_drop()).  On an error the
 * batch has no claim of @kind, which the next allocation retries.
 */
static int js_claim_refill(struct jitseal_batch *b, unsigned int kind, size_t size,
		    size_t align)
{
	struct jitseal_pool *pool = b->pool;
	struct js_claim *c = &b->claim[kind];
	struct js_chunk *chunk = NULL;
	struct js_section *s;
	struct js_region *r;
	uintptr_t base, lo, end;
	size_t roff, rend;
	bool rest;
	char *src = NULL;
	int err;

	if (c->end && js_claim_extend(b, kind, size, align))
		return 0;
	err = js_batch_grow(b, 1);
	if (err)
		return err;
	js_claim_drop(b, kind);
	err = js_region_claim(pool, kind, size, align, &r, &roff, &rend, &rest);
	if (err)
		return err;
	s = &r->sec[kind];
	base = (uintptr_t)s->addr;
	lo = base + roff;
	end = base + rend;
	if (kind != JITSEAL_DATA) {
		struct js_stager *st = &b->stage[kind];

		/* 16 more: a margin js_claim_extend() and restaging keep */
		err = js_stage_run(pool, st, lo, end - lo + 16, &src, &chunk);
		if (err) {
			js_window_unclaim(pool, r, kind, roff, rend, rest);
			return err;
		}
		st->pos = src + (end - lo);
	}
	c->start = c->pre = c->lo = lo;
	c->end = end;
	c->delta = kind != JITSEAL_DATA ? (intptr_t)src - (intptr_t)lo : 0;
	c->fill = kind == JITSEAL_CODE;
	c->cnt = s->cnt;
	c->base = base;
	c->r = r;
	c->chunk = chunk;
	c->filled = lo;
	js_claim_seek(c, lo);
	if (kind != JITSEAL_DATA)
		js_run_reopen(b, kind);
	return 0;
}

/* Room for one more allocation record in @b. */
static int js_batch_grow_recs(struct jitseal_batch *b)
{
	size_t n = js_batch_nrec(b), cap = n ? n * 2 : 64;
	struct js_rec *recs = realloc(b->set.recs, cap * sizeof(*recs));

	if (!recs)
		return -ENOMEM;
	b->set.recs = recs;
	b->set.rec_next = recs + n;
	b->set.rec_end = recs + cap;
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
	b->set.rec_next->addr = a;
	b->set.rec_next->meta = JS_REC_META(size, lead, kind);
	if (kind == JITSEAL_DATA)	/* data: never on the fast path */
		b->set.data += lead + size;
	b->set.rec_next++;
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

	if (b->set.rec_next == b->set.rec_end && js_batch_grow_recs(b))
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
	if (kind == JITSEAL_CODE && align < JS_ARCH_INSN_ALIGN)
		align = JS_ARCH_INSN_ALIGN;	/* code starts on an instruction */

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
 * take the slow path.  Gaps need no store: the claim's staging up to
 * pend is filled already (js_claim_fill()).
 */
static inline __attribute__((always_inline)) int
js_alloc(struct jitseal_batch *b, size_t size, size_t align, unsigned int kind,
	 struct jitseal_mem *mem)
{
	struct js_claim *c;
	struct js_rec *rec;
	uintptr_t old, a, end;
	intptr_t delta;
	int l = 0;

	if (js_unlikely(size - 1 >= JS_MAX_ALLOC))
		goto slow;
	if (js_unlikely(align - 1 >= JS_MAX_ALIGN))	/* 0 (default) too */
		goto slow;
	if (js_unlikely(align & (align - 1)))
		goto slow;
	if (kind == JITSEAL_CODE && align < JS_ARCH_INSN_ALIGN)	/* arm64 */
		align = JS_ARCH_INSN_ALIGN;
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
	rec = b->set.rec_next;
	if (js_unlikely(end > c->pend))
		goto unlock_slow;
	if (js_unlikely(rec == b->set.rec_end))
		goto unlock_slow;
	if (js_unlikely(a - old > 16))
		goto unlock_slow;
	delta = c->delta;
	mem->addr = (void *)a;
	mem->stage = (void *)(a + delta);
	rec->addr = a;
	rec->meta = JS_REC_META(size, a - old, kind);
	b->set.rec_next = rec + 1;
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
	if (b->set.rec_next == b->set.recs)
		goto out;
	e = b->set.rec_next - 1;
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
	/* the tail, written or not, is unwritten again for the next one */
	js_arch_fill((char *)mem->stage + new_size, diff, kind == JITSEAL_CODE);
	if (kind == JITSEAL_DATA)
		b->set.data -= diff;
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

/*
 * js_claim_restage() where the claim's next staged byte is far enough
 * into its chunk.
 */
static void js_claim_restage_if(struct jitseal_batch *b, unsigned int kind)
{
	const struct js_claim *c = &b->claim[kind];

	if (c->chunk && (uintptr_t)(c->next + c->delta) -
			(uintptr_t)c->chunk >= JS_STAGE_RESTART)
		js_claim_restage(b, kind);
}
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
void js_pending_normalize(struct jitseal_batch *b)
{
	size_t i, n = 0;

	if (b->set.nr < 2)
		return;
	qsort(b->set.segs, b->set.nr, sizeof(*b->set.segs), js_seg_cmp);
	for (i = 0; i < b->set.nr; i++) {
		struct js_seg *prev = n ? &b->set.segs[n - 1] : NULL;
		struct js_seg *cur = &b->set.segs[i];

		if (prev && prev->r == cur->r && prev->kind == cur->kind &&
		    prev->off + prev->len == cur->off &&
		    prev->chunk == cur->chunk &&
		    prev->src + prev->len == cur->src) {
			prev->len += cur->len;
			js_stage_join(cur->chunk);	/* one run now */
		} else
			b->set.segs[n++] = *cur;
	}
	b->set.nr = n;
}

/*
 * Take the set's normalized runs and records out into @t, so that they
 * can be installed without the pool lock while other threads allocate
 * (into this set too: into the arrays of the previous finalize).
 */
void js_pending_take(struct jitseal_batch *b, struct js_set *t)
{
	*t = b->set;
	b->set = b->spare;	/* always empty: js_pending_put_back() */
	b->spare.segs = NULL;
	b->spare.recs = NULL;
	b->fin = t;
	b->pool->inflight++;
}

/* Runs and records @t could not install are discarded (out of memory). */
static void js_set_drop(struct jitseal_batch *b, struct js_set *t)
{
	struct jitseal_pool *pool = b->pool;
	size_t i;

	for (i = 0; i < t->nr; i++) {
		js_stage_put(&b->stage[t->segs[i].kind], t->segs[i].chunk);
		pool->discards++;
	}
	for (i = 0; i < js_set_nrec(t); i++)
		js_rec_put(pool, &t->recs[i]);
	t->nr = 0;
	t->rec_next = t->recs;
}

/* Append @from to @to (@from left empty). */
static int js_set_append(struct js_set *to, struct js_set *from)
{
	size_t nrec = js_set_nrec(to), add = js_set_nrec(from);
	size_t rec_cap = (size_t)(to->rec_end - to->recs);
	struct js_seg *segs;
	struct js_rec *recs;

	segs = js_grow(to->segs, &to->cap, to->nr + from->nr, sizeof(*segs), 8);
	if (!segs)
		return -ENOMEM;
	to->segs = segs;
	recs = js_grow(to->recs, &rec_cap, nrec + add, sizeof(*recs), 64);
	if (!recs)
		return -ENOMEM;
	to->recs = recs;
	to->rec_next = recs + nrec;
	to->rec_end = recs + rec_cap;
	if (from->nr)
		memcpy(segs + to->nr, from->segs, from->nr * sizeof(*segs));
	if (add)
		memcpy(to->rec_next, from->recs, add * sizeof(*recs));
	to->nr += from->nr;
	to->rec_next += add;
	to->data += from->data;
	from->nr = 0;
	from->rec_next = from->recs;
	from->data = 0;
	return 0;
}

/*
 * The finalize of @t is over: what it did not install is pending again,
 * ahead of what other threads allocated into @b meanwhile.  One set of
 * arrays becomes the spare of the next finalize, and claims with nothing
 * pending restage if due.
 */
void js_pending_put_back(struct jitseal_batch *b, struct js_set *t)
{
	bool left = t->nr || js_set_nrec(t);

	b->fin = NULL;
	if (left && (b->set.nr || js_batch_nrec(b)) && js_set_append(t, &b->set))
		js_set_drop(b, t);
	if (!t->nr && !js_set_nrec(t)) {
		b->spare = *t;
	} else {
		b->spare = b->set;
		b->set = *t;
	}
	js_claim_restage_if(b, JITSEAL_CODE);
	js_claim_restage_if(b, JITSEAL_RODATA);
}

/* Free the arrays of @t. */
void js_set_free(struct js_set *t)
{
	free(t->segs);
	free(t->recs);
	memset(t, 0, sizeof(*t));
}

/*
 * Give back the pending runs: the open ones rewind, the claims go
 * (js_claim_drop() gives what they handed out back to the window if
 * they end at its bump pointer), and a closed run that then ends at the
 * bump pointer goes back too, so the next allocation gets the same
 * address.  Data allocations stay live: they join the pool's map,
 * freeable.  Called with the pool lock and the set's lock.
 */
void js_pending_discard(struct jitseal_batch *b)
{
	struct jitseal_pool *pool = b->pool;
	unsigned int k;
	size_t i;

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
	for (i = b->set.nr; i-- > 0;) {
		struct js_seg *seg = &b->set.segs[i];

		js_window_give_back(&seg->r->sec[seg->kind],
				    seg->off - seg->lead, seg->off + seg->len);
		js_stage_put(&b->stage[seg->kind], seg->chunk);
		pool->discards++;
	}
	b->set.nr = 0;
	for (i = 0; i < js_batch_nrec(b); i++) {
		struct js_rec *e = &b->set.recs[i];

		if (JS_REC_KIND(e) != JITSEAL_DATA)
			js_rec_put(pool, e);
		else	/* live; without memory for the map never freeable */
			(void)js_amap_add(&pool->amap, e);
	}
	pool->live[JITSEAL_DATA] += b->set.data;
	b->set.data = 0;
	b->set.rec_next = b->set.recs;
}

/* The set is destroyed: its claims go (no open run left). */
void js_claims_drop(struct jitseal_batch *b)
{
	unsigned int k;

	for (k = 0; k < JITSEAL_KIND_MAX; k++)
		js_claim_drop(b, k);
}
