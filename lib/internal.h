/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/* libjitseal internals: shared by the files of lib/, never installed. */
#ifndef JITSEAL_INTERNAL_H
#define JITSEAL_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jitseal.h"
#include "sha256.h"

#define JS_POOL_MAGIC	0x4a53504fU	/* "JSPO" */
#define JS_BATCH_MAGIC	0x4a534241U	/* "JSBA" */
#define JS_DEAD_MAGIC	0xdeadd00dU


#define js_unlikely(x)	__builtin_expect(!!(x), 0)

extern size_t js_page_size;
extern unsigned int js_page_shift;
extern unsigned int js_fork_gen;

static inline size_t js_round_up(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static inline size_t js_round_down(size_t x, size_t a)
{
	return x & ~(a - 1);
}

/*
 * libbpf-style options (OPTS_VALID/OPTS_GET): @sz must at least
 * cover sz itself; a caller's struct larger than ours, up to its @last
 * field, is accepted only when every byte we do not know is zero.  A
 * field beyond the caller's sz reads as zero (the default) and is never
 * written.
 */
static inline bool js_opts_valid(const void *opts, size_t user_sz,
				 size_t our_sz)
{
	const char *p = opts;
	size_t i;

	if (user_sz < sizeof(size_t))
		return false;
	for (i = our_sz; i < user_sz; i++)
		if (p[i])
			return false;
	return true;
}
#define JS_OFFSETOFEND(type, field)					\
	(offsetof(type, field) + sizeof(((type *)0)->field))
#define JS_OPTS_VALID(opts, last)					\
	((opts) == NULL ||						\
	 js_opts_valid((opts), (opts)->sz,				\
		       JS_OFFSETOFEND(__typeof__(*(opts)), last)))
/* Does the caller's struct have @field? */
#define JS_OPTS_HAS(opts, field)					\
	((opts) && (opts)->sz >= JS_OFFSETOFEND(__typeof__(*(opts)), field))
#define JS_OPTS_GET(opts, field, def)					\
	(JS_OPTS_HAS(opts, field) && (opts)->field ? (opts)->field : (def))

/* Copy an output struct: at most the caller's sz bytes, sz kept. */
static inline int js_copy_out(void *dst, size_t user_sz, const void *src,
			      size_t our_sz)
{
	if (!dst || user_sz < sizeof(size_t))
		return -EINVAL;
	if (user_sz > our_sz)
		memset((char *)dst + our_sz, 0, user_sz - our_sz);
	memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
	       (user_sz < our_sz ? user_sz : our_sz) - sizeof(size_t));
	return 0;
}

/*
 * The pool lock: a futex mutex (Drepper, "Futexes Are Tricky", mutex 3).
 * Uncontended, lock and unlock are one atomic instruction each, which
 * keeps jitseal_alloc() cheap; contended, waiters sleep in the kernel.
 * 0: free, 1: locked, 2: locked, maybe with waiters.  The slow paths are
 * in runtime.c.
 */
void js_lock_slow(int *l);
void js_unlock_slow(int *l);
void js_futex_wait(int *addr, int val);
void js_futex_wake_all(int *addr);

static inline void js_lock(int *l)
{
	int c = 0;

	if (__builtin_expect(!__atomic_compare_exchange_n(l, &c, 1, false,
							  __ATOMIC_ACQUIRE,
							  __ATOMIC_RELAXED), 0))
		js_lock_slow(l);
}

static inline void js_unlock(int *l)
{
	if (__builtin_expect(__atomic_exchange_n(l, 0, __ATOMIC_RELEASE) == 2, 0))
		js_unlock_slow(l);
}

/*
 * "Called with the pool lock held", checked in JS_DEBUG builds (the
 * ThreadSanitizer build of the stress test).  The lock has no owner, so
 * this proves that someone holds it, which catches a forgotten lock.
 */
#ifdef JS_DEBUG
void js_assert_fail(const char *what, const char *file, int line);
#define js_assert_held(l)						\
	((void)(__atomic_load_n((l), __ATOMIC_RELAXED) ? 0 :		\
		(js_assert_fail("pool lock not held", __FILE__, __LINE__), 0)))
#else
#define js_assert_held(l) ((void)(l))
#endif

/*
 * Page states of a code or rodata section (js_section.state); a data page
 * is always JS_PG_EMPTY.  A page is free (a bump window may cover it)
 * when it is EMPTY or RECLAIMED and no allocation overlaps it.
 */
enum {
	JS_PG_EMPTY = 0,	/* never installed */
	JS_PG_INSTALLED,	/* holds installed bytes */
	JS_PG_KEPT,		/* every allocation freed, reclaim refused */
	JS_PG_RECLAIMED,	/* given back: traps until installed again */
};

/*
 * The unused rest of a claim that another claim replaced (page.c): the
 * next claim of any batch that fits takes it.  It holds the claim's
 * counts on its pages.  end == 0: no rest.
 */
struct js_rest {
	size_t off, end;	/* from section start */
};

#define JS_RESTS	16	/* rests kept per section */

/*
 * One section of a region: code, rodata or data.  Allocations bump @next
 * through the window [@wstart, @limit), a run of free pages; the slow
 * path moves the window to another run (page.c).
 */
struct js_section {
	char *addr;		/* final address of the section */
	size_t next;		/* bump pointer, bytes from section start */
	size_t limit;		/* end of the bump window */
	uint32_t *cnt;		/* per page: allocations overlapping it */
	size_t off;		/* from region base */
	size_t size;
	size_t wstart;		/* start of the bump window */
	unsigned char *state;	/* per page: JS_PG_* */
	size_t held;		/* pages INSTALLED or KEPT */
	size_t kept;		/* pages KEPT */
	size_t scan;		/* next-fit cursor of the window search, pages */
	uint64_t reclaimed;	/* pages given back so far */
	struct js_rest rest[JS_RESTS];
};

struct js_region {
	struct js_region *next;
	unsigned int idx;
	char *base;		/* reservation: code | rodata | data */
	size_t size;
	struct js_section sec[JITSEAL_KIND_MAX];
	int fd;			/* kmod: pool fd; memfd: the memfd */
	char *alias;		/* memfd: RW view of code | rodata */
};

/*
 * One allocation: in its batch until finalized, then in the pool's map
 * (amap.c) until freed.  It holds the pages of [addr - lead, addr + size)
 * (lead: the alignment gap before it, filled by the allocator).  Its
 * region is found from the address (js_rec_region()).
 */
struct js_rec {
	uintptr_t addr;		/* final address; 0: an empty map slot */
	uint64_t meta;		/* size << 32 | lead << 2 | kind */
};

#define JS_REC_META(size, lead, kind)					\
	((uint64_t)(size) << 32 | (uint64_t)(lead) << 2 | (kind))
#define JS_REC_KIND(e)		((unsigned int)((e)->meta & 3))
/* leads are below JS_MAX_ALIGN (2 MiB): bit 31 is free for the unit mark */
#define JS_REC_LEAD(e)		((size_t)((e)->meta & 0x7fffffffU) >> 2)
/* in the pool's map: the allocation is in a unit's list (unit.c) */
#define JS_REC_UNIT		(1ULL << 31)
#define JS_REC_SIZE(e)		((size_t)((e)->meta >> 32))

/* The finalized allocations of a pool, by final address (amap.c). */
struct js_amap {
	struct js_rec *slot;	/* the index, NULL until the first take */
	size_t mask;		/* capacity - 1, capacity a power of two */
	size_t nr;
	size_t resv;		/* room promised to finalizes in flight */
	struct js_rec *log;	/* before the index: [0, nr), finalize order */
	size_t log_cap;
};

/* A unit's live allocations (unit.c), by final address. */
struct js_unit {
	uint64_t id;
	size_t nr, cap;
	size_t resv;		/* room promised to finalizes in flight */
	uintptr_t *addr;
};

/* A pool's units, in id order (unit.c). */
struct js_units {
	struct js_unit **v;
	size_t nr, cap;
	uint64_t last_id;
};

/* A staging chunk (stage.c): this header, then staged bytes. */
struct js_chunk {
	struct js_chunk *next;	/* older chunks of the same stager */
	size_t size;		/* of the mapping, header included */
	size_t runs;		/* pending runs staged in it */
	size_t hw;		/* bytes ever used since the last trim */
};

/* Where one batch stages one kind (code or rodata). */
struct js_stager {
	struct js_chunk *cur;	/* NULL until the first run */
	char *pos, *end;	/* next free byte of cur (the open run's end), end */
	struct js_chunk *old;	/* full chunks still holding runs */
};

#define JS_STAGED_KINDS	2	/* code and rodata; data needs no staging */

/*
 * A pending run of bytes: one contiguous range of one section, staged
 * contiguously at @src in @chunk.
 */
struct js_seg {
	struct js_region *r;
	unsigned int kind;
	unsigned int lead;	/* its first allocation's gap, not in the run */
	size_t off;		/* from section start */
	size_t len;
	char *src;		/* its staged bytes */
	struct js_chunk *chunk;
};

/*
 * The closed runs and the records of a pending set (pending.c), moved
 * as a whole: a batch's, its spare arrays, and what a finalize took out
 * to install without the pool lock (on the finalizer's stack).
 */
struct js_set {
	struct js_seg *segs;		/* closed runs */
	size_t nr, cap;
	struct js_rec *recs, *rec_next, *rec_end;	/* [recs, rec_next) */
	size_t data;			/* data records' bytes, leads included */
};

/*
 * A batch's claim on one section (pending.c): bytes [lo, end) taken from
 * the pool's bump window, which the batch hands out to its allocations
 * without the pool lock.  The claim holds one count on each page it
 * touches, so none of them is reclaimed or taken by another window
 * while the batch bumps through it; each allocation in it still counts
 * on its own pages too.  Code and rodata: the batch's open run is
 * [start, next), staged contiguously at start + delta in @chunk, which
 * holds staging room for the whole claim.  No claim: end == 0.
 */
struct js_claim {
	uintptr_t next;		/* next byte to hand out */
	uintptr_t pend;		/* the fast path's end: next's page, or end */
	uint32_t *pcnt;		/* the count of next's page */
	intptr_t delta;		/* staged address - final address */
	uint64_t fill;		/* unwritten bytes: traps (1) or zeroes (0) */
	uintptr_t end;
	uint32_t *cnt;		/* page counts of the section */
	uintptr_t base;		/* first byte of the section */
	uintptr_t start;	/* of the open run */
	uintptr_t pre;		/* start, its first allocation's lead included */
	uintptr_t lo;		/* counted from here: js_claim_trim() */
	uintptr_t filled;	/* staging filled (fill) up to here, >= pend */
	struct js_region *r;
	struct js_chunk *chunk;
} __attribute__((aligned(128)));	/* &claim[kind]: one shift */

/*
 * A pending set.  @lock guards every field below it (the claims, runs,
 * records and staging); whoever also needs the pool lock takes that
 * first.  The allocation fast path takes only @lock.
 */
struct jitseal_batch {
	uint32_t magic;
	int fin_lock;			/* js_lock(): one finalize at a time */
	struct jitseal_pool *pool;
	struct jitseal_batch *next;	/* in pool->batches (pool lock) */
	int lock;			/* js_lock() */
	struct js_claim claim[JITSEAL_KIND_MAX];
	struct js_set set;		/* closed runs, records */
	uint64_t allocs;		/* statistics */
	struct js_stager stage[JS_STAGED_KINDS];
	struct js_set *fin;		/* a finalize in flight, or NULL */
	struct js_set spare;		/* the arrays of the last finalize */
};

struct js_backend;

/* The entry points and slots a finalize declares (its options). */
struct js_decls {
	const void *const *entries;
	size_t nr_entries;
	const struct jitseal_slot_decl *slots;
	size_t nr_slots;
};

/* One slot update: its offset from the region base, its new value. */
struct js_slot_upd {
	size_t off;
	uint64_t target;
};

struct jitseal_pool {
	uint32_t magic;
	int lock;			/* js_lock() */
	int install_lock;		/* js_lock(): host backends install one at a time */
	int inflight;			/* finalizes between take and publish */
	const struct js_backend *be;
	unsigned int flags;
	unsigned int fork_gen;		/* js_fork_gen when created */
	struct js_region *regions, **tail;
	unsigned int nr_regions;
	struct js_region *cur[JITSEAL_KIND_MAX];
	size_t def_size[JITSEAL_KIND_MAX];
	uintptr_t lo, hi;		/* span of all regions (and near) */
	struct jitseal_batch batch;	/* jitseal_alloc()'s pending set */
	struct jitseal_batch *batches;	/* jitseal_batch_create()'d */
	/* kmod limits */
	unsigned int max_segments;
	uint64_t max_load_bytes;
	uint64_t features;
	struct js_amap amap;		/* finalized allocations */
	struct js_units units;		/* JITSEAL_FINALIZE_UNIT's lists */
	struct js_chunk *chunks;	/* idle staging chunks (stage.c) */
	unsigned int nr_chunks;
	/* statistics */
	uint64_t finalizes, loads, discards;
	uint64_t frees, freed_bytes, refusals;
	uint64_t allocs;		/* of destroyed batches */
	/* finalized allocations not freed, leads included */
	uint64_t live[JITSEAL_KIND_MAX];
};

/* A backend: maps a region's code and rodata, installs runs into them. */
struct js_backend {
	enum jitseal_backend id;
	const char *name;
	bool sealed;
	/* installs read and write shared pages: one at a time per pool */
	bool serial;
	/* called once per pool before the first region */
	int (*probe)(struct jitseal_pool *pool);
	/* map code and rodata of @r at r->base (reserved, PROT_NONE) */
	int (*map)(struct jitseal_pool *pool, struct js_region *r);
	void (*unmap)(struct js_region *r);
	/*
	 * Install @n segs of region @r, all or none where possible; on an
	 * error, *@done says how many leading segs were installed anyway.
	 */
	int (*install)(struct jitseal_pool *pool, struct js_region *r,
		       const struct js_seg *segs, size_t n, unsigned int flags,
		       unsigned char (*digests)[JITSEAL_DIGEST_LEN],
		       const struct js_decls *d, size_t *done);
	/*
	 * Write @n slots of @r (declared, in installed rodata pages): kmod
	 * checks and writes all or none; the host backends write them
	 * through a writable view, unchecked.
	 */
	int (*set_slots)(struct jitseal_pool *pool, struct js_region *r,
			 const struct js_slot_upd *u, size_t n);
	/* pages of @r that hold installed bytes */
	size_t (*pages)(struct jitseal_pool *pool, struct js_region *r);
	/*
	 * Give back @len bytes at @off of section @kind of @r (whole pages,
	 * each INSTALLED): when it returns 0, no byte of them can run or be
	 * read, and a later install puts fresh trap-filled pages there.
	 */
	int (*reclaim)(struct jitseal_pool *pool, struct js_region *r,
		       unsigned int kind, size_t off, size_t len);
};

extern const struct js_backend js_backend_kmod;
extern const struct js_backend js_backend_memfd;
extern const struct js_backend js_backend_mprotect;

static inline int js_pool_check(const struct jitseal_pool *pool)
{
	if (!pool)
		return -EINVAL;
	if (__atomic_load_n(&pool->magic, __ATOMIC_RELAXED) != JS_POOL_MAGIC)
		return -EBADF;
	return 0;
}

static inline int js_batch_check(const struct jitseal_batch *b)
{
	if (!b)
		return -EINVAL;
	if (__atomic_load_n(&b->magic, __ATOMIC_RELAXED) != JS_BATCH_MAGIC)
		return -EBADF;
	return js_pool_check(b->pool);
}

/*
 * A forked child has a copy of its parent's pools, but the regions' pages
 * and the module's pools are shared with the parent (and the memfd alias
 * is not inherited at all): it must not install into them.
 */
static inline bool js_forked(const struct jitseal_pool *pool)
{
	return pool->fork_gen != __atomic_load_n(&js_fork_gen, __ATOMIC_RELAXED);
}

static inline char *js_sec_addr(const struct js_region *r, unsigned int kind)
{
	return r->sec[kind].addr;
}

static inline size_t js_set_nrec(const struct js_set *t)
{
	return (size_t)(t->rec_next - t->recs);
}

static inline size_t js_batch_nrec(const struct jitseal_batch *b)
{
	return js_set_nrec(&b->set);
}

/* The region of a record. */
static inline struct js_region *js_rec_region(const struct jitseal_pool *pool,
					      const struct js_rec *e)
{
	unsigned int kind = JS_REC_KIND(e);
	struct js_region *r = pool->cur[kind];

	/* usually the current region; else the one that holds it */
	if (e->addr - (uintptr_t)r->sec[kind].addr >= r->sec[kind].size)
		for (r = pool->regions; r; r = r->next)
			if (e->addr - (uintptr_t)r->sec[kind].addr <
			    r->sec[kind].size)
				break;
	return r;
}

/* runtime.c: leaf */
void *js_grow(void *arr, size_t *cap, size_t need, size_t elem, size_t min);
void *js_obj_alloc(size_t size);
void js_obj_free(void *obj, size_t size);

/* backend_kmod.c: /dev/jitseal */
int js_ioctl(int fd, unsigned long req, void *arg);
int js_kmod_open(void);
struct jitseal_version;
int js_kmod_version(struct jitseal_version *v);

/* host.c: leaf, host-side views and digests */
int js_map_view(char *base, size_t code_size, size_t rodata_size, int fd);
int js_map_sections(struct js_region *r, int fd);
void js_host_digests(const struct js_region *r, const struct js_seg *segs,
		     size_t n, unsigned char (*digests)[JITSEAL_DIGEST_LEN]);
size_t js_host_pages(struct jitseal_pool *pool, struct js_region *r);
void js_host_fill(char *p, size_t n, unsigned int kind);

/* explain.c: leaf, the line jitseal_pool_error() returns */
void js_explain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void js_explain_clear(void);
void js_explain_fallback(int err);

/* wxlimit.c: leaf, the process's W^X switches (MDWE, seccomp) */
int js_wx_switch_check(const char *backend);

/* amap.c: leaf, the map of finalized allocations */
int js_amap_reserve_slow(struct js_amap *m, size_t n);

/*
 * Room for @n more entries, kept for the caller until it adds them
 * (js_amap_add_reserved()) or gives the room back (js_amap_unreserve()).
 */
static inline int js_amap_reserve(struct js_amap *m, size_t n)
{
	if (!m->slot && m->nr + m->resv + n <= m->log_cap) {
		m->resv += n;	/* the log has room */
		return 0;
	}
	return js_amap_reserve_slow(m, n);
}
void js_amap_unreserve(struct js_amap *m, size_t n);
int js_amap_add(struct js_amap *m, const struct js_rec *e);
void js_amap_add_reserved(struct js_amap *m, const struct js_rec *e);
bool js_amap_take(struct js_amap *m, uintptr_t addr, struct js_rec *out);
void js_amap_release(struct js_amap *m);

/* unit.c: the allocations of each unit */
int js_unit_reserve(struct js_units *us, uint64_t *id, size_t n);
void js_unit_add(struct js_units *us, uint64_t id, uintptr_t addr);
void js_unit_unreserve(struct js_units *us, uint64_t id, size_t n);
uint64_t js_unit_settle(struct js_units *us, uint64_t id, uint64_t asked);
int js_unit_take(struct js_units *us, uint64_t id, uintptr_t **addr,
		 size_t *nr);
void js_unit_drop(struct js_units *us, uint64_t id);
void js_units_forget(struct js_units *us, uintptr_t addr);
void js_units_release(struct js_units *us);

/* page.c: per-page counts, reclaim, bump windows */
int js_pages_init(struct js_region *r);

void js_pages_release(struct js_region *r);
void js_pages_get(struct js_section *s, size_t lo, size_t hi);
void js_pages_put(struct jitseal_pool *pool, struct js_region *r,
		  unsigned int kind, size_t lo, size_t hi);
void js_pages_installed(struct js_section *s, size_t off, size_t len);
size_t js_window_claim_end(const struct js_section *s, size_t from,
			   size_t need);
void js_window_take(struct js_section *s, size_t lo, size_t end);
struct js_region *js_window_claim(struct jitseal_pool *pool, unsigned int kind,
				  size_t size, size_t align, size_t *lo,
				  size_t *end, bool *rest);
void js_window_unclaim(struct jitseal_pool *pool, struct js_region *r,
		       unsigned int kind, size_t lo, size_t end, bool rest);
bool js_window_give_back(struct js_section *s, size_t from, size_t to);
bool js_window_fits(const struct js_section *s, size_t need, size_t align);
bool js_window_move(struct jitseal_pool *pool, struct js_region *r,
		    unsigned int kind, size_t need, size_t align);
void js_rec_put(struct jitseal_pool *pool, const struct js_rec *e);
bool js_rest_keep(struct jitseal_pool *pool, struct js_region *r,
		  unsigned int kind, size_t off, size_t end);

/* stage.c: leaf, staging chunks of a batch */
int js_stage_run(struct jitseal_pool *pool, struct js_stager *st,
		 uintptr_t addr, size_t size, char **src,
		 struct js_chunk **chunk);
void js_stage_get(struct js_chunk *c);
void js_stage_join(struct js_chunk *c);
void js_stage_put(struct js_stager *st, struct js_chunk *c);
bool js_stage_restart(struct js_stager *st, struct js_chunk *c,
		      uintptr_t addr, size_t size, char **src);
void js_stage_release(struct jitseal_pool *pool, struct js_stager *st);
int js_stage_prepare(struct jitseal_pool *pool);
void js_stage_cache_release(struct jitseal_pool *pool);

/* backend.c: selection and names */
int js_backend_select(const struct jitseal_pool_opts *opts,
		      const struct js_backend **be);

/* region.c */
int js_region_add(struct jitseal_pool *pool, unsigned int kind, size_t need,
		  size_t align);
int js_region_claim(struct jitseal_pool *pool, unsigned int kind, size_t size,
		    size_t align, struct js_region **r, size_t *lo, size_t *end,
		    bool *rest);
void js_region_free(struct jitseal_pool *pool, struct js_region *r);

/* pending.c: a pending set's claims, runs and records (its only writer) */
bool js_open_run(const struct jitseal_batch *b, unsigned int kind,
		 uintptr_t *lo, uintptr_t *hi);
int js_claims_settle(struct jitseal_batch *b);
void js_claims_drop(struct jitseal_batch *b);
void js_pending_normalize(struct jitseal_batch *b);
void js_pending_take(struct jitseal_batch *b, struct js_set *t);
void js_pending_put_back(struct jitseal_batch *b, struct js_set *t);
void js_pending_discard(struct jitseal_batch *b);
void js_set_free(struct js_set *t);

/* slot.c: declarations of a finalize, slot updates */
int js_decls_check(const struct jitseal_pool *pool, const struct js_set *t,
		   const struct js_decls *d);

/* batch.c */
void js_batch_init(struct jitseal_batch *b, struct jitseal_pool *pool);
void js_batch_release(struct jitseal_batch *b);

#endif /* JITSEAL_INTERNAL_H */
