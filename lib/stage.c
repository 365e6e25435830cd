// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Staging: where a batch's pending code and rodata wait for finalize.
 * Each batch stages each kind in a chunk of ordinary anonymous memory
 * and bumps through it; every pending run is contiguous in its chunk,
 * starting at the page offset of its final address (so mem.stage is
 * aligned like mem.addr up to the page size).  A chunk counts the
 * pending runs staged in it; when the current chunk holds none (its
 * runs were installed or discarded) the next run starts at its
 * beginning again: its pages are faulted in once and reused by every
 * finalize, never released and re-faulted.  A batch therefore holds
 * about as much staging memory as it ever had pending at once, not a
 * copy of everything it installed.  A chunk that is full while it
 * still holds runs is kept until its last run goes, and a new, larger
 * one takes over.  After a batch of more than JS_STAGE_KEEP bytes the
 * pages beyond that are given back (MADV_DONTNEED), so an idle batch
 * keeps at most JS_STAGE_KEEP bytes per kind faulted in.  A destroyed
 * batch leaves its idle chunks to the pool (at most JS_STAGE_CACHE), for
 * the next batch: creating a batch per compiled module costs no mmap.
 * The pool prepares one chunk when it is created; its destroy unmaps
 * them all.  Called with the pool lock held.
 */
#include <sys/mman.h>

#include "internal.h"

#define JS_STAGE_MIN	(64UL << 10)	/* smallest chunk */
#define JS_STAGE_KEEP	(1UL << 20)	/* faulted bytes kept per idle chunk */
#define JS_STAGE_CACHE	4		/* idle chunks a pool keeps */

static char *js_chunk_start(struct js_chunk *c)
{
	return (char *)c + sizeof(*c);
}

/* The first byte at or after @pos with the page offset of @addr. */
static char *js_stage_place(char *pos, uintptr_t addr)
{
	return pos + ((addr - (uintptr_t)pos) & (js_page_size - 1));
}

/* An idle chunk of the pool of at least @size bytes, or a new one. */
static struct js_chunk *js_chunk_get(struct jitseal_pool *pool, size_t size)
{
	struct js_chunk **pp, *c;

	for (pp = &pool->chunks; (c = *pp); pp = &c->next) {
		if (c->size >= size) {
			*pp = c->next;
			pool->nr_chunks--;
			c->next = NULL;
			return c;
		}
	}
	c = mmap(NULL, size, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0);

	if (c == MAP_FAILED)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->runs = 0;
	c->hw = sizeof(*c);
	return c;
}

/* An unused chunk goes to the pool's idle ones, or away. */
static void js_chunk_idle(struct jitseal_pool *pool, struct js_chunk *c)
{
	if (pool->nr_chunks >= JS_STAGE_CACHE) {
		munmap(c, c->size);
		return;
	}
	c->next = pool->chunks;
	pool->chunks = c;
	pool->nr_chunks++;
}

/* The current chunk holds no run: start over at its beginning. */
static void js_stage_rewind(struct js_stager *st)
{
	struct js_chunk *c = st->cur;
	size_t used = (size_t)(st->pos - (char *)c);

	if (used > c->hw)
		c->hw = used;
	if (c->hw > JS_STAGE_KEEP) {
		madvise((char *)c + JS_STAGE_KEEP, c->hw - JS_STAGE_KEEP,
			MADV_DONTNEED);
		c->hw = JS_STAGE_KEEP;
	}
	st->pos = js_chunk_start(c);
}

/*
 * Room for a new run of @size bytes whose first byte goes to @addr:
 * its staging address in *@src, its chunk in *@chunk (one more run).
 * The caller advances st->pos past what it uses.
 */
int js_stage_run(struct jitseal_pool *pool, struct js_stager *st,
		 uintptr_t addr, size_t size, char **src,
		 struct js_chunk **chunk)
{
	struct js_chunk *c = st->cur;
	size_t want;
	char *p;

	if (c && !c->runs && st->pos != js_chunk_start(c))
		js_stage_rewind(st);
	if (c) {
		p = js_stage_place(st->pos, addr);
		if (p <= st->end && (size_t)(st->end - p) >= size)
			goto found;
	}
	want = js_round_up(size + js_page_size + sizeof(*c), js_page_size);
	if (c && want < 2 * c->size)
		want = 2 * c->size;
	if (want < JS_STAGE_MIN)
		want = JS_STAGE_MIN;
	c = js_chunk_get(pool, want);
	if (!c)
		return -ENOMEM;
	if (st->cur && st->cur->runs) {
		st->cur->next = st->old;
		st->old = st->cur;
	} else if (st->cur) {
		js_chunk_idle(pool, st->cur);
	}
	st->cur = c;
	st->end = (char *)c + c->size;
	p = js_stage_place(js_chunk_start(c), addr);
found:
	c->runs++;
	*src = p;
	*chunk = c;
	return 0;
}

/*
 * Start over at the beginning of @c, the current chunk, whose one count
 * is the caller's own unused room: room for @size bytes whose first
 * goes to @addr, in *@src.  False, and nothing changed, if @c holds
 * more or the room does not fit.
 */
bool js_stage_restart(struct js_stager *st, struct js_chunk *c,
		      uintptr_t addr, size_t size, char **src)
{
	char *p = js_stage_place(js_chunk_start(c), addr);

	if (c != st->cur || c->runs != 1 || p > st->end ||
	    (size_t)(st->end - p) < size)
		return false;
	js_stage_rewind(st);
	*src = p;
	return true;
}

/* One more pending run is staged in @c. */
void js_stage_get(struct js_chunk *c)
{
	c->runs++;
}

/* Two pending runs staged in @c became one: never its last. */
void js_stage_join(struct js_chunk *c)
{
	c->runs--;
}

/* A run staged in @c left its batch (installed or discarded). */
void js_stage_put(struct js_stager *st, struct js_chunk *c)
{
	struct js_chunk **pp;

	if (--c->runs)
		return;
	if (c == st->cur) {
		js_stage_rewind(st);
		return;
	}
	for (pp = &st->old; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			munmap(c, c->size);
			return;
		}
	}
}

/*
 * The batch of @st is gone: its current chunk goes to the pool's idle
 * ones (nothing is pending in it any more), the others away.
 */
void js_stage_release(struct jitseal_pool *pool, struct js_stager *st)
{
	struct js_chunk *c, *next;

	for (c = st->old; c; c = next) {
		next = c->next;
		munmap(c, c->size);
	}
	if (st->cur) {
		st->cur->runs = 0;
		js_stage_rewind(st);
		js_chunk_idle(pool, st->cur);
	}
	memset(st, 0, sizeof(*st));
}

/* A new pool's first chunk, mapped ahead of its first allocation. */
int js_stage_prepare(struct jitseal_pool *pool)
{
	struct js_chunk *c = js_chunk_get(pool, JS_STAGE_MIN);

	if (!c)
		return -ENOMEM;
	js_chunk_idle(pool, c);
	return 0;
}

void js_stage_cache_release(struct jitseal_pool *pool)
{
	struct js_chunk *c;

	while ((c = pool->chunks)) {
		pool->chunks = c->next;
		munmap(c, c->size);
	}
	pool->nr_chunks = 0;
}
