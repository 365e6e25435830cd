// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Names for sealed code, for profilers and debuggers.
 *
 * jitseal_symbol() names a range of code that is still pending in one of
 * the pool's batches.  The name waits with that batch: the finalize that
 * installs the range publishes it to every sink that is on (perf map,
 * perf jitdump, GDB JIT interface); a discard drops it.  So only code the
 * kernel actually sealed is ever named, and a name never outlives the
 * allocation it was given for.
 *
 * Sinks are switched on by JITSEAL_PERF (a comma list of jitdump, map,
 * gdb; read at the first jitseal_symbol() or jitseal_profile_enable())
 * or by jitseal_profile_enable().  With every sink off, jitseal_symbol()
 * checks its arguments and keeps nothing, and js_prof_active stays false:
 * finalize, discard and destroy then skip their hooks on one branch.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "profile.h"

bool js_prof_active;

/* A name waiting for the finalize of its batch. */
struct js_prof_name {
	struct js_prof_name *next;
	const struct jitseal_batch *batch;
	uintptr_t addr;
	size_t len;
	char name[];
};

static pthread_mutex_t js_prof_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t js_prof_once = PTHREAD_ONCE_INIT;
static unsigned int js_prof_sinks;	/* JITSEAL_PROFILE_* on */
static struct js_prof_name *js_prof_pending;

static const struct {
	const char *word;
	unsigned int sink;
} js_prof_words[] = {
	{ "jitdump", JITSEAL_PROFILE_JITDUMP },
	{ "map", JITSEAL_PROFILE_MAP },
	{ "gdb", JITSEAL_PROFILE_GDB },
};

/* JITSEAL_PERF=jitdump,map,gdb; an unknown word: one warning, ignored. */
static unsigned int js_prof_parse(const char *env)
{
	static bool warned;
	unsigned int sinks = 0, i;
	const char *p = env;

	while (*p) {
		size_t n = strcspn(p, ",");

		for (i = 0; i < sizeof(js_prof_words) / sizeof(js_prof_words[0]); i++)
			if (strlen(js_prof_words[i].word) == n &&
			    !strncmp(p, js_prof_words[i].word, n))
				break;
		if (i < sizeof(js_prof_words) / sizeof(js_prof_words[0]))
			sinks |= js_prof_words[i].sink;
		else if (n)
			js_prof_warn(&warned,
				     "JITSEAL_PERF: unknown item '%.*s' ignored (want jitdump, map, gdb)",
				     (int)(n > 64 ? 64 : n), p);
		p += n;
		if (*p == ',')
			p++;
	}
	return sinks;
}

static void js_prof_init(void)
{
	const char *env = secure_getenv("JITSEAL_PERF");
	unsigned int sinks = env ? js_prof_parse(env) : 0;

	if (sinks) {
		js_prof_sinks = sinks;
		__atomic_store_n(&js_prof_active, true, __ATOMIC_RELEASE);
	}
}

JITSEAL_API int jitseal_profile_enable(unsigned int sinks)
{
	unsigned int now;

	if (sinks & ~JITSEAL_PROFILE_ALL)
		return -EINVAL;
	pthread_once(&js_prof_once, js_prof_init);
	pthread_mutex_lock(&js_prof_lock);
	js_prof_sinks |= sinks;
	now = js_prof_sinks;
	if (now)
		__atomic_store_n(&js_prof_active, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&js_prof_lock);
	return (int)now;
}

/*
 * The stored form of a name: control characters (a newline would end a
 * perf map line) become '?', and a name longer than JITSEAL_SYMBOL_MAX - 1
 * bytes is cut there, back to the start of a UTF-8 sequence.
 */
static size_t js_prof_sanitise(char *dst, const char *src)
{
	size_t n = strnlen(src, JITSEAL_SYMBOL_MAX), i;

	if (n == JITSEAL_SYMBOL_MAX) {
		n--;
		while (n && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[n] = '\0';
	return n;
}

/* Is [lo, hi) inside a pending code run of @b?  Pool lock held. */
static bool js_batch_pending(struct jitseal_batch *b, uintptr_t lo,
			     uintptr_t hi)
{
	uintptr_t start, end;
	bool found;
	size_t i;

	js_lock(&b->lock);
	found = js_open_run(b, JITSEAL_CODE, &start, &end) &&
		lo >= start && hi <= end;
	for (i = 0; i < b->set.nr && !found; i++) {
		const struct js_seg *seg = &b->set.segs[i];

		start = (uintptr_t)js_sec_addr(seg->r, seg->kind) + seg->off;
		found = seg->kind == JITSEAL_CODE && lo >= start &&
			hi <= start + seg->len;
	}
	js_unlock(&b->lock);
	return found;
}

/* The batch of @pool holding [lo, hi) as pending code, or NULL. */
static struct jitseal_batch *js_prof_find(struct jitseal_pool *pool,
					  uintptr_t lo, uintptr_t hi)
{
	struct jitseal_batch *b;

	if (js_batch_pending(&pool->batch, lo, hi))
		return &pool->batch;
	for (b = pool->batches; b; b = b->next)
		if (js_batch_pending(b, lo, hi))
			return b;
	return NULL;
}

JITSEAL_API int jitseal_symbol(struct jitseal_pool *pool, const void *addr,
			       size_t len, const char *name)
{
	uintptr_t lo = (uintptr_t)addr;
	struct js_prof_name *pn = NULL;
	struct jitseal_batch *b;
	int err = js_pool_check(pool);

	if (err)
		return err;
	if (!addr || !len || !name || !*name || lo + len < lo)
		return -EINVAL;
	pthread_once(&js_prof_once, js_prof_init);
	if (__atomic_load_n(&js_prof_active, __ATOMIC_ACQUIRE)) {
		pn = malloc(sizeof(*pn) + strnlen(name, JITSEAL_SYMBOL_MAX) + 1);
		if (!pn)
			return -ENOMEM;
		js_prof_sanitise(pn->name, name);
		pn->addr = lo;
		pn->len = len;
	}
	js_lock(&pool->lock);
	b = js_prof_find(pool, lo, lo + len);	/* pool lock held */
	if (b && pn) {
		pn->batch = b;
		pthread_mutex_lock(&js_prof_lock);
		pn->next = js_prof_pending;
		js_prof_pending = pn;
		pthread_mutex_unlock(&js_prof_lock);
		pn = NULL;
	}
	js_unlock(&pool->lock);
	free(pn);
	return b ? 0 : -EINVAL;
}

/* Is @pn inside one of the @n installed runs @segs? */
static bool js_prof_installed(const struct js_prof_name *pn,
			      const struct js_seg *segs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uintptr_t start;

		if (segs[i].kind != JITSEAL_CODE)
			continue;
		start = (uintptr_t)js_sec_addr(segs[i].r, segs[i].kind) +
			segs[i].off;
		if (pn->addr >= start && pn->addr + pn->len <= start + segs[i].len)
			return true;
	}
	return false;
}

static void js_prof_publish(const struct jitseal_pool *pool,
			    const struct js_prof_sym *syms, size_t n)
{
	if (!n)
		return;
	if (js_prof_sinks & JITSEAL_PROFILE_MAP)
		js_perfmap_emit(syms, n);
	if (js_prof_sinks & JITSEAL_PROFILE_JITDUMP)
		js_jitdump_emit(syms, n);
	if (js_prof_sinks & JITSEAL_PROFILE_GDB)
		js_gdbjit_register(pool, syms, n);
}

/*
 * A finalize of @b installed @segs[0..n): publish the names inside them,
 * in one go per finalize (one GDB symbol file).  Pool lock held.
 */
void js_prof_sealed(struct jitseal_batch *b, const struct js_seg *segs,
		    size_t n)
{
	struct js_prof_name **pp, *pn, *done = NULL;
	struct js_prof_sym *syms;
	size_t nr = 0, i = 0;

	js_assert_held(&b->pool->lock);
	pthread_mutex_lock(&js_prof_lock);
	for (pp = &js_prof_pending; (pn = *pp);) {
		if (pn->batch == b && js_prof_installed(pn, segs, n)) {
			*pp = pn->next;
			pn->next = done;
			done = pn;
			nr++;
		} else {
			pp = &pn->next;
		}
	}
	syms = nr ? calloc(nr, sizeof(*syms)) : NULL;
	for (pn = done; pn && syms; pn = pn->next, i++)
		syms[i] = (struct js_prof_sym){ pn->addr, pn->len, pn->name };
	if (syms)
		js_prof_publish(b->pool, syms, nr);
	pthread_mutex_unlock(&js_prof_lock);
	free(syms);
	while ((pn = done)) {
		done = pn->next;
		free(pn);
	}
}

/* Drop the pending names of @b (or, @b NULL, of every batch of @pool). */
static void js_prof_drop(const struct jitseal_batch *b,
			 const struct jitseal_pool *pool)
{
	struct js_prof_name **pp, *pn;

	pthread_mutex_lock(&js_prof_lock);
	for (pp = &js_prof_pending; (pn = *pp);) {
		if (b ? pn->batch == b : pn->batch->pool == pool) {
			*pp = pn->next;
			free(pn);
		} else {
			pp = &pn->next;
		}
	}
	pthread_mutex_unlock(&js_prof_lock);
}

void js_prof_discarded(struct jitseal_batch *b)
{
	js_assert_held(&b->pool->lock);
	js_prof_drop(b, NULL);
}

void js_prof_pool_gone(struct jitseal_pool *pool)
{
	js_assert_held(&pool->lock);
	js_prof_drop(NULL, pool);
	pthread_mutex_lock(&js_prof_lock);
	js_gdbjit_pool_gone(pool);
	pthread_mutex_unlock(&js_prof_lock);
}

/*
 * A finalized allocation [addr, addr + len) was freed: gdb must stop
 * naming it before its range is reused.  (The perf map and jitdump are
 * timelines: perf takes the newest record for an address.)  Pool lock
 * held.
 */
void js_prof_freed(struct jitseal_pool *pool, uintptr_t addr, size_t len)
{
	js_assert_held(&pool->lock);
	pthread_mutex_lock(&js_prof_lock);
	if (js_prof_sinks & JITSEAL_PROFILE_GDB)
		js_gdbjit_freed(pool, addr, addr + len);
	pthread_mutex_unlock(&js_prof_lock);
}
