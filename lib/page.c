// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Pages of a section: how many allocations (pending or live) overlap
 * each page, its state (internal.h, JS_PG_*), reclaiming a page once no
 * allocation overlaps it, and the bump windows that reuse free pages.
 *
 * A page is reclaimed when its count drops to zero, unless the window
 * covers it: the page holding the bump pointer can still receive an
 * allocation.  It is reclaimed when the window leaves it instead.  A
 * batch's claim (pending.c) counts on its pages like an allocation.
 * Code and rodata pages go through the backend (kmod: one
 * JITSEAL_IOC_RETIRE per run of pages); a refusal keeps the page, dead,
 * for the life of the pool.  Data pages are simply MADV_DONTNEED.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "internal.h"

/* One array for the counts of every section, one for the states. */
int js_pages_init(struct js_region *r)
{
	size_t total = 0, n;
	unsigned int k;
	uint32_t *cnt;
	unsigned char *state;

	for (k = 0; k < JITSEAL_KIND_MAX; k++)
		total += r->sec[k].size >> js_page_shift;
	cnt = calloc(total ? total : 1, sizeof(*cnt) + 1);
	if (!cnt)
		return -ENOMEM;
	state = (unsigned char *)(cnt + total);
	for (k = 0; k < JITSEAL_KIND_MAX; k++) {
		struct js_section *s = &r->sec[k];

		n = s->size >> js_page_shift;
		s->cnt = cnt;
		s->state = state;
		cnt += n;
		state += n;
		s->limit = s->size;
	}
	return 0;
}

void js_pages_release(struct js_region *r)
{
	free(r->sec[0].cnt);
	r->sec[0].cnt = NULL;
}

/* Count an allocation on the pages of bytes [@lo, @hi) of @s. */
void js_pages_get(struct js_section *s, size_t lo, size_t hi)
{
	size_t p;

	for (p = lo >> js_page_shift; p <= (hi - 1) >> js_page_shift; p++)
		__atomic_fetch_add(&s->cnt[p], 1, __ATOMIC_RELAXED);
}

/*
 * The count of page @p.  Batches' fast paths add to counts without the
 * pool lock, but only on pages their claims already count: a count seen
 * as zero under the pool lock stays zero until the pool lock is dropped.
 */
static uint32_t js_page_cnt(const struct js_section *s, size_t p)
{
	return __atomic_load_n(&s->cnt[p], __ATOMIC_RELAXED);
}

/* Could a bump allocation still land in page @p? */
static bool js_page_in_window(const struct js_section *s, size_t p)
{
	return (p << js_page_shift) < s->limit &&
	       ((p + 1) << js_page_shift) > s->next;
}

/*
 * An installed page nothing overlaps goes, even under the bump pointer
 * (a later install there gets a fresh page); a data page only once no
 * bump allocation can land in it any more.
 */
static bool js_page_reclaimable(const struct js_section *s, unsigned int kind,
				size_t p)
{
	if (js_page_cnt(s, p))
		return false;
	if (kind == JITSEAL_DATA)
		return !js_page_in_window(s, p);
	return s->state[p] == JS_PG_INSTALLED;
}

static bool js_page_free(const struct js_section *s, size_t p)
{
	return !js_page_cnt(s, p) && (s->state[p] == JS_PG_EMPTY ||
			      s->state[p] == JS_PG_RECLAIMED);
}

/* Give back pages [@p, @p + @n) of section @kind of @r. */
static void js_reclaim_run(struct jitseal_pool *pool, struct js_region *r,
			   unsigned int kind, size_t p, size_t n)
{
	struct js_section *s = &r->sec[kind];
	size_t off = p << js_page_shift, len = n << js_page_shift, i;
	int err;

	if (kind == JITSEAL_DATA) {
		madvise(s->addr + off, len, MADV_DONTNEED);
		s->reclaimed += n;
		return;
	}
	if (pool->flags & JITSEAL_POOL_NO_RETIRE)
		err = -EPERM;
	else
		err = pool->be->reclaim(pool, r, kind, off, len);
	for (i = p; i < p + n; i++)
		s->state[i] = err ? JS_PG_KEPT : JS_PG_RECLAIMED;
	if (err) {
		s->kept += n;
		pool->refusals++;
	} else {
		s->held -= n;
		s->reclaimed += n;
	}
}

/* Reclaim every reclaimable page of [@p0, @p1), one call per run. */
static void js_pages_reclaim(struct jitseal_pool *pool, struct js_region *r,
			     unsigned int kind, size_t p0, size_t p1)
{
	const struct js_section *s = &r->sec[kind];
	size_t p, q;

	for (p = p0; p < p1; p = q + 1) {
		for (q = p; q < p1 && js_page_reclaimable(s, kind, q); q++)
			;
		if (q > p)
			js_reclaim_run(pool, r, kind, p, q - p);
	}
}

/*
 * Keep [@off, @end) of @s, the rest of a replaced claim, for a later
 * claim: with the claim's counts on its pages, which the caller hands
 * over.  False if there is no room (the caller drops the counts).
 */
bool js_rest_keep(struct jitseal_pool *pool, struct js_region *r,
		  unsigned int kind, size_t off, size_t end)
{
	struct js_section *s = &r->sec[kind];
	struct js_rest *x = &s->rest[0], old;
	unsigned int i;

	/* a free slot, else the smallest rest, if smaller */
	for (i = 1; i < JS_RESTS && x->end; i++)
		if (!s->rest[i].end ||
		    s->rest[i].end - s->rest[i].off < x->end - x->off)
			x = &s->rest[i];
	if (x->end && x->end - x->off >= end - off)
		return false;
	old = *x;
	x->off = off;
	x->end = end;
	if (old.end)
		js_pages_put(pool, r, kind, js_round_down(old.off, js_page_size),
			     old.end);
	return true;
}

/*
 * The rest that starts in page @p goes, if there is one: its end (its
 * counts are the caller's to drop), else 0.
 */
static size_t js_rest_drop(struct js_section *s, size_t p)
{
	size_t end;
	unsigned int i;

	for (i = 0; i < JS_RESTS; i++) {
		if (s->rest[i].end && s->rest[i].off >> js_page_shift == p) {
			end = s->rest[i].end;
			s->rest[i].end = 0;
			return end;
		}
	}
	return 0;
}

/*
 * A rest of section @kind with room for @size bytes aligned to @align,
 * taken out (its page count goes to the caller): its region, and its
 * bytes in *@off and *@end.  NULL if none fits.
 */
static struct js_region *js_rest_take(struct jitseal_pool *pool,
				      unsigned int kind, size_t size,
				      size_t align, size_t *off, size_t *end)
{
	struct js_region *r, *best_r = NULL;
	struct js_rest *best = NULL;
	unsigned int i;

	/* the smallest that fits: larger rests stay for larger claims */
	for (r = pool->regions; r; r = r->next) {
		struct js_section *s = &r->sec[kind];
		uintptr_t base = (uintptr_t)s->addr;

		for (i = 0; i < JS_RESTS; i++) {
			struct js_rest *x = &s->rest[i];
			uintptr_t a = (base + x->off + align - 1) & ~(align - 1);

			if (!x->end || a + size > base + x->end ||
			    (best && x->end - x->off >= best->end - best->off))
				continue;
			best = x;
			best_r = r;
		}
	}
	if (!best)
		return NULL;
	*off = best->off;
	*end = best->end;
	best->end = 0;
	return best_r;
}

/*
 * An allocation on bytes [@lo, @hi) of a section is gone.  A rest whose
 * first page then holds nothing but the rest's count goes too: it is no
 * use to anyone, and its pages can be reclaimed.
 */
void js_pages_put(struct jitseal_pool *pool, struct js_region *r,
		  unsigned int kind, size_t lo, size_t hi)
{
	struct js_section *s = &r->sec[kind];
	size_t p, p0 = lo >> js_page_shift, p1 = ((hi - 1) >> js_page_shift) + 1;
	size_t rend;
	uint32_t n;
	bool zero = false;

	js_assert_held(&pool->lock);
	for (p = p0; p < p1; p++) {
		n = __atomic_sub_fetch(&s->cnt[p], 1, __ATOMIC_RELAXED);
		if (n == 1 && (rend = js_rest_drop(s, p))) {
			n = __atomic_sub_fetch(&s->cnt[p], 1, __ATOMIC_RELAXED);
			if ((p + 1) << js_page_shift < rend)
				js_pages_put(pool, r, kind,
					     (p + 1) << js_page_shift, rend);
		}
		zero |= n == 0;
	}
	if (zero)	/* only a page nothing overlaps any more can go */
		js_pages_reclaim(pool, r, kind, p0, p1);
}

/* The allocation @e (finalized or pending) is gone. */
void js_rec_put(struct jitseal_pool *pool, const struct js_rec *e)
{
	unsigned int kind = JS_REC_KIND(e);
	struct js_region *r = js_rec_region(pool, e);
	size_t off = e->addr - (uintptr_t)js_sec_addr(r, kind);

	js_pages_put(pool, r, kind, off - JS_REC_LEAD(e),
		     off + JS_REC_SIZE(e));
}

/* Bytes [@off, @off + @len) of @s are installed. */
void js_pages_installed(struct js_section *s, size_t off, size_t len)
{
	size_t p;

	for (p = off >> js_page_shift; p <= (off + len - 1) >> js_page_shift;
	     p++) {
		if (s->state[p] == JS_PG_INSTALLED || s->state[p] == JS_PG_KEPT)
			continue;
		s->state[p] = JS_PG_INSTALLED;
		s->held++;
	}
}

#define JS_CLAIM_MAX	(64UL << 10)	/* a claim's most beyond its need */

/*
 * The end of a claim of @s from @from on that holds bytes up to @need:
 * whole pages, at least a 32nd of the section (at most JS_CLAIM_MAX)
 * from @from, so that a refill, which takes the pool lock, comes once
 * per that many bytes; within the window.
 */
size_t js_window_claim_end(const struct js_section *s, size_t from,
			   size_t need)
{
	size_t end = js_round_up(need, js_page_size);
	size_t min = js_round_down(s->size / 32, js_page_size);

	/* a 32nd of the section: a dozen batches do not make it grow */
	min = min < js_page_size ? js_page_size :
	      min > JS_CLAIM_MAX ? JS_CLAIM_MAX : min;
	if (end < from + min)
		end = from + min;
	return end < s->limit ? end : s->limit;
}

/* A claim takes [@lo, @end) of @s up to its bump pointer: counted. */
void js_window_take(struct js_section *s, size_t lo, size_t end)
{
	js_pages_get(s, lo, end);
	s->next = end;
}

/*
 * Bytes for a new claim of section @kind with room for @size bytes
 * aligned to @align: the smallest rest that fits (*@rest true), else
 * from the bump window of the current region.  Its region, and its
 * bytes in [*@lo, *@end), counted on their pages; NULL, and nothing
 * changed, if the window has no room (region.c moves or grows it).
 */
struct js_region *js_window_claim(struct jitseal_pool *pool, unsigned int kind,
				  size_t size, size_t align, size_t *lo,
				  size_t *end, bool *rest)
{
	struct js_region *r = js_rest_take(pool, kind, size, align, lo, end);
	struct js_section *s;
	size_t a;

	*rest = r != NULL;
	if (r)
		return r;
	r = pool->cur[kind];
	s = &r->sec[kind];
	a = js_round_up((uintptr_t)s->addr + s->next, align) -
	    (uintptr_t)s->addr;
	if (a + size > s->limit)
		return NULL;
	*lo = s->next;
	*end = js_window_claim_end(s, js_round_down(*lo, js_page_size),
				   a + size);
	js_window_take(s, *lo, *end);
	return r;
}

/* A new claim's bytes go back unused (js_window_claim() undone). */
void js_window_unclaim(struct jitseal_pool *pool, struct js_region *r,
		       unsigned int kind, size_t lo, size_t end, bool rest)
{
	struct js_section *s = &r->sec[kind];

	if (rest && js_rest_keep(pool, r, kind, lo, end))
		return;
	if (!rest)
		js_window_give_back(s, lo, end);
	js_pages_put(pool, r, kind, rest ? js_round_down(lo, js_page_size) : lo,
		     end);
}

/*
 * Bytes [@from, @to) of @s, handed out and unused, go back to the window
 * if they end at its bump pointer (not before the window's start): true
 * if they did.
 */
bool js_window_give_back(struct js_section *s, size_t from, size_t to)
{
	if (to != s->next || to <= s->wstart)
		return false;
	s->next = from > s->wstart ? from : s->wstart;
	return true;
}

/* Does an allocation of @need bytes aligned to @align fit the window? */
bool js_window_fits(const struct js_section *s, size_t need, size_t align)
{
	uintptr_t a = ((uintptr_t)s->addr + s->next + align - 1) & ~(align - 1);

	return a - (uintptr_t)s->addr + need <= s->limit;
}

/* A run of at least @npg free pages in [@from, @total): true and [*p, *q). */
static bool js_free_run(const struct js_section *s, size_t from, size_t total,
			size_t npg, size_t *p, size_t *q)
{
	size_t a, b;

	for (a = from; a < total; a = b + 1) {
		for (b = a; b < total && js_page_free(s, b); b++)
			;
		if (b - a >= npg) {
			*p = a;
			*q = b;
			return true;
		}
	}
	return false;
}

/* The window leaves the page of the bump pointer: reclaim it if it can. */
static void js_window_leave(struct jitseal_pool *pool, struct js_region *r,
			    unsigned int kind)
{
	struct js_section *s = &r->sec[kind];
	size_t next = s->next, p = next >> js_page_shift;

	s->wstart = s->next = s->limit = 0;	/* no window: nothing covered */
	if ((next & (js_page_size - 1)) && p < s->size >> js_page_shift)
		js_pages_reclaim(pool, r, kind, p, p + 1);
}

/*
 * Move the window of section @kind of @r to a run of free pages that
 * holds @need bytes aligned to @align, the next one after the previous
 * window (next fit).  False, and nothing changed, if there is none.
 */
bool js_window_move(struct jitseal_pool *pool, struct js_region *r,
		    unsigned int kind, size_t need, size_t align)
{
	struct js_section *s = &r->sec[kind];
	size_t total = s->size >> js_page_shift, p, q;
	size_t npg = (need + (align > js_page_size ? align : 0) +
		      js_page_size - 1) >> js_page_shift;

	js_assert_held(&pool->lock);
	if (!js_free_run(s, s->scan, total, npg, &p, &q) &&
	    !js_free_run(s, 0, total, npg, &p, &q))
		return false;
	js_window_leave(pool, r, kind);
	s->wstart = s->next = p << js_page_shift;
	s->limit = q << js_page_shift;
	s->scan = q < total ? q : 0;
	return js_window_fits(s, need, align);
}
