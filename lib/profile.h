/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libjitseal profiling and debugging internals: the hooks finalize,
 * discard and pool destroy call, and the sinks (perf map, perf jitdump,
 * GDB JIT interface) profile.c feeds.  A leaf: it includes nothing of
 * the library.
 */
#ifndef JITSEAL_PROFILE_H
#define JITSEAL_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jitseal_pool;
struct jitseal_batch;
struct js_seg;

/*
 * Set once a sink is switched on (JITSEAL_PERF or jitseal_profile_enable())
 * and never cleared.  While it is false the hooks below are never called:
 * a finalize pays one load and one predictable branch (js_prof_on()).
 */
extern bool js_prof_active;

static inline bool js_prof_on(void)
{
	return __atomic_load_n(&js_prof_active, __ATOMIC_RELAXED);
}

/* Hooks, called with the pool lock held. */
void js_prof_sealed(struct jitseal_batch *b, const struct js_seg *segs,
		    size_t n);
void js_prof_discarded(struct jitseal_batch *b);
void js_prof_pool_gone(struct jitseal_pool *pool);
void js_prof_freed(struct jitseal_pool *pool, uintptr_t addr, size_t len);

/* One named function that a finalize has just installed. */
struct js_prof_sym {
	uintptr_t addr;
	size_t len;
	const char *name;	/* sanitised, NUL-terminated */
};

/* The sinks, called with the profiling lock held. */
void js_perfmap_emit(const struct js_prof_sym *syms, size_t n);
void js_jitdump_emit(const struct js_prof_sym *syms, size_t n);
void js_gdbjit_register(const struct jitseal_pool *pool,
			const struct js_prof_sym *syms, size_t n);
void js_gdbjit_pool_gone(const struct jitseal_pool *pool);
void js_gdbjit_freed(const struct jitseal_pool *pool, uintptr_t lo,
		     uintptr_t hi);

/* One line on stderr, "libjitseal: ...", at most once per @once flag. */
void js_prof_warn(bool *once, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* JITSEAL_PROFILE_H */
