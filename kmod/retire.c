// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: JITSEAL_IOC_RETIRE, taking whole sealed pages away.
 *
 * The one way sealed bytes stop being what they were: the pages go, they
 * are never rewritten.  Under pool->lock (no LOAD in between), each page is
 * erased from pool->pages under pool->fault_lock held for writing, so that a
 * fault or access either finished with the page before or finds it gone
 * (jitseal_vm_fault()); then unmap_mapping_range() on the pool's address
 * space zaps every PTE of the range in every process that maps the pool
 * (all its files map through its inode's address space: fs.c) and flushes the
 * TLBs before it returns.  Only then is the pool's reference to each page,
 * the only one there is (mappings hold none, and nothing can pin them),
 * dropped: the page is freed and uncharged.  The range reads as never
 * loaded (SIGBUS) and a LOAD fills it again into fresh pages.  A range
 * holding a slot, or an entry point a slot holds, is refused (EBUSY,
 * slot.c): no slot ever points into retired code.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "jitseal.h"

/* Pages erased, zapped and released together (a small stack frame). */
#define JITSEAL_RETIRE_CHUNK	32

static void jitseal_retire_chunk(struct jitseal_kpool *pool,
				 unsigned long first, unsigned int n)
{
	struct page *pages[JITSEAL_RETIRE_CHUNK];
	unsigned int i;

	lockdep_assert_held(&pool->lock);
	down_write(&pool->fault_lock);
	for (i = 0; i < n; i++)
		pages[i] = xa_erase(&pool->pages, first + i);
	up_write(&pool->fault_lock);
	unmap_mapping_range(pool->inode->i_mapping,
			    (loff_t)first << PAGE_SHIFT,
			    (loff_t)n << PAGE_SHIFT, 1);
	/* No PTE and no TLB entry can reach them any more. */
	for (i = 0; i < n; i++)
		put_page(pages[i]);
	cond_resched();
}

static int jitseal_retire_locked(struct jitseal_kpool *pool, u64 offset,
				 u64 len, struct jitseal_extent **spare,
				 u64 *bytes)
{
	unsigned long first = offset >> PAGE_SHIFT, n = len >> PAGE_SHIFT, i;
	unsigned int chunk;
	int ret;

	lockdep_assert_held(&pool->lock);
	for (i = first; i < first + n; i++)
		if (!xa_load(&pool->pages, i))
			return -ENOENT;
	ret = jitseal_slots_retire_check(pool, offset, offset + len);
	if (ret)
		return ret;
	jitseal_slots_retire(pool, offset, offset + len);

	*bytes = jitseal_extents_remove(pool, offset, offset + len, spare);
	for (i = first; i < first + n; i += chunk) {
		chunk = min_t(unsigned long, first + n - i,
			      JITSEAL_RETIRE_CHUNK);
		jitseal_retire_chunk(pool, i, chunk);
	}

	/* INFO reads these without the lock. */
	WRITE_ONCE(pool->sealed_bytes, pool->sealed_bytes - *bytes);
	WRITE_ONCE(pool->nr_alloc_pages, pool->nr_alloc_pages - n);
	WRITE_ONCE(pool->retired_pages, pool->retired_pages + n);
	WRITE_ONCE(pool->retires, pool->retires + 1);
	jitseal_user_uncharge_bytes(pool->user, *bytes);
	return 0;
}

static int jitseal_retire_check(const struct jitseal_kpool *pool,
				const struct jitseal_retire *r)
{
	u64 end;

	if (r->flags || !r->len || !PAGE_ALIGNED(r->offset) ||
	    !PAGE_ALIGNED(r->len) || check_add_overflow(r->offset, r->len, &end) ||
	    end > jitseal_kpool_bytes(pool))
		return -EINVAL;
	if (pool->no_retire)
		return -EPERM;
	if (!READ_ONCE(jitseal_policy.retire))
		return -EACCES;
	return 0;
}

long jitseal_ioctl_retire(struct jitseal_handle *h,
			  struct jitseal_retire __user *uarg)
{
	struct jitseal_kpool *pool = jitseal_handle_pool(h);
	struct jitseal_extent *spare;
	struct jitseal_retire r;
	u64 bytes = 0;
	int ret;

	if (h->map_only)
		return -EPERM;
	if (!pool)
		return -ENXIO;
	ret = jitseal_copy_arg(&r, sizeof(r), JITSEAL_RETIRE_SIZE_VER0, uarg);
	if (ret)
		return ret;
	ret = jitseal_retire_check(pool, &r);
	if (ret)
		return ret;

	/* Retiring the middle of a sealed range splits it in two. */
	spare = kmalloc(sizeof(*spare), GFP_KERNEL_ACCOUNT);
	if (!spare)
		return -ENOMEM;
	ret = mutex_lock_killable(&pool->lock);
	if (ret)
		goto out;
	ret = jitseal_retire_locked(pool, r.offset, r.len, &spare, &bytes);
	mutex_unlock(&pool->lock);
	if (ret)
		goto out;

	jitseal_stat_retire(bytes, r.len >> PAGE_SHIFT);
	if (READ_ONCE(jitseal_policy.audit))
		jitseal_audit_retire(pool->id, r.offset, r.len >> PAGE_SHIFT,
				     bytes);
out:
	kfree(spare);
	return ret;
}
