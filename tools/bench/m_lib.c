// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal through libjitseal, sealed backend (kmod) only: jitseal_alloc()
 * gives the staging pointer the code is emitted into and the final
 * address, jitseal_finalize() installs the pool's pending set.  Threads
 * sharing a pool use one jitseal_batch each.
 *
 * "jitseal-memfd" is the same library forced onto its memfd fallback
 * (JITSEAL_SEALED_PREFERRED, JITSEAL_BACKEND_MEMFD): not sealed, but the
 * library's own allocation and locking, where the module cannot be
 * loaded (P10 natively).  It is not in the suite's method list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jitseal.h>

#include "bench.h"

struct mpool {
	struct jitseal_pool *pool;
	size_t stage_bytes;
	bool shared;
};

struct mstager {
	struct jitseal_pool *pool;
	struct jitseal_batch *batch;	/* NULL: the pool's own pending set */
};

static int lib_pool_open(size_t code_bytes, enum jitseal_backend backend,
			 struct jitseal_pool **out)
{
	JITSEAL_OPTS(jitseal_pool_opts, o,
		     .code_size = code_bytes,
		     .rodata_size = 4096,
		     .data_size = 4096,
		     .sealing = backend == JITSEAL_BACKEND_KMOD ?
				JITSEAL_SEALED_ONLY : JITSEAL_SEALED_PREFERRED,
		     .backend = backend);
	struct jitseal_pool *pool = jitseal_pool_create(&o);

	if (!pool)
		return -errno;
	if (jitseal_pool_backend(pool) != (int)backend) {
		jitseal_pool_destroy(pool);
		return -EPROTONOSUPPORT;
	}
	*out = pool;
	return 0;
}

static int lib_probe_backend(enum jitseal_backend backend, const char **why)
{
	struct jitseal_pool *pool;
	int err = lib_pool_open(1 << 16, backend, &pool);

	if (err) {
		*why = err != -EPROTONOSUPPORT ?
			"libjitseal cannot create a pool" :
			backend == JITSEAL_BACKEND_KMOD ?
			"libjitseal did not give the kmod backend" :
			"libjitseal did not give the memfd backend";
		return err;
	}
	jitseal_pool_destroy(pool);
	return 0;
}

static int lib_probe(const char **why)
{
	return lib_probe_backend(JITSEAL_BACKEND_KMOD, why);
}

static int lib_memfd_probe(const char **why)
{
	return lib_probe_backend(JITSEAL_BACKEND_MEMFD, why);
}

static int lib_pool_new(const struct pool_params *pp,
			enum jitseal_backend backend, struct mpool **out)
{
	struct mpool *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	p->shared = pp->shared;
	p->stage_bytes = pp->stage_bytes;
	err = lib_pool_open(pp->code_bytes, backend, &p->pool);
	if (err) {
		free(p);
		return err;
	}
	*out = p;
	return 0;
}

static int lib_pool_create(const struct pool_params *pp, struct mpool **out)
{
	return lib_pool_new(pp, JITSEAL_BACKEND_KMOD, out);
}

static int lib_memfd_pool_create(const struct pool_params *pp,
				 struct mpool **out)
{
	return lib_pool_new(pp, JITSEAL_BACKEND_MEMFD, out);
}

static void lib_pool_destroy(struct mpool *p)
{
	jitseal_pool_destroy(p->pool);
	free(p);
}

static void lib_stager_destroy(struct mstager *s);

/*
 * The raw ioctl method's staging buffer is one batch, faulted in before
 * the clock starts (MAP_POPULATE, stage.c): the library's staging starts
 * as warm, by a batch of that many bytes written and discarded, three
 * times (staging chunks double, 64 KiB first: two passes grow one to a
 * whole batch, the third faults it in).  Its staging and the final
 * addresses are then reused by the timed run, as in a JIT past its first
 * finalizes.
 */
static int lib_stage_warm(struct mstager *s, size_t bytes)
{
	struct jitseal_mem mem;
	size_t done, len;
	int err = 0;

	for (done = 0; done < bytes && !err; done += len) {
		len = bytes - done < 4096 ? bytes - done : 4096;
		err = s->batch ?
			jitseal_batch_alloc(s->batch, len, 16, JITSEAL_CODE, &mem) :
			jitseal_alloc(s->pool, len, 16, JITSEAL_CODE, &mem);
		if (!err)
			memset(mem.stage, 0xcc, len);
	}
	if (s->batch)
		return err ? err : jitseal_batch_discard(s->batch);
	return err ? err : jitseal_discard(s->pool);
}

static int lib_stager_create(struct mpool *p, struct mstager **out)
{
	struct mstager *s = calloc(1, sizeof(*s));
	int err = 0, i;

	if (!s)
		return -ENOMEM;
	s->pool = p->pool;
	if (p->shared) {
		/* Threads sharing a pool: one batch each. */
		s->batch = jitseal_batch_create(p->pool);
		if (!s->batch) {
			err = -errno;
			free(s);
			return err;
		}
	}
	for (i = 0; i < 3 && !err; i++)
		err = lib_stage_warm(s, p->stage_bytes);
	if (err) {
		lib_stager_destroy(s);
		return err;
	}
	*out = s;
	return 0;
}

static void lib_stager_destroy(struct mstager *s)
{
	if (s->batch)
		jitseal_batch_destroy(s->batch);
	free(s);
}

static int lib_alloc(struct mstager *s, struct fn *f)
{
	struct jitseal_mem mem;
	size_t align = f->align ? f->align : FN_ALIGN;
	int err = s->batch ?
		jitseal_batch_alloc(s->batch, f->len, align, JITSEAL_CODE, &mem) :
		jitseal_alloc(s->pool, f->len, align, JITSEAL_CODE, &mem);

	if (err)
		return err;
	f->stage = mem.stage;
	f->addr = mem.addr;
	return 0;
}

static int lib_finalize(struct mstager *s)
{
	return s->batch ? jitseal_batch_finalize(s->batch, NULL) :
			  jitseal_finalize(s->pool, NULL);
}

const struct method method_lib = {
	.name = "jitseal",
	.desc = "jitseal through libjitseal (kmod backend)",
	.needs_module = true,
	.probe = lib_probe,
	.pool_create = lib_pool_create,
	.pool_destroy = lib_pool_destroy,
	.stager_create = lib_stager_create,
	.stager_destroy = lib_stager_destroy,
	.alloc = lib_alloc,
	.finalize = lib_finalize,
};

const struct method method_lib_memfd = {
	.name = "jitseal-memfd",
	.desc = "libjitseal forced onto its memfd fallback (not sealed)",
	.probe = lib_memfd_probe,
	.pool_create = lib_memfd_pool_create,
	.pool_destroy = lib_pool_destroy,
	.stager_create = lib_stager_create,
	.stager_destroy = lib_stager_destroy,
	.alloc = lib_alloc,
	.finalize = lib_finalize,
};
