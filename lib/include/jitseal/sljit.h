/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * <jitseal/sljit.h>: sljit's executable allocator on a jitseal pool.
 *
 * sljit (the code generator of PCRE2's JIT, among others) lets the
 * application replace its executable allocator at build time.  Build the
 * sljit user with
 *
 *   CFLAGS += -DSLJIT_EXECUTABLE_ALLOCATOR=0 \
 *             -DSLJIT_PROT_EXECUTABLE_ALLOCATOR=1 -include jitseal/sljit.h
 *   LIBS   += -ljitseal -pthread
 *
 * and sljit writes each function into a jitseal staging buffer, the code
 * runs from the pool's sealed read+exec address (SLJIT_EXEC_OFFSET), the
 * function is installed when sljit marks it complete
 * (SLJIT_UPDATE_WX_FLAGS(from, to, 1)) and given back with jitseal_free()
 * (SLJIT_FREE_EXEC, which receives the executable address).  Every
 * function has a batch of its own, so threads compile concurrently.
 *
 * The pool is made at the first allocation and requires sealing (the
 * kmod backend): without /dev/jitseal, SLJIT_MALLOC_EXEC returns NULL
 * (sljit reports SLJIT_ERR_ALLOC_FAILED, PCRE2 runs its interpreter) and
 * one line on stderr says why, once per process.  A weaker backend is used
 * only when JITSEAL_BACKEND names it in the environment.
 *   JITSEAL_SLJIT_STATS=FILE  append one line of pool statistics to FILE
 *                             at exit
 *   -DJITSEAL_SLJIT_NAME=ID   prefix of the names given to profilers:
 *                             ID_N (default sljit_N)
 *
 * Limits (see Documentation/userspace-api/libjitseal-sljit.rst): sealed
 * code cannot be written again, so sljit_set_jump_addr() and
 * sljit_set_const() (SLJIT_UPDATE_WX_FLAGS(..., 0)) end the process with
 * one line; so does a failed install (e.g. over the policy's quota),
 * because SLJIT_UPDATE_WX_FLAGS cannot report an error and the function
 * pointer sljit returns would not run.  The state is one per executable or
 * shared object (a weak hidden symbol).
 */
#ifndef JITSEAL_SLJIT_H
#define JITSEAL_SLJIT_H

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jitseal.h>

/* glibc's; declared here as the including unit may lack _GNU_SOURCE. */
char *secure_getenv(const char *name);

#if !defined(SLJIT_EXECUTABLE_ALLOCATOR) || SLJIT_EXECUTABLE_ALLOCATOR
#error "jitseal/sljit.h needs -DSLJIT_EXECUTABLE_ALLOCATOR=0"
#endif
#if !defined(SLJIT_PROT_EXECUTABLE_ALLOCATOR) || !SLJIT_PROT_EXECUTABLE_ALLOCATOR
/* Without it sljit 10.42 does not add SLJIT_EXEC_OFFSET to the pointers it returns. */
#error "jitseal/sljit.h needs -DSLJIT_PROT_EXECUTABLE_ALLOCATOR=1"
#endif

#ifndef JITSEAL_SLJIT_NAME
#define JITSEAL_SLJIT_NAME sljit
#endif
#define JITSEAL_SLJIT_STR2(x) #x
#define JITSEAL_SLJIT_STR(x) JITSEAL_SLJIT_STR2(x)
#define JITSEAL_SLJIT_ALIGN	16

/* One function: allocated, being written, not yet installed. */
struct jitseal_sljit_fn {
	struct jitseal_sljit_fn *next;
	struct jitseal_batch *batch;
	struct jitseal_mem mem;
};

/* A pool inherited through fork: its code still runs here, it is never
 * written or freed here (the parent owns its pages). */
struct jitseal_sljit_old {
	struct jitseal_sljit_old *next;
	struct jitseal_pool *pool;
};

struct jitseal_sljit_state {
	pthread_mutex_t lock;
	struct jitseal_pool *pool;		/* made at the first allocation */
	int error;				/* of its create: JIT off for good */
	int registered;				/* atfork and atexit handlers */
	struct jitseal_sljit_fn *pending;	/* functions being written */
	struct jitseal_sljit_fn *idle;		/* records whose batch is free */
	struct jitseal_sljit_old *inherited;	/* parents' pools */
	unsigned long named;			/* names given */
};

/* One per executable or shared object: every unit that includes this
 * header defines the same weak object and the linker keeps one. */
__attribute__((weak, visibility("hidden")))
struct jitseal_sljit_state jitseal_sljit_state = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static inline void jitseal_sljit_die(const char *what, int err)
{
	fprintf(stderr, "jitseal/sljit: %s: %s\n", what, strerror(err));
	abort();
}

static inline void jitseal_sljit_report(void)
{
	struct jitseal_sljit_state *s = &jitseal_sljit_state;
	JITSEAL_OPTS(jitseal_pool_stats, st);
	const char *path = secure_getenv("JITSEAL_SLJIT_STATS");
	FILE *f;

	if (!path || !*path || !s->pool || jitseal_pool_stats(s->pool, &st))
		return;
	f = fopen(path, "ae");
	if (!f)
		return;
	fprintf(f, "backend %s allocs %llu finalizes %llu loads %llu discards %llu frees %llu pages %zu regions %u\n",
		jitseal_backend_name(st.backend),
		(unsigned long long)st.allocs, (unsigned long long)st.finalizes,
		(unsigned long long)st.loads, (unsigned long long)st.discards,
		(unsigned long long)st.frees, st.pages, st.regions);
	fclose(f);
}

/*
 * A forked child cannot install into its parent's pool (jitseal_finalize()
 * gives -ECHILD): it keeps that pool for the code it inherited and makes
 * its own at its next allocation.  Functions other threads were writing
 * at the fork do not exist in the child.
 */
static inline void jitseal_sljit_atfork_child(void)
{
	struct jitseal_sljit_state *s = &jitseal_sljit_state;
	struct jitseal_sljit_old *old;

	pthread_mutex_init(&s->lock, NULL);
	if (!s->pool)
		return;
	old = (struct jitseal_sljit_old *)malloc(sizeof(*old));
	if (old) {
		old->pool = s->pool;
		old->next = s->inherited;
		s->inherited = old;
	}
	s->pool = NULL;
	s->pending = NULL;
	s->idle = NULL;
}

static inline void jitseal_sljit_create(struct jitseal_sljit_state *s)
{
	const char *forced = secure_getenv("JITSEAL_BACKEND");
	JITSEAL_OPTS(jitseal_pool_opts, o,
		     .code_size = 1 << 20, .rodata_size = 4096,
		     .data_size = 4096);
	struct jitseal_pool *pool;

	/* A backend named in the environment was asked for: not silent. */
	if (forced && *forced)
		o.sealing = JITSEAL_SEALED_PREFERRED;
	pool = jitseal_pool_create(&o);
	if (!pool) {
		s->error = errno;
		fprintf(stderr, "jitseal/sljit: no sealed memory for the JIT (%s%s): JIT compilation is off\n",
			strerror(s->error),
			s->error == ENODEV ? ": /dev/jitseal is missing" : "");
		return;
	}
	if (!s->registered) {
		s->registered = 1;
		pthread_atfork(NULL, NULL, jitseal_sljit_atfork_child);
		if (secure_getenv("JITSEAL_SLJIT_STATS"))
			atexit(jitseal_sljit_report);
	}
	__atomic_store_n(&s->pool, pool, __ATOMIC_RELEASE);
}

/* The pool of this process, made on first use; NULL (errno set) if none. */
static inline struct jitseal_pool *jitseal_sljit_pool(void)
{
	struct jitseal_sljit_state *s = &jitseal_sljit_state;
	struct jitseal_pool *pool = __atomic_load_n(&s->pool, __ATOMIC_ACQUIRE);

	if (pool)
		return pool;
	pthread_mutex_lock(&s->lock);
	if (!s->pool && !s->error)
		jitseal_sljit_create(s);
	pool = s->pool;
	if (!pool)
		errno = s->error;
	pthread_mutex_unlock(&s->lock);
	return pool;
}

/* Take an idle record (with its batch) or make one. */
static inline struct jitseal_sljit_fn *jitseal_sljit_get(struct jitseal_pool *pool)
{
	struct jitseal_sljit_state *s = &jitseal_sljit_state;
	struct jitseal_sljit_fn *fn;

	pthread_mutex_lock(&s->lock);
	fn = s->idle;
	if (fn)
		s->idle = fn->next;
	pthread_mutex_unlock(&s->lock);
	if (fn)
		return fn;
	fn = (struct jitseal_sljit_fn *)calloc(1, sizeof(*fn));
	if (!fn)
		return NULL;
	fn->batch = jitseal_batch_create(pool);
	if (!fn->batch) {
		free(fn);
		return NULL;
	}
	return fn;
}

static inline void jitseal_sljit_put(struct jitseal_sljit_fn *fn)
{
	struct jitseal_sljit_state *s = &jitseal_sljit_state;

	pthread_mutex_lock(&s->lock);
	fn->next = s->idle;
	s->idle = fn;
	pthread_mutex_unlock(&s->lock);
}

/* Unlink the pending function whose final address is @addr; NULL if
 * there is none. */
static inline struct jitseal_sljit_fn *jitseal_sljit_unlink(const void *addr)
{
	struct jitseal_sljit_state *s = &jitseal_sljit_state;
	struct jitseal_sljit_fn **pp, *fn;

	pthread_mutex_lock(&s->lock);
	for (pp = &s->pending; (fn = *pp); pp = &fn->next) {
		if (fn->mem.addr == addr) {
			*pp = fn->next;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return fn;
}

/* SLJIT_MALLOC_EXEC: where sljit writes @size bytes of code. */
static inline void *jitseal_sljit_malloc(size_t size)
{
	struct jitseal_sljit_state *s = &jitseal_sljit_state;
	struct jitseal_pool *pool = jitseal_sljit_pool();
	struct jitseal_sljit_fn *fn;
	int err;

	if (!pool)
		return NULL;
	fn = jitseal_sljit_get(pool);
	if (!fn)
		return NULL;
	err = jitseal_batch_alloc(fn->batch, size, JITSEAL_SLJIT_ALIGN,
				  JITSEAL_CODE, &fn->mem);
	if (err) {
		jitseal_sljit_put(fn);
		errno = -err;
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	fn->next = s->pending;
	s->pending = fn;
	pthread_mutex_unlock(&s->lock);
	return fn->mem.stage;
}

/* SLJIT_EXEC_OFFSET: final address minus stage, for a pending function. */
static inline intptr_t jitseal_sljit_exec_offset(void *stage)
{
	struct jitseal_sljit_state *s = &jitseal_sljit_state;
	struct jitseal_sljit_fn *fn;
	intptr_t off = 0;
	int found = 0;

	pthread_mutex_lock(&s->lock);
	for (fn = s->pending; fn; fn = fn->next) {
		if (fn->mem.stage == stage) {
			off = (intptr_t)fn->mem.addr - (intptr_t)fn->mem.stage;
			found = 1;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (!found)
		jitseal_sljit_die("SLJIT_EXEC_OFFSET of memory SLJIT_MALLOC_EXEC did not return", EINVAL);
	return off;
}

/* SLJIT_UPDATE_WX_FLAGS(from, to, 1): the function at final address
 * [from, to) is complete: give back the unused tail of the allocation,
 * name it, install it.  Sealed code is never written again (0). */
static inline void jitseal_sljit_seal(void *from, void *to, int enable_exec)
{
	struct jitseal_sljit_state *s = &jitseal_sljit_state;
	size_t len = (size_t)((char *)to - (char *)from);
	struct jitseal_sljit_fn *fn;
	char name[64];
	int err;

	if (!enable_exec)
		jitseal_sljit_die("sealed code cannot be written again (sljit_set_jump_addr/sljit_set_const)", EPERM);
	fn = jitseal_sljit_unlink(from);
	if (!fn)
		jitseal_sljit_die("SLJIT_UPDATE_WX_FLAGS of memory that is not pending", EINVAL);
	if (len) {
		err = jitseal_batch_shrink(fn->batch, &fn->mem, len);
		if (err)
			jitseal_sljit_die("cannot shrink the function to its size", -err);
		snprintf(name, sizeof(name), "%s_%lu", JITSEAL_SLJIT_STR(JITSEAL_SLJIT_NAME),
			 __atomic_fetch_add(&s->named, 1, __ATOMIC_RELAXED));
		jitseal_symbol(s->pool, from, len, name);
	}
	err = jitseal_batch_finalize(fn->batch, NULL);
	if (err)
		jitseal_sljit_die("cannot install JIT code", -err);
	jitseal_sljit_put(fn);
}

/* Free @addr in this process's pool; code of a parent's pool stays
 * (-ECHILD: its pages are the parent's).  0 if no pool knows @addr. */
static inline int jitseal_sljit_free_any(void *addr)
{
	struct jitseal_sljit_state *s = &jitseal_sljit_state;
	struct jitseal_pool *pool = __atomic_load_n(&s->pool, __ATOMIC_ACQUIRE);
	struct jitseal_sljit_old *old;
	int err;

	if (pool && !jitseal_free(pool, addr))
		return 1;
	for (old = s->inherited; old; old = old->next) {
		err = jitseal_free(old->pool, addr);
		if (!err || err == -ECHILD)
			return 1;
	}
	return 0;
}

/* SLJIT_FREE_EXEC: @addr is the final address.  A function that was never
 * installed (PCRE2 probes the allocator with one) is discarded. */
static inline void jitseal_sljit_free(void *addr)
{
	struct jitseal_sljit_fn *fn;
	int err;

	if (!addr)
		return;
	fn = jitseal_sljit_unlink(addr);
	if (fn) {
		err = jitseal_batch_discard(fn->batch);
		if (err)
			jitseal_sljit_die("cannot discard JIT code", -err);
		jitseal_sljit_put(fn);
		return;
	}
	if (!jitseal_sljit_free_any(addr))
		jitseal_sljit_die("SLJIT_FREE_EXEC of an address jitseal did not allocate", EINVAL);
}

#define SLJIT_MALLOC_EXEC(size, exec_allocator_data) \
	jitseal_sljit_malloc(size)
#define SLJIT_FREE_EXEC(ptr, exec_allocator_data) \
	jitseal_sljit_free(ptr)
#define SLJIT_EXEC_OFFSET(ptr) \
	((sljit_sw)jitseal_sljit_exec_offset(ptr))
#define SLJIT_UPDATE_WX_FLAGS(from, to, enable_exec) \
	jitseal_sljit_seal((void *)(from), (void *)(to), (enable_exec))
/*
 * sljit flushes the instruction cache over the final addresses before it
 * marks the function complete (arm64 and others): those are not installed
 * yet.  jitseal_batch_finalize() does the maintenance the architecture
 * needs once the bytes are in place.
 */
#define SLJIT_CACHE_FLUSH(from, to) \
	do { (void)(from); (void)(to); } while (0)

#endif /* JITSEAL_SLJIT_H */
