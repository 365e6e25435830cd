/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libjitseal: pooled allocate/finalize API for JIT compilers.
 *
 * A pool is one contiguous reservation (code | read-only data | RW data),
 * so RIP-relative references between its sections reach (x86-64 small
 * code model).  jitseal_alloc() returns a staging pointer, where the JIT
 * writes, and the final address, where the code will run.
 * jitseal_finalize() installs everything pending: code becomes read+exec,
 * read-only data read-only.  RW data is usable at once.  jitseal_free()
 * gives one finalized allocation back; a page whose allocations are all
 * freed is reclaimed (kmod: retired, no process can run it any more) and
 * its range is reused.
 *
 * Conventions: functions returning int return 0 (or a non-negative value)
 * on success and a negative errno on failure; functions returning a
 * pointer return NULL and set errno.  Options structs start with
 * "size_t sz" (use JITSEAL_OPTS()), zero fields mean the default, and a
 * larger struct whose unknown tail is not zero is refused with -EINVAL.
 *
 * See Documentation/userspace-api/libjitseal.rst and the man pages
 * (jitseal_pool_create(3), jitseal_alloc(3), ...).
 */
#ifndef JITSEAL_H
#define JITSEAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define JITSEAL_API __attribute__((visibility("default")))

#define JITSEAL_VERSION_MAJOR	0
#define JITSEAL_VERSION_MINOR	4

/*
 * Declare and initialise an options struct: zero everything (padding
 * included), set .sz, then apply the designated initialisers.
 *   JITSEAL_OPTS(jitseal_pool_opts, o, .code_size = 1 << 20);
 */
#define JITSEAL_OPTS(TYPE, NAME, ...)					\
	struct TYPE NAME = ({						\
		memset(&NAME, 0, sizeof(struct TYPE));			\
		(struct TYPE) {						\
			.sz = sizeof(struct TYPE),			\
			__VA_ARGS__					\
		};							\
	})

struct jitseal_pool;
struct jitseal_batch;

enum jitseal_kind {
	JITSEAL_CODE = 0,	/* machine code: read+exec once finalized */
	JITSEAL_RODATA = 1,	/* constants: read-only once finalized */
	JITSEAL_DATA = 2,	/* RW data: usable at once, stays RW */
};
#define JITSEAL_KIND_MAX	3

enum jitseal_backend {
	JITSEAL_BACKEND_AUTO = 0,	/* kmod if /dev/jitseal, else fallback */
	JITSEAL_BACKEND_KMOD = 1,	/* sealed: the kernel is the only writer */
	JITSEAL_BACKEND_MEMFD = 2,	/* RW alias + RX view of a memfd */
	JITSEAL_BACKEND_MPROTECT = 3,	/* pages built RW, then made RX */
};

enum jitseal_sealing {
	JITSEAL_SEALED_ONLY = 0,	/* default: kmod or an error */
	JITSEAL_SEALED_PREFERRED = 1,	/* kmod if possible, else fallback */
};

/* struct jitseal_pool_opts.flags */
#define JITSEAL_POOL_NO_GROW	(1U << 0)	/* -ENOSPC instead of growing */
#define JITSEAL_POOL_SYNC_CORE	(1U << 1)	/* every finalize serialises CPUs */
#define JITSEAL_POOL_NO_RETIRE	(1U << 2)	/* freed pages stay: bytes never change */
#define JITSEAL_POOL_FLAGS	(JITSEAL_POOL_NO_GROW | JITSEAL_POOL_SYNC_CORE | \
				 JITSEAL_POOL_NO_RETIRE)

/* jitseal_free() and the free/reclaim statistics exist. */
#define JITSEAL_HAVE_FREE	1
/* jitseal_shrink() and jitseal_batch_shrink() exist (JITSEAL_0.3). */
#define JITSEAL_HAVE_SHRINK	1

/**
 * struct jitseal_pool_opts - options of jitseal_pool_create()
 * @sz:		sizeof(struct jitseal_pool_opts)
 * @code_size:	bytes of code per region (default 2 MiB), rounded up to pages
 * @rodata_size: bytes of read-only data per region (default 512 KiB)
 * @data_size:	bytes of RW data per region (default 512 KiB)
 * @sealing:	JITSEAL_SEALED_ONLY (default) or JITSEAL_SEALED_PREFERRED
 * @backend:	force a backend (default AUTO); JITSEAL_BACKEND in the
 *		environment overrides it
 * @flags:	JITSEAL_POOL_* bits
 * @near:	if set, every region lies within +-2 GiB of this address
 *		(e.g. runtime helpers the JIT code calls with rel32)
 */
struct jitseal_pool_opts {
	size_t sz;
	size_t code_size;
	size_t rodata_size;
	size_t data_size;
	enum jitseal_sealing sealing;
	enum jitseal_backend backend;
	unsigned int flags;
	const void *near;
};

/* One allocation: where to write it now, where it will run. */
struct jitseal_mem {
	void *stage;	/* ordinary RW memory the JIT writes into */
	void *addr;	/* final address; equals @stage for JITSEAL_DATA */
};

#define JITSEAL_DIGEST_LEN	32	/* SHA-256 */

/* One contiguous run of bytes installed by a finalize. */
struct jitseal_run {
	void *addr;
	size_t len;
	enum jitseal_kind kind;
	unsigned char digest[JITSEAL_DIGEST_LEN];	/* JITSEAL_FINALIZE_DIGEST */
};

/* struct jitseal_finalize_opts.flags */
#define JITSEAL_FINALIZE_DIGEST		(1U << 0)	/* fill runs[].digest */
#define JITSEAL_FINALIZE_SYNC_CORE	(1U << 1)	/* serialise every CPU */
#define JITSEAL_FINALIZE_UNIT		(1U << 2)	/* join @unit (0.4) */
#define JITSEAL_FINALIZE_FLAGS	(JITSEAL_FINALIZE_DIGEST | JITSEAL_FINALIZE_SYNC_CORE | \
				 JITSEAL_FINALIZE_UNIT)

/* jitseal_slots_set() and the declarations of finalize exist (JITSEAL_0.4). */
#define JITSEAL_HAVE_SLOTS	1

/* struct jitseal_slot_decl.flags */
#define JITSEAL_SLOTDECL_EXTERNAL	(1U << 0)	/* may also hold library code */
#define JITSEAL_SLOTDECL_FLAGS	(JITSEAL_SLOTDECL_EXTERNAL)

/**
 * struct jitseal_slot_decl - a slot a finalize declares
 * @slot:	final address of 8 aligned bytes of a JITSEAL_RODATA
 *		allocation this finalize installs (jitseal_slot_alloc());
 *		their staged bytes are the initial target (0: empty)
 * @flags:	JITSEAL_SLOTDECL_* bits
 */
struct jitseal_slot_decl {
	void *slot;
	unsigned int flags;
};

/* One update of jitseal_slots_set(). */
struct jitseal_slot_set {
	void *slot;		/* a declared slot */
	const void *target;	/* a declared entry point, or 0 */
};

/**
 * struct jitseal_finalize_opts - options of jitseal_finalize()
 * @sz:		sizeof(struct jitseal_finalize_opts)
 * @flags:	JITSEAL_FINALIZE_* bits
 * @runs:	if set, receives one entry per installed run, in address order
 * @nr_runs:	in: capacity of @runs; out: runs installed (or needed, with
 *		-ENOBUFS)
 * @entries:	(0.4) final addresses in code this finalize installs where a
 *		slot may point (functions, stubs)
 * @nr_entries:	(0.4) number of @entries
 * @slots:	(0.4) slots in read-only data this finalize installs
 * @nr_slots:	(0.4) number of @slots
 * @unit:	with JITSEAL_FINALIZE_UNIT, in: 0 for a new unit or a unit to
 *		add to; out: the unit that holds what this finalize installed,
 *		for jitseal_free_unit() (since 0.4)
 */
struct jitseal_finalize_opts {
	size_t sz;
	unsigned int flags;
	struct jitseal_run *runs;
	size_t nr_runs;
	const void *const *entries;
	size_t nr_entries;
	const struct jitseal_slot_decl *slots;
	size_t nr_slots;
	uint64_t unit;
};

/**
 * struct jitseal_pool_stats - jitseal_pool_stats() output
 * Per-kind arrays are indexed by enum jitseal_kind.
 */
struct jitseal_pool_stats {
	size_t sz;			/* in: sizeof(struct jitseal_pool_stats) */
	enum jitseal_backend backend;
	unsigned int regions;		/* reservations (growth adds one) */
	size_t reserved[JITSEAL_KIND_MAX];	/* bytes reserved */
	size_t used[JITSEAL_KIND_MAX];	/* bytes handed out, alignment included */
	size_t sealed[JITSEAL_KIND_MAX];	/* bytes installed (data: = used) */
	size_t pending;			/* bytes allocated, not yet installed */
	size_t pages;			/* code and rodata pages holding bytes */
	uint64_t allocs;		/* successful allocations */
	uint64_t finalizes;		/* successful non-empty finalizes */
	uint64_t loads;			/* install syscalls (kmod: LOAD ioctls) */
	uint64_t discards;		/* discarded allocations */
	/* since 0.2 (jitseal_free) */
	uint64_t frees;			/* allocations freed */
	uint64_t freed_bytes;		/* their bytes */
	uint64_t reclaimed[JITSEAL_KIND_MAX];	/* pages given back */
	size_t kept_pages;		/* fully freed pages kept (no retire) */
	uint64_t reclaim_refusals;	/* runs of pages the backend kept */
};

/**
 * struct jitseal_module_info - jitseal_module_info() output
 */
struct jitseal_module_info {
	size_t sz;			/* in: sizeof(struct jitseal_module_info) */
	unsigned int api_version;	/* JITSEAL_API_VERSION of the module */
	unsigned int max_segments;
	uint64_t features;		/* JITSEAL_FEAT_* of <linux/jitseal.h> */
	size_t page_size;
	uint64_t max_load_bytes;
	uint64_t max_pool_bytes;
};

/**
 * struct jitseal_mapping - a pool region mapped by jitseal_attach()
 */
struct jitseal_mapping {
	size_t sz;			/* in: sizeof(struct jitseal_mapping) */
	void *code;			/* read+exec view of the code area */
	size_t code_size;
	const void *rodata;		/* read-only view, right after @code */
	size_t rodata_size;
};

/* Pools */
JITSEAL_API struct jitseal_pool *
jitseal_pool_create(const struct jitseal_pool_opts *opts);
JITSEAL_API int jitseal_pool_destroy(struct jitseal_pool *pool);

/* Allocation, finalize and discard on the pool's own pending set */
JITSEAL_API int jitseal_alloc(struct jitseal_pool *pool, size_t size,
			      size_t align, enum jitseal_kind kind,
			      struct jitseal_mem *mem);
JITSEAL_API int jitseal_finalize(struct jitseal_pool *pool,
				 struct jitseal_finalize_opts *opts);
JITSEAL_API int jitseal_discard(struct jitseal_pool *pool);

/*
 * Give back the unused tail of the most recent pending allocation of the
 * pool's pending set (or of @batch): for JITs that emit in place and learn
 * the size at the end.  See jitseal_shrink(3).
 */
JITSEAL_API int jitseal_shrink(struct jitseal_pool *pool,
			       const struct jitseal_mem *mem, size_t new_size);
JITSEAL_API int jitseal_batch_shrink(struct jitseal_batch *batch,
				     const struct jitseal_mem *mem,
				     size_t new_size);

/* Free one finalized allocation (any batch's); whole free pages go back */
JITSEAL_API int jitseal_free(struct jitseal_pool *pool, void *addr);

/* Batches: independent pending sets, one per compiling thread or module */
JITSEAL_API struct jitseal_batch *jitseal_batch_create(struct jitseal_pool *pool);
JITSEAL_API int jitseal_batch_destroy(struct jitseal_batch *batch);
JITSEAL_API int jitseal_batch_alloc(struct jitseal_batch *batch, size_t size,
				    size_t align, enum jitseal_kind kind,
				    struct jitseal_mem *mem);
JITSEAL_API int jitseal_batch_finalize(struct jitseal_batch *batch,
				       struct jitseal_finalize_opts *opts);
JITSEAL_API int jitseal_batch_discard(struct jitseal_batch *batch);

/*
 * Sealed slots (version node JITSEAL_0.4): code pointers in read-only
 * data that code calls through and only jitseal_slots_set() changes; with
 * the kmod backend the kernel writes them, to targets it checked.  See
 * jitseal_slots_set(3).
 */
JITSEAL_API int jitseal_slot_alloc(struct jitseal_pool *pool,
				   const void *initial, struct jitseal_mem *mem);
JITSEAL_API int jitseal_batch_slot_alloc(struct jitseal_batch *batch,
					 const void *initial,
					 struct jitseal_mem *mem);
JITSEAL_API int jitseal_slots_set(struct jitseal_pool *pool,
				  const struct jitseal_slot_set *sets,
				  size_t n);

/* Introspection */
JITSEAL_API int jitseal_pool_stats(struct jitseal_pool *pool,
				   struct jitseal_pool_stats *stats);
JITSEAL_API int jitseal_pool_backend(struct jitseal_pool *pool);
JITSEAL_API const char *jitseal_backend_name(enum jitseal_backend backend);
JITSEAL_API int jitseal_module_info(struct jitseal_module_info *info);

/* Map-only sharing with an out-of-process runtime (kmod backend) */
JITSEAL_API int jitseal_pool_export(struct jitseal_pool *pool,
				    unsigned int region, void **addr);
JITSEAL_API int jitseal_attach(int fd, void *addr, struct jitseal_mapping *map);
JITSEAL_API int jitseal_detach(struct jitseal_mapping *map);

/*
 * Profiling and debugging (version node JITSEAL_0.2): names for sealed
 * functions, published to perf (jitdump, /tmp/perf-PID.map) and to gdb
 * (the GDB JIT interface) when a sink is on.  See jitseal_symbol(3).
 */
#define JITSEAL_PROFILE_JITDUMP	(1U << 0)	/* DIR/jit-PID.dump for perf inject */
#define JITSEAL_PROFILE_MAP	(1U << 1)	/* /tmp/perf-PID.map */
#define JITSEAL_PROFILE_GDB	(1U << 2)	/* __jit_debug_register_code() */
#define JITSEAL_PROFILE_ALL	(JITSEAL_PROFILE_JITDUMP | JITSEAL_PROFILE_MAP | \
				 JITSEAL_PROFILE_GDB)
/* Longer names are truncated to JITSEAL_SYMBOL_MAX - 1 bytes. */
#define JITSEAL_SYMBOL_MAX	4096

JITSEAL_API int jitseal_symbol(struct jitseal_pool *pool, const void *addr,
			       size_t len, const char *name);
JITSEAL_API int jitseal_profile_enable(unsigned int sinks);

/*
 * Version node JITSEAL_0.4 (issue 26): why a pool could not be created,
 * as one line saying what to do (jitseal_pool_error(3)); and units, all
 * that some finalizes installed, given back in one call
 * (jitseal_free_unit(3), with JITSEAL_FINALIZE_UNIT).
 */
#define JITSEAL_HAVE_UNITS	1

JITSEAL_API const char *jitseal_pool_error(void);
JITSEAL_API int jitseal_free_unit(struct jitseal_pool *pool, uint64_t unit);

#ifdef __cplusplus
}
#endif

#endif /* JITSEAL_H */
