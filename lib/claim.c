// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Claims: a batch takes the bytes it hands out from the pool's bump
 * window a 32nd of the section at a time, at most JS_CLAIM_MAX (or as
 * many pages as the allocation needs), under the pool lock, and then
 * bumps through them alone: the allocation paths (alloc.c) take only the
 * batch's lock, so compiler threads with a batch each wait neither for
 * one another nor for another thread's finalize, but for the pool lock
 * once per refill.
 *
 * A claim holds one count on every page of [lo, end) (page.c), so none
 * of them is reclaimed, or covered by another window, while the batch
 * may still allocate there (lo moves up past the pages it has left:
 * js_claim_trim(); back down if a shrink returns there:
 * js_claim_unbump()).  The fast path counts each allocation on its page
 * with an atomic add, safe because the page already has the claim's
 * count.  Its staging room (code and rodata) is reserved in one piece
 * when it is claimed, so the open run is staged contiguously.
 *
 * When a claim is full, it grows in place if it still ends at the bump
 * pointer (nobody claimed after it: always so with one batch, so no page
 * tail is lost); otherwise a new claim replaces it and its unused tail
 * (less than the allocation that did not fit) is a hole.  A dropped
 * claim (discard, destroy) gives its tail
 * back to the window if it ends at the bump pointer; else its whole free
 * pages are free pages again, which windows reuse, and only the rest of
 * its last used page is a hole.  The next claim usually starts where the
 * last one ended, staged right after it: then the open run simply goes
 * on, and a batch still installs as one segment per section.  Called
 * with the pool lock and the batch lock.
 */
#include <stdlib.h>

#include "internal.h"

/*
 * The end of a claim from @from on that holds bytes up to @need: whole
 * pages, at least a 32nd of the section (at most JS_CLAIM_MAX) from
 * @from, so that a refill, which takes the pool lock, comes once per that
 * many bytes; within the window of @s.
 */
static uintptr_t js_claim_end(uintptr_t from, uintptr_t need,
			      const struct js_section *s)
{
	uintptr_t end = js_round_up(need, js_page_size);
	uintptr_t limit = (uintptr_t)s->addr + s->limit;
	size_t min = js_round_down(s->size / 32, js_page_size);

	/* a 32nd of the section: a dozen batches do not make it grow */
	min = min < js_page_size ? js_page_size :
	      min > JS_CLAIM_MAX ? JS_CLAIM_MAX : min;
	if (end < from + min)
		end = from + min;
	return end < limit ? end : limit;
}

/* Make room for @n more closed runs in @b. */
int js_batch_grow(struct jitseal_batch *b, size_t n)
{
	struct js_seg *segs = js_grow(b->segs, &b->cap, b->nr + n,
				      sizeof(*segs), 8);

	if (!segs)
		return -ENOMEM;
	b->segs = segs;
	return 0;
}

/* The open run of @kind becomes a closed one (room made beforehand). */
static inline void js_run_close(struct jitseal_batch *b, unsigned int kind)
{
	struct js_claim *c = &b->claim[kind];
	struct js_seg *seg;

	if (kind != JITSEAL_DATA && c->next > c->start) {
		seg = &b->segs[b->nr++];
		seg->r = c->r;
		seg->kind = kind;
		seg->off = c->start - c->base;
		seg->len = c->next - c->start;
		seg->src = (char *)(c->start + c->delta);
		seg->chunk = c->chunk;
		c->chunk->runs++;
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
void js_claim_drop(struct jitseal_batch *b, unsigned int kind)
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
	if (end == s->next && end > s->wstart) {
		/* a run may reach back across the window's start */
		s->next = next > s->wstart ? next : s->wstart;
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
void js_claim_trim(struct jitseal_batch *b, unsigned int kind)
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
void js_claim_unbump(struct jitseal_batch *b, unsigned int kind)
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

	if ((!b->segs || b->nr + JS_STAGED_KINDS > b->cap) &&
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
void js_claim_restage(struct jitseal_batch *b, unsigned int kind)
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
	end = js_claim_end(c->end, a + size, s);
	if (kind != JITSEAL_DATA) {
		struct js_stager *st = &b->stage[kind];

		if (st->cur != c->chunk || st->pos != (char *)(c->end + c->delta) ||
		    st->pos > st->end ||
		    (size_t)(st->end - st->pos) < end - c->end + 16)
			return false;
		st->pos += end - c->end;
	}
	js_pages_get(s, off, end - c->base);
	s->next = end - c->base;
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
	struct js_seg *seg = b->nr ? &b->segs[b->nr - 1] : NULL;

	if (!seg || seg->r != c->r || seg->kind != kind ||
	    seg->chunk != c->chunk ||
	    c->base + seg->off + seg->len != c->start ||
	    seg->src + seg->len != (char *)(c->start + c->delta))
		return;
	c->start -= seg->len;
	c->pre = c->start;
	c->chunk->runs--;	/* the claim's count covers it */
	b->nr--;
}

/*
 * Room in the claim of @kind for an allocation of @size bytes aligned to
 * @align: the claim grows in place if it can, else a new claim replaces
 * it (the old one goes first: js_claim_drop()).  On an error the
 * batch has no claim of @kind, which the next allocation retries.
 */
int js_claim_refill(struct jitseal_batch *b, unsigned int kind, size_t size,
		    size_t align)
{
	struct jitseal_pool *pool = b->pool;
	struct js_claim *c = &b->claim[kind];
	struct js_chunk *chunk = NULL;
	struct js_section *s;
	struct js_region *r;
	uintptr_t base, a, lo, end;
	size_t roff = 0, rend = 0;
	char *src = NULL;
	int err;

	if (c->end && js_claim_extend(b, kind, size, align))
		return 0;
	err = js_batch_grow(b, 1);
	if (err)
		return err;
	js_claim_drop(b, kind);
	r = js_rest_take(pool, kind, size, align, &roff, &rend);
	if (r) {
		s = &r->sec[kind];
		base = (uintptr_t)s->addr;
		lo = base + roff;
		end = base + rend;
	} else {
		for (;;) {
			r = pool->cur[kind];
			s = &r->sec[kind];
			base = (uintptr_t)s->addr;
			a = (base + s->next + align - 1) & ~(align - 1);
			if (a - base + size <= s->limit)
				break;
			err = js_region_add(pool, kind, size, align);
			if (err)
				return err;
		}
		lo = base + s->next;
		end = js_claim_end(js_round_down(lo, js_page_size), a + size, s);
	}
	if (kind != JITSEAL_DATA) {
		struct js_stager *st = &b->stage[kind];

		/* 16 more: the fast path fills gaps 16 bytes at a time */
		err = js_stage_run(pool, st, lo, end - lo + 16, &src, &chunk);
		if (err) {
			if (rend && !js_rest_keep(pool, r, kind, roff, rend))
				js_pages_put(pool, r, kind, roff, rend);
			return err;
		}
		st->pos = src + (end - lo);
	}
	if (!rend) {	/* a rest's page count is the claim's now */
		js_pages_get(s, lo - base, end - base);
		s->next = end - base;
	}
	c->start = c->pre = c->lo = lo;
	c->end = end;
	c->delta = kind != JITSEAL_DATA ? (intptr_t)src - (intptr_t)lo : 0;
	c->fill = kind == JITSEAL_CODE ? 0xccccccccccccccccULL : 0;
	c->cnt = s->cnt;
	c->base = base;
	c->r = r;
	c->chunk = chunk;
	js_claim_seek(c, lo);
	if (kind != JITSEAL_DATA)
		js_run_reopen(b, kind);
	return 0;
}
