// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * Sealed slots: code pointers in a pool's read-only data that code calls
 * through (jmp *slot(%rip)) and only jitseal_slots_set() changes.  A
 * finalize declares them, with the entry points they may hold, in its
 * options; on the kmod backend they go with the LOAD of their bytes and
 * the kernel checks every target (Documentation/userspace-api/jitseal.rst,
 * "Sealed slots").  The host backends take the same calls and write the
 * word through a writable view, unchecked: not protected.
 */
#include <stdlib.h>

#include <linux/jitseal.h>

#include "internal.h"

/* Is [@addr, @addr + @len) inside one run of kind @kind of @t? */
static bool js_in_runs(const struct js_set *t, unsigned int kind,
		       uintptr_t addr, size_t len)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		const struct js_seg *seg = &t->segs[i];
		uintptr_t lo = (uintptr_t)js_sec_addr(seg->r, kind) + seg->off;

		if (seg->kind == kind && addr >= lo &&
		    addr + len <= lo + seg->len)
			return true;
	}
	return false;
}

/*
 * The declarations of a finalize lie in the runs it installs: entry
 * points in code, slots (8-byte aligned words) in read-only data.
 */
int js_decls_check(const struct jitseal_pool *pool, const struct js_set *t,
		   const struct js_decls *d)
{
	size_t i;

	if (!d->nr_entries && !d->nr_slots)
		return 0;
	if (pool->be->id == JITSEAL_BACKEND_KMOD &&
	    !(pool->features & JITSEAL_FEAT_SLOTS))
		return -EOPNOTSUPP;
	for (i = 0; i < d->nr_entries; i++)
		if (!js_in_runs(t, JITSEAL_CODE, (uintptr_t)d->entries[i], 1))
			return -EINVAL;
	for (i = 0; i < d->nr_slots; i++) {
		uintptr_t s = (uintptr_t)d->slots[i].slot;

		if ((s & 7) || (d->slots[i].flags & ~JITSEAL_SLOTDECL_FLAGS) ||
		    !js_in_runs(t, JITSEAL_RODATA, s, 8))
			return -EINVAL;
	}
	return 0;
}

static int js_slot_stage(int err, const void *initial, struct jitseal_mem *mem)
{
	uint64_t v = (uintptr_t)initial;

	if (!err)
		memcpy(mem->stage, &v, sizeof(v));
	return err;
}

JITSEAL_API int jitseal_slot_alloc(struct jitseal_pool *pool,
				   const void *initial, struct jitseal_mem *mem)
{
	return js_slot_stage(jitseal_alloc(pool, 8, 8, JITSEAL_RODATA, mem),
			     initial, mem);
}

JITSEAL_API int jitseal_batch_slot_alloc(struct jitseal_batch *batch,
					 const void *initial,
					 struct jitseal_mem *mem)
{
	return js_slot_stage(jitseal_batch_alloc(batch, 8, 8, JITSEAL_RODATA,
						 mem),
			     initial, mem);
}

/* The region whose installed read-only data holds the word at @addr. */
static struct js_region *js_slot_region(struct jitseal_pool *pool,
					uintptr_t addr, size_t *off)
{
	struct js_region *r;

	js_assert_held(&pool->lock);
	for (r = pool->regions; r; r = r->next) {
		const struct js_section *s = &r->sec[JITSEAL_RODATA];
		size_t o = addr - (uintptr_t)s->addr;

		if (o >= s->size)
			continue;
		if (s->state[o >> js_page_shift] != JS_PG_INSTALLED)
			return NULL;
		*off = s->off + o;
		return r;
	}
	return NULL;
}

/*
 * Every slot of one region, each an aligned word of installed read-only
 * data: -ENOENT otherwise, -EXDEV across regions (each region is a pool
 * of the module, and a slot only reaches code of its own).
 */
static int js_slots_prepare(struct jitseal_pool *pool,
			    const struct jitseal_slot_set *sets, size_t n,
			    struct js_slot_upd *u, struct js_region **r)
{
	struct js_region *ri;
	size_t i;

	*r = NULL;
	for (i = 0; i < n; i++) {
		if ((uintptr_t)sets[i].slot & 7)
			return -ENOENT;
		ri = js_slot_region(pool, (uintptr_t)sets[i].slot, &u[i].off);
		if (!ri)
			return -ENOENT;
		if (*r && ri != *r)
			return -EXDEV;
		*r = ri;
		u[i].target = (uintptr_t)sets[i].target;
	}
	return 0;
}

JITSEAL_API int jitseal_slots_set(struct jitseal_pool *pool,
				  const struct jitseal_slot_set *sets,
				  size_t n)
{
	struct js_slot_upd small[8], *u = small;
	struct js_region *r;
	int err = js_pool_check(pool);

	if (err)
		return err;
	if (!n)
		return 0;
	if (!sets || n > 4096)
		return -EINVAL;
	if (js_forked(pool))
		return -ECHILD;
	if (n > 8) {
		u = calloc(n, sizeof(*u));
		if (!u)
			return -ENOMEM;
	}
	/* host backends write pages a finalize may be rebuilding */
	if (pool->be->serial)
		js_lock(&pool->install_lock);
	js_lock(&pool->lock);
	err = js_slots_prepare(pool, sets, n, u, &r);
	js_unlock(&pool->lock);
	if (!err)
		err = pool->be->set_slots(pool, r, u, n);
	if (pool->be->serial)
		js_unlock(&pool->install_lock);
	if (u != small)
		free(u);
	return err;
}
