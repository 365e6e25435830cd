// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: sealed indirection slots and the entry points they may hold.
 *
 * A slot is an aligned 8-byte word of a pool's read-only data, mapped
 * read-only in every process like all pool memory, that code loads a
 * call target from.  A LOAD declares slots (in its read-only segments,
 * their staged bytes the initial target) and entry points (in its code
 * segments); after that only JITSEAL_IOC_SET_SLOTS changes a slot, and
 * only to a target it accepts: 0 (empty), a live declared entry point of
 * the pool through an executable mapping of it in the caller, or, for a
 * slot declared external, an address in an executable file mapping of the
 * caller that nobody can write.  Every update of a call is checked before
 * any slot changes; each slot is then written with one aligned 8-byte
 * store through the kernel's own mapping of the page, which a concurrent
 * reader sees whole or not at all.
 *
 * pool->entries maps a declared entry point (pool offset) to the number of
 * slots that hold it, and pool->slots a slot (offset / 8) to what it holds,
 * so that RETIRE can refuse (EBUSY) to take pages that hold a slot or an
 * entry point a slot holds: no slot ever points into retired code.  Both
 * are changed under pool->lock only.  LOAD reserves their entries while it
 * may still fail and stores into them at its publish, which cannot fail;
 * SET_SLOTS replaces existing entries, which allocates nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bsearch.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "jitseal.h"

/* What a slot holds (pool->slots values; struct jitseal_kslot.meta). */
#define JITSEAL_SM_EMPTY	0
#define JITSEAL_SM_POOL		1	/* an entry point, offset << SHIFT */
#define JITSEAL_SM_FILE		2	/* an address in a file mapping */
#define JITSEAL_SM_KIND		3
#define JITSEAL_SM_EXTERNAL	4	/* declared JITSEAL_SLOT_EXTERNAL */
#define JITSEAL_SM_SHIFT	3

#define JITSEAL_SLOT_BYTES	8

/* SET_SLOTS updates that take no heap allocation. */
#define JITSEAL_SMALL_UPDATES	4

struct jitseal_kupdate {
	u64 slot;
	u64 target;
	u64 meta;		/* what it will hold, once checked */
	u64 old;		/* what it holds */
};

/* Entry point reference changes of one SET_SLOTS, applied together. */
#define JITSEAL_REF_CACHE	8

struct jitseal_refs {
	unsigned long offset[JITSEAL_REF_CACHE];
	long delta[JITSEAL_REF_CACHE];
	unsigned int nr;
};

void jitseal_slots_init(struct jitseal_kpool *pool)
{
	xa_init_flags(&pool->entries, XA_FLAGS_ACCOUNT);
	xa_init_flags(&pool->slots, XA_FLAGS_ACCOUNT);
}

/* Value entries only: nothing to free but the nodes. */
void jitseal_slots_destroy(struct jitseal_kpool *pool)
{
	xa_destroy(&pool->entries);
	xa_destroy(&pool->slots);
}

static int jitseal_u64_cmp(const void *a, const void *b)
{
	const u64 *x = a, *y = b;

	if (*x != *y)
		return *x < *y ? -1 : 1;
	return 0;
}

static int jitseal_kslot_cmp(const void *a, const void *b)
{
	return jitseal_u64_cmp(&((const struct jitseal_kslot *)a)->offset,
			       &((const struct jitseal_kslot *)b)->offset);
}

static int jitseal_kupdate_cmp(const void *a, const void *b)
{
	return jitseal_u64_cmp(&((const struct jitseal_kupdate *)a)->slot,
			       &((const struct jitseal_kupdate *)b)->slot);
}

/* Element @i of a user array of @stride-byte extensible structs. */
static int jitseal_copy_elem(void *k, size_t ksize, u64 base, u32 stride,
			     u32 i)
{
	return copy_struct_from_user(k, ksize,
				     u64_to_user_ptr(base + (u64)i * stride),
				     stride);
}

/* A declaration array's count and stride: both 0, or within bounds. */
static int jitseal_check_array(u64 ptr, u32 nr, u32 stride, u32 ver0)
{
	if (!nr)
		return ptr || stride ? -EINVAL : 0;
	if (nr > JITSEAL_MAX_DECLS || stride < ver0 ||
	    stride > JITSEAL_MAX_ARG_SIZE)
		return -EINVAL;
	return 0;
}

static int jitseal_read_entries(struct jitseal_kdecls *d,
				const struct jitseal_load *a)
{
	struct jitseal_entry e;
	u32 i;
	int ret;

	d->entries = kvmalloc_array(a->nr_entries, sizeof(*d->entries),
				    GFP_KERNEL_ACCOUNT);
	if (!d->entries)
		return -ENOMEM;
	for (i = 0; i < a->nr_entries; i++) {
		ret = jitseal_copy_elem(&e, sizeof(e), a->entries,
					a->entry_size, i);
		if (ret)
			return ret;
		if (e.flags || e.reserved)
			return -EINVAL;
		d->entries[i] = e.offset;
	}
	d->nr_entries = a->nr_entries;
	sort(d->entries, d->nr_entries, sizeof(*d->entries), jitseal_u64_cmp,
	     NULL);
	for (i = 1; i < d->nr_entries; i++)
		if (d->entries[i - 1] == d->entries[i])
			return -EINVAL;
	return 0;
}

static int jitseal_read_slots(struct jitseal_kdecls *d,
			      const struct jitseal_load *a)
{
	struct jitseal_slot s;
	u32 i;
	int ret;

	d->slots = kvmalloc_array(a->nr_slots, sizeof(*d->slots),
				  GFP_KERNEL_ACCOUNT);
	if (!d->slots)
		return -ENOMEM;
	for (i = 0; i < a->nr_slots; i++) {
		ret = jitseal_copy_elem(&s, sizeof(s), a->slots, a->slot_size,
					i);
		if (ret)
			return ret;
		if ((s.flags & ~JITSEAL_SLOT_FLAGS) || s.reserved ||
		    !IS_ALIGNED(s.offset, JITSEAL_SLOT_BYTES))
			return -EINVAL;
		d->slots[i].offset = s.offset;
		d->slots[i].flags = s.flags;
		d->slots[i].value = 0;
		d->slots[i].meta = JITSEAL_SM_EMPTY;
	}
	d->nr_slots = a->nr_slots;
	sort(d->slots, d->nr_slots, sizeof(*d->slots), jitseal_kslot_cmp,
	     NULL);
	for (i = 1; i < d->nr_slots; i++)
		if (d->slots[i - 1].offset == d->slots[i].offset)
			return -EINVAL;
	return 0;
}

/**
 * jitseal_decls_read - copy and check a LOAD's declarations (no lock)
 * @d:	zeroed; freed with jitseal_decls_free() whatever the result
 * @a:	the LOAD argument
 *
 * Whether each lies in the batch is load.c's to check (it has the
 * segments).
 */
int jitseal_decls_read(struct jitseal_kdecls *d, const struct jitseal_load *a)
{
	int ret;

	ret = jitseal_check_array(a->entries, a->nr_entries, a->entry_size,
				  JITSEAL_ENTRY_SIZE_VER0);
	if (!ret)
		ret = jitseal_check_array(a->slots, a->nr_slots, a->slot_size,
					  JITSEAL_SLOT_SIZE_VER0);
	if (ret)
		return ret;
	if (!a->nr_entries && !a->nr_slots)
		return 0;
	if (!READ_ONCE(jitseal_policy.slots))
		return -EACCES;
	if (a->nr_entries) {
		ret = jitseal_read_entries(d, a);
		if (ret)
			return ret;
	}
	if (a->nr_slots)
		ret = jitseal_read_slots(d, a);
	return ret;
}

void jitseal_decls_free(struct jitseal_kdecls *d)
{
	kvfree(d->entries);
	kvfree(d->slots);
}

static unsigned long jitseal_slot_index(u64 offset)
{
	return offset / JITSEAL_SLOT_BYTES;
}

/*
 * Reserve the XArray entries the declarations will take, so that
 * publishing cannot fail.  None exists yet: entry points and slots lie in
 * the batch's bytes, which no sealed byte overlaps, and RETIRE erased the
 * entry points of a range it took (it never takes a slot).
 */
int jitseal_decls_prepare(struct jitseal_kpool *pool, struct jitseal_kdecls *d)
{
	u32 i;

	lockdep_assert_held(&pool->lock);
	d->reserved = true;
	for (i = 0; i < d->nr_entries; i++)
		if (xa_reserve(&pool->entries, d->entries[i],
			       GFP_KERNEL_ACCOUNT))
			return -ENOMEM;
	for (i = 0; i < d->nr_slots; i++)
		if (xa_reserve(&pool->slots,
			       jitseal_slot_index(d->slots[i].offset),
			       GFP_KERNEL_ACCOUNT))
			return -ENOMEM;
	return 0;
}

/* Give back reservations a failed LOAD did not publish. */
void jitseal_decls_release(struct jitseal_kpool *pool,
			   struct jitseal_kdecls *d)
{
	u32 i;

	lockdep_assert_held(&pool->lock);
	if (!d->reserved)
		return;
	for (i = 0; i < d->nr_entries; i++)
		xa_release(&pool->entries, d->entries[i]);
	for (i = 0; i < d->nr_slots; i++)
		xa_release(&pool->slots, jitseal_slot_index(d->slots[i].offset));
	d->reserved = false;
}

/* A live declared entry point of the pool, or of the batch @d. */
static bool jitseal_is_entry(struct jitseal_kpool *pool,
			     const struct jitseal_kdecls *d, u64 offset)
{
	if (xa_load(&pool->entries, offset))
		return true;
	return d && d->nr_entries &&
	       bsearch(&offset, d->entries, d->nr_entries, sizeof(u64),
		       jitseal_u64_cmp);
}

/* A file mapping of any pool (its file maps through a pool inode). */
static bool jitseal_is_pool_file(const struct file *file)
{
	return file->f_mapping->host->i_sb->s_magic == JITSEAL_FS_MAGIC;
}

/*
 * An external target: code of a named file that nobody can change under
 * it.  The mapping is not writable now and has no private copy-on-write
 * page (anon_vma: it is or was written); the file has a name (a memfd or
 * an unlinked temporary file has none: the dual-map trick), nobody has it
 * open for writing and no shared mapping of it is writable.
 */
static bool jitseal_external_ok(const struct vm_area_struct *vma)
{
	const struct file *file = vma->vm_file;
	struct inode *inode = file_inode(file);

	return !(vma->vm_flags & VM_WRITE) && !vma->anon_vma &&
	       !jitseal_is_pool_file(file) && inode->i_nlink &&
	       !inode_is_open_for_write(inode) &&
	       !mapping_writably_mapped(file->f_mapping);
}

/*
 * Check @addr as a target of a slot (@external: declared so), with the
 * caller's mmap_lock held; on success *@meta says what it is.  @d: the
 * declarations of the LOAD being checked, or NULL.  *@vmap: the VMA of
 * the previous target of the call (or NULL), looked up again only when
 * @addr is outside it; the mmap_lock keeps it valid.
 */
static int jitseal_slot_target(struct jitseal_kpool *pool,
			       const struct jitseal_kdecls *d, u64 addr,
			       bool external, u64 *meta,
			       struct vm_area_struct **vmap)
{
	struct vm_area_struct *vma = *vmap;
	u64 offset;

	*meta = JITSEAL_SM_EMPTY;
	if (!addr)
		return 0;
	/* Not mmap_assert_locked(): with DEBUG_VM it needs dump_mm(). */
	lockdep_assert_held(&current->mm->mmap_lock);
	if (!vma || addr < vma->vm_start || addr >= vma->vm_end)
		vma = *vmap = vma_lookup(current->mm, addr);
	if (!vma || !(vma->vm_flags & VM_EXEC) || !vma->vm_file)
		return -EADDRNOTAVAIL;

	if (vma->vm_file->f_mapping == pool->inode->i_mapping) {
		offset = addr - vma->vm_start +
			 ((u64)vma->vm_pgoff << PAGE_SHIFT);
		if (offset >= pool->code_bytes ||
		    !jitseal_is_entry(pool, d, offset))
			return -EADDRNOTAVAIL;
		*meta = offset << JITSEAL_SM_SHIFT | JITSEAL_SM_POOL;
		return 0;
	}
	if (!external || !jitseal_external_ok(vma))
		return -EADDRNOTAVAIL;
	*meta = JITSEAL_SM_FILE;
	return 0;
}

/*
 * Check the initial targets of a LOAD's slots, which load.c has read
 * from its sealed copy of the batch into d->slots[].value.
 */
int jitseal_decls_check(struct jitseal_kpool *pool, struct jitseal_kdecls *d)
{
	struct vm_area_struct *vma = NULL;
	struct jitseal_kslot *s;
	int ret = 0;
	u32 i;

	lockdep_assert_held(&pool->lock);
	if (!d->nr_slots)
		return 0;
	if (mmap_read_lock_killable(current->mm))
		return -EINTR;
	for (i = 0; i < d->nr_slots && !ret; i++) {
		s = &d->slots[i];
		ret = jitseal_slot_target(pool, d, s->value,
					  s->flags & JITSEAL_SLOT_EXTERNAL,
					  &s->meta, &vma);
		if (s->flags & JITSEAL_SLOT_EXTERNAL)
			s->meta |= JITSEAL_SM_EXTERNAL;
	}
	mmap_read_unlock(current->mm);
	return ret;
}

/*
 * @delta more slots hold the entry point at @offset (declared): one walk,
 * replacing an existing entry, so no allocation and no failure.
 */
static void jitseal_entry_add(struct jitseal_kpool *pool, unsigned long offset,
			      long delta)
{
	XA_STATE(xas, &pool->entries, offset);
	void *e;

	xas_lock(&xas);
	e = xas_load(&xas);
	xas_store(&xas, xa_mk_value(xa_to_value(e) + delta));
	xas_unlock(&xas);
}

/* Part of LOAD's publish: into the reserved entries, so it cannot fail. */
void jitseal_decls_publish(struct jitseal_kpool *pool,
			   struct jitseal_kdecls *d)
{
	const struct jitseal_kslot *s;
	u32 i;

	lockdep_assert_held(&pool->lock);
	for (i = 0; i < d->nr_entries; i++)
		xa_store(&pool->entries, d->entries[i], xa_mk_value(0),
			 GFP_KERNEL);
	for (i = 0; i < d->nr_slots; i++) {
		s = &d->slots[i];
		if ((s->meta & JITSEAL_SM_KIND) == JITSEAL_SM_POOL)
			jitseal_entry_add(pool, s->meta >> JITSEAL_SM_SHIFT, 1);
		xa_store(&pool->slots, jitseal_slot_index(s->offset),
			 xa_mk_value(s->meta), GFP_KERNEL);
	}
	d->reserved = false;
	/* INFO reads these without the lock. */
	WRITE_ONCE(pool->nr_entries, pool->nr_entries + d->nr_entries);
	WRITE_ONCE(pool->nr_slots, pool->nr_slots + d->nr_slots);
}

/*
 * RETIRE of [@start, @end) takes no page holding a slot or an entry point
 * that a slot holds: -EBUSY, and it changes nothing.
 */
int jitseal_slots_retire_check(struct jitseal_kpool *pool, u64 start, u64 end)
{
	unsigned long idx = jitseal_slot_index(start);
	void *e;

	lockdep_assert_held(&pool->lock);
	if (xa_find(&pool->slots, &idx, jitseal_slot_index(end - 1),
		    XA_PRESENT))
		return -EBUSY;
	xa_for_each_range(&pool->entries, idx, e, start, end - 1)
		if (xa_to_value(e))
			return -EBUSY;
	return 0;
}

/* The entry points of a retired range go with it. */
void jitseal_slots_retire(struct jitseal_kpool *pool, u64 start, u64 end)
{
	unsigned long idx;
	u64 n = 0;
	void *e;

	lockdep_assert_held(&pool->lock);
	xa_for_each_range(&pool->entries, idx, e, start, end - 1) {
		xa_erase(&pool->entries, idx);
		n++;
	}
	WRITE_ONCE(pool->nr_entries, pool->nr_entries - n);
}

/*
 * The user's array in one copy when its stride is ours (the usual case),
 * into @u itself, then spread out to struct jitseal_kupdate from the last
 * element down so that nothing is overwritten before it is read.
 */
static int jitseal_copy_updates(const struct jitseal_set_slots *a,
				struct jitseal_kupdate *u)
{
	struct jitseal_slot_update *x = (struct jitseal_slot_update *)u, t;
	u32 i;
	int ret;

	BUILD_BUG_ON(sizeof(*x) > sizeof(*u));
	if (a->update_size != sizeof(*x)) {
		for (i = 0; i < a->nr_updates; i++) {
			ret = jitseal_copy_elem(&u[i], sizeof(*x), a->updates,
						a->update_size, i);
			if (ret)
				return ret;
		}
		x = NULL;
	} else if (copy_from_user(x, u64_to_user_ptr(a->updates),
				  (size_t)a->nr_updates * sizeof(*x))) {
		return -EFAULT;
	}
	for (i = a->nr_updates; i-- > 0;) {
		t = x ? x[i] : *(struct jitseal_slot_update *)&u[i];
		if (t.flags || t.reserved)
			return -EINVAL;
		u[i].slot = t.slot;
		u[i].target = t.target;
	}
	return 0;
}

static int jitseal_read_updates(const struct jitseal_set_slots *a,
				struct jitseal_kupdate *u)
{
	u32 i, n = a->nr_updates;
	int ret;

	ret = jitseal_copy_updates(a, u);
	if (ret)
		return ret;
	/* In ascending order already (as JITs tend to ask): no sort. */
	for (i = 1; i < n && u[i - 1].slot < u[i].slot; i++)
		;
	if (i < n)
		sort(u, n, sizeof(*u), jitseal_kupdate_cmp, NULL);
	for (i = 1; i < n; i++)
		if (u[i - 1].slot == u[i].slot)
			return -EINVAL;
	return 0;
}

/*
 * Check the targets with the caller's mmap_lock held.  An update with the
 * target and kind of slot of the one before takes its result: a batch
 * that moves many slots to one function looks it up once.
 */
static int jitseal_check_targets(struct jitseal_kpool *pool,
				 struct jitseal_kupdate *u, u32 n, u32 *bad)
{
	struct vm_area_struct *vma = NULL;
	u64 external;
	int ret;

	for (*bad = 0; *bad < n; (*bad)++) {
		struct jitseal_kupdate *k = &u[*bad];

		external = k->old & JITSEAL_SM_EXTERNAL;
		if (*bad && k->target == k[-1].target &&
		    external == (k[-1].meta & JITSEAL_SM_EXTERNAL)) {
			k->meta = k[-1].meta;
			continue;
		}
		ret = jitseal_slot_target(pool, NULL, k->target, external,
					  &k->meta, &vma);
		if (ret)
			return ret;
		k->meta |= external;
	}
	return 0;
}

/* Every update, before any slot changes; *@bad: the refused one. */
static int jitseal_check_updates(struct jitseal_kpool *pool,
				 struct jitseal_kupdate *u, u32 n, u32 *bad)
{
	void *e;
	int ret;

	lockdep_assert_held(&pool->lock);
	for (*bad = 0; *bad < n; (*bad)++) {
		if (!IS_ALIGNED(u[*bad].slot, JITSEAL_SLOT_BYTES) ||
		    u[*bad].slot >= jitseal_kpool_bytes(pool))
			return -ENOENT;
		e = xa_load(&pool->slots, jitseal_slot_index(u[*bad].slot));
		if (!e)
			return -ENOENT;
		u[*bad].old = xa_to_value(e);
	}
	if (mmap_read_lock_killable(current->mm))
		return -EINTR;
	ret = jitseal_check_targets(pool, u, n, bad);
	mmap_read_unlock(current->mm);
	return ret;
}

/* Apply the collected reference changes: existing entries, no failure. */
static void jitseal_refs_flush(struct jitseal_kpool *pool,
			       struct jitseal_refs *r)
{
	unsigned int i;

	for (i = 0; i < r->nr; i++)
		if (r->delta[i])
			jitseal_entry_add(pool, r->offset[i], r->delta[i]);
	r->nr = 0;
}

/* One more or one fewer slot holds the entry point @meta names, if any. */
static void jitseal_refs_add(struct jitseal_kpool *pool,
			     struct jitseal_refs *r, u64 meta, long delta)
{
	unsigned long offset = meta >> JITSEAL_SM_SHIFT;
	unsigned int i;

	if ((meta & JITSEAL_SM_KIND) != JITSEAL_SM_POOL)
		return;
	for (i = 0; i < r->nr; i++) {
		if (r->offset[i] == offset) {
			r->delta[i] += delta;
			return;
		}
	}
	if (r->nr == JITSEAL_REF_CACHE)
		jitseal_refs_flush(pool, r);
	r->offset[r->nr] = offset;
	r->delta[r->nr++] = delta;
}

/* One single-copy-atomic store through the kernel's mapping of @page. */
static void jitseal_slot_write(struct page *page, u64 slot, u64 target)
{
	u64 *kaddr = kmap_local_page(page);

	WRITE_ONCE(kaddr[offset_in_page(slot) / JITSEAL_SLOT_BYTES], target);
	kunmap_local(kaddr);
}

/* Nothing here can fail: only existing XArray entries are replaced. */
static void jitseal_publish_updates(struct jitseal_kpool *pool,
				    const struct jitseal_kupdate *u, u32 n)
{
	unsigned long idx = ULONG_MAX;
	struct jitseal_refs refs = {};
	struct page *page = NULL;
	u32 i;

	lockdep_assert_held(&pool->lock);
	for (i = 0; i < n; i++) {
		jitseal_refs_add(pool, &refs, u[i].old, -1);
		jitseal_refs_add(pool, &refs, u[i].meta, 1);
		if (u[i].meta != u[i].old)
			xa_store(&pool->slots, jitseal_slot_index(u[i].slot),
				 xa_mk_value(u[i].meta), GFP_KERNEL);
		/* A page holding a live slot is never retired. */
		if (u[i].slot >> PAGE_SHIFT != idx) {
			idx = u[i].slot >> PAGE_SHIFT;
			page = xa_load(&pool->pages, idx);
		}
		jitseal_slot_write(page, u[i].slot, u[i].target);
	}
	jitseal_refs_flush(pool, &refs);
	WRITE_ONCE(pool->slot_updates, pool->slot_updates + n);
}

static int jitseal_set_slots_check(const struct jitseal_set_slots *a)
{
	if (a->flags || !a->nr_updates || a->nr_updates > JITSEAL_MAX_DECLS ||
	    a->update_size < JITSEAL_SLOT_UPDATE_SIZE_VER0 ||
	    a->update_size > JITSEAL_MAX_ARG_SIZE)
		return -EINVAL;
	if (!READ_ONCE(jitseal_policy.slots))
		return -EACCES;
	return 0;
}

/* Under the pool lock: check all, then publish all, or count a refusal. */
static int jitseal_set_slots_locked(struct jitseal_kpool *pool,
				    struct jitseal_kupdate *u, u32 n, u32 *bad)
{
	int ret;

	lockdep_assert_held(&pool->lock);
	ret = jitseal_check_updates(pool, u, n, bad);
	if (!ret)
		jitseal_publish_updates(pool, u, n);
	else if (ret != -EINTR)
		WRITE_ONCE(pool->slot_refusals, pool->slot_refusals + 1);
	return ret;
}

long jitseal_ioctl_set_slots(struct jitseal_handle *h,
			     struct jitseal_set_slots __user *uarg)
{
	struct jitseal_kpool *pool = jitseal_handle_pool(h);
	struct jitseal_kupdate small[JITSEAL_SMALL_UPDATES], *u = small;
	struct jitseal_set_slots a;
	u32 bad = 0;
	int ret;

	if (h->map_only)
		return -EPERM;
	if (!pool)
		return -ENXIO;
	ret = jitseal_copy_arg(&a, sizeof(a), JITSEAL_SET_SLOTS_SIZE_VER0, uarg);
	if (ret)
		return ret;
	ret = jitseal_set_slots_check(&a);
	if (ret)
		return ret;
	if (a.nr_updates > JITSEAL_SMALL_UPDATES) {
		/* short-lived: charging it would cost more than the call */
		u = kvmalloc_array(a.nr_updates, sizeof(*u), GFP_KERNEL);
		if (!u)
			return -ENOMEM;
	}

	ret = jitseal_read_updates(&a, u);
	if (ret)
		goto out;
	ret = mutex_lock_killable(&pool->lock);
	if (ret)
		goto out;
	ret = jitseal_set_slots_locked(pool, u, a.nr_updates, &bad);
	mutex_unlock(&pool->lock);

	if (!ret) {
		jitseal_stat_slots(a.nr_updates);
	} else if (ret != -EINTR) {
		jitseal_stat_slot_refused();
		jitseal_audit_slot(pool->id, u[bad].slot, u[bad].target, ret);
	}
out:
	if (u != small)
		kvfree(u);
	return ret;
}
