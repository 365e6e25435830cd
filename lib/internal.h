/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/* libjitseal internals: shared by the files of lib/, never installed. */
#ifndef JITSEAL_INTERNAL_H
#define JITSEAL_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jitseal.h"
#include "sha256.h"

#define JS_POOL_MAGIC	0x4a53504fU	/* "JSPO" */
#define JS_BATCH_MAGIC	0x4a534241U	/* "JSBA" */
#define JS_DEAD_MAGIC	0xdeadd00dU

#define JS_DEF_CODE	(2UL << 20)
#define JS_DEF_RODATA	(512UL << 10)
#define JS_DEF_DATA	(512UL << 10)
#define JS_MAX_SECTION	(1UL << 30)	/* per section of one region */
#define JS_MAX_ALLOC	JS_MAX_SECTION
#define JS_MAX_ALIGN	(1UL << 21)
#define JS_DEF_ALIGN	16
#define JS_MAX_REGIONS	4096
#define JS_SPAN		(1UL << 31)	/* every pair of bytes within +-2 GiB */

#define js_unlikely(x)	__builtin_expect(!!(x), 0)
#define js_likely(x)	__builtin_expect(!!(x), 1)

extern size_t js_page_size;
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
 * libbpf-style options check: @sz must at least cover sz itself; a
 * larger struct than ours is accepted only when every byte we do not
 * know is zero.  Fields beyond the caller's sz read as zero (default).
 */
bool js_opts_valid(const void *opts, size_t user_sz, size_t our_sz);
#define JS_OPTS_VALID(opts)						\
	((opts) == NULL ||						\
	 js_opts_valid((opts), (opts)->sz, sizeof(*(opts))))
/* Read a field only if the caller's struct has it. */
#define JS_OPTS_HAS(opts, field)					\
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) +	\
			       sizeof((opts)->field))
#define JS_OPTS_GET(opts, field, def)					\
	(JS_OPTS_HAS(opts, field) && (opts)->field ? (opts)->field : (def))

/*
 * The pool lock: a futex mutex (Drepper, "Futexes Are Tricky", mutex 3).
 * Uncontended, lock and unlock are one atomic instruction each, which
 * keeps jitseal_alloc() cheap; contended, waiters sleep in the kernel.
 * 0: free, 1: locked, 2: locked, maybe with waiters.
 */
void js_lock_slow(int *l);
void js_unlock_slow(int *l);

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

/* Copy an output struct: at most the caller's sz bytes, sz kept. */
int js_copy_out(void *dst, size_t user_sz, const void *src, size_t our_sz);

/* One section of a region: code, rodata or data. */
struct js_section {
	char *addr;		/* final address of the section */
	char *stage;		/* its staging mirror (NULL for data) */
	size_t off;		/* from region base */
	size_t size;
	size_t next;		/* bump pointer, bytes from section start */
	size_t sealed;		/* bytes installed */
	size_t init_end;	/* pages below it are installed (host backends) */
	size_t allocs;		/* statistics; 64 bytes in all */
};

struct js_region {
	struct js_region *next;
	unsigned int idx;
	char *base;		/* reservation: code | rodata | data */
	size_t size;
	char *stage;		/* staging mirror of code | rodata, RW */
	size_t stage_size;
	struct js_section sec[JITSEAL_KIND_MAX];
	int fd;			/* kmod: pool fd; memfd: the memfd */
	char *alias;		/* memfd: RW view of code | rodata */
};

/* A pending run of bytes: one contiguous range of one section. */
struct js_seg {
	struct js_region *r;
	unsigned int kind;
	size_t off;		/* from section start */
	size_t len;
};

struct jitseal_batch {
	uint32_t magic;
	struct jitseal_pool *pool;
	struct jitseal_batch *next;	/* in pool->batches */
	struct js_seg *segs;
	size_t nr, cap;
	size_t last[JITSEAL_KIND_MAX];	/* index + 1 of the open run per kind */
	struct js_region *run_r[JITSEAL_KIND_MAX];	/* its region */
	size_t run_end[JITSEAL_KIND_MAX];	/* its end: segs[] lags behind */
};

struct js_backend;

struct jitseal_pool {
	uint32_t magic;
	int lock;			/* js_lock() */
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
	/* statistics */
	uint64_t finalizes, loads, discards;
};

/* A backend: maps a region's code and rodata, installs runs into them. */
struct js_backend {
	enum jitseal_backend id;
	const char *name;
	bool sealed;
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
		       size_t *done);
	/* pages of @r that hold installed bytes */
	size_t (*pages)(struct jitseal_pool *pool, struct js_region *r);
};

extern const struct js_backend js_backend_kmod;
extern const struct js_backend js_backend_memfd;
extern const struct js_backend js_backend_mprotect;

/* backend.c */
int js_backend_select(const struct jitseal_pool_opts *opts,
		      const struct js_backend **be);

/* pool.c */
static inline int js_pool_check(const struct jitseal_pool *pool)
{
	if (!pool)
		return -EINVAL;
	if (__atomic_load_n(&pool->magic, __ATOMIC_RELAXED) != JS_POOL_MAGIC)
		return -EBADF;
	return 0;
}

int js_region_add(struct jitseal_pool *pool, unsigned int kind, size_t need,
		  size_t align);
void js_obj_free(void *obj, size_t size);
void *js_obj_alloc(size_t size);

/*
 * A forked child has a copy of its parent's pools, but the regions' pages
 * and the module's pools are shared with the parent (and the memfd alias
 * is not inherited at all): it must not install into them.
 */
static inline bool js_forked(const struct jitseal_pool *pool)
{
	return pool->fork_gen != __atomic_load_n(&js_fork_gen, __ATOMIC_RELAXED);
}

/* alloc.c */
void js_batch_init(struct jitseal_batch *b, struct jitseal_pool *pool);
void js_batch_release(struct jitseal_batch *b);
void js_batch_sync(struct jitseal_batch *b);
void js_batch_close(struct jitseal_batch *b);

/* host backends */
size_t js_host_pages(struct jitseal_pool *pool, struct js_region *r);
void js_host_digests(const struct js_region *r, const struct js_seg *segs,
		     size_t n, unsigned char (*digests)[JITSEAL_DIGEST_LEN]);

/* backend.c: code RX and rodata R of a region, mapped from a file */
int js_map_sections(struct js_region *r, int fd);

/* kmod helpers */
int js_kmod_open(void);


static inline char *js_sec_addr(const struct js_region *r, unsigned int kind)
{
	return r->sec[kind].addr;
}

#endif /* JITSEAL_INTERNAL_H */
