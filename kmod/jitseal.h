/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jitseal: sealed code pools for JIT compilers - internal interfaces.
 */
#ifndef _JITSEAL_H
#define _JITSEAL_H

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include <linux/jitseal.h>

/* Hard bounds of one LOAD, independent of policy. */
#define JITSEAL_MAX_SEGMENTS	4096U
#define JITSEAL_MAX_LOAD_BYTES	((u64)SZ_256M)
/* Largest argument struct (or segment stride) the kernel reads. */
#define JITSEAL_MAX_ARG_SIZE	PAGE_SIZE

/*
 * Copy an extensible argument struct that starts with its __u32 size:
 * smaller than VER0 is EINVAL, unknown non-zero trailing bytes are E2BIG.
 */
static inline int jitseal_copy_arg(void *karg, size_t ksize, size_t ver0,
				   const void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < ver0)
		return -EINVAL;
	if (usize > JITSEAL_MAX_ARG_SIZE)
		return -E2BIG;
	return copy_struct_from_user(karg, ksize, uarg, usize);
}

/* extent.c: disjoint, merged [start, end) ranges of sealed bytes */
struct jitseal_extent {
	struct rb_node node;
	u64 start;
	u64 end;
};

struct jitseal_kpool;
struct jitseal_scratch;

bool jitseal_extents_overlap(const struct jitseal_kpool *pool, u64 start,
			     u64 end);
bool jitseal_extents_touch(const struct jitseal_kpool *pool, u64 start,
			   u64 end);
void jitseal_extents_insert(struct jitseal_kpool *pool, u64 start, u64 end,
			    struct jitseal_extent **spare);
u64 jitseal_extents_remove(struct jitseal_kpool *pool, u64 start, u64 end,
			   struct jitseal_extent **spare);
void jitseal_extents_destroy(struct rb_root *root);

/* user.c: per-user accounting, charged up the user namespaces' owners */
struct jitseal_user;
struct user_namespace;

struct jitseal_user *jitseal_user_get(struct user_namespace *ns, kuid_t uid);
void jitseal_user_put(struct jitseal_user *user);
int jitseal_user_charge_pool(struct jitseal_user *user);
void jitseal_user_uncharge_pool(struct jitseal_user *user);
int jitseal_user_charge_bytes(struct jitseal_user *user, u64 bytes);
void jitseal_user_uncharge_bytes(struct jitseal_user *user, u64 bytes);

/* fs.c: the module's pseudo file system, one inode per pool */
int jitseal_fs_init(void);
void jitseal_fs_exit(void);
struct inode *jitseal_fs_inode(void);
struct file *jitseal_fs_file(struct inode *inode,
			     const struct file_operations *fops, int flags);

/* pool.c: pools, handles and the file operations */
struct jitseal_kpool {
	struct kref kref;
	/* Serialises LOAD and the fields it changes. */
	struct mutex lock;
	/* LOAD's working arrays for small batches, used under @lock. */
	struct jitseal_scratch *scratch;
	u64 id;
	/* Fixed at SETUP. */
	u64 code_bytes;
	u64 rodata_bytes;
	unsigned long nr_pages;
	bool no_retire;		/* JITSEAL_SETUP_NO_RETIRE */
	/*
	 * The mm of the process that set the pool up (compared, never
	 * dereferenced), and how many VMAs of the pool other mms have: while
	 * none, a LOAD by that process need only synchronise its own CPUs.
	 */
	struct mm_struct *mm;
	atomic_t foreign_vmas;
	struct jitseal_user *user;
	/* Its i_mapping links every VMA of the pool, for RETIRE to zap. */
	struct inode *inode;
	/*
	 * The pool's pages by index, allocated as LOADs touch them, so that
	 * an empty pool costs no memory per reserved page.  LOAD reserves the
	 * entries it needs while it may still fail, and publishes into them
	 * under @lock once nothing can fail.  RETIRE erases entries under
	 * @lock and @fault_lock held for writing.
	 */
	struct xarray pages;
	/*
	 * Held for reading by the fault and access handlers from their lookup
	 * until the PTE is in (or the bytes are copied), and for writing by
	 * RETIRE while it erases pages: a page RETIRE erased is never mapped
	 * again, and its pool reference is only dropped after the zap.
	 */
	struct rw_semaphore fault_lock;
	/* Written under @lock; the counters are read with READ_ONCE(). */
	struct rb_root sealed;
	u64 sealed_bytes;
	u64 nr_alloc_pages;
	u64 loads;
	u64 retired_pages;
	u64 retires;
	/*
	 * slot.c: declared entry points by pool offset (value: how many
	 * slots hold it) and declared slots by offset / 8 (value: what the
	 * slot holds, jitseal_slot_meta()).  Reserved by LOAD's prepare,
	 * stored at its publish, changed by SET_SLOTS and erased by RETIRE,
	 * all under @lock.  The counters are read with READ_ONCE().
	 */
	struct xarray entries;
	struct xarray slots;
	u64 nr_entries;
	u64 nr_slots;
	u64 slot_updates;
	u64 slot_refusals;
};

static inline u64 jitseal_kpool_bytes(const struct jitseal_kpool *pool)
{
	return pool->code_bytes + pool->rodata_bytes;
}

/* Only the caller's mm maps the pool: see jitseal_arch_sync_core(). */
static inline bool jitseal_kpool_mine(const struct jitseal_kpool *pool)
{
	return current->mm == pool->mm && !atomic_read(&pool->foreign_vmas);
}

/* What an open file of /dev/jitseal holds in file->private_data. */
struct jitseal_handle {
	/* NULL until SETUP; then set once (smp_store_release/cmpxchg). */
	struct jitseal_kpool *pool;
	/*
	 * Opened without write access (as MAP_FD does): may map and query
	 * the pool, never SETUP, LOAD or RETIRE.
	 */
	bool map_only;
	/*
	 * The inode whose i_mapping is file->f_mapping, fixed from open on
	 * (mmap needs the same one at munmap); SETUP hands it to the pool, a
	 * MAP_FD file is a file on the pool's (fs.c).
	 */
	struct inode *inode;
};

static inline struct jitseal_kpool *jitseal_handle_pool(struct jitseal_handle *h)
{
	/* Pairs with cmpxchg_release() in SETUP: see an initialised pool. */
	return smp_load_acquire(&h->pool);
}

extern const struct file_operations jitseal_fops;

/* load.c: JITSEAL_IOC_LOAD */
struct jitseal_scratch *jitseal_load_scratch_new(void);
long jitseal_ioctl_load(struct jitseal_handle *h,
			struct jitseal_load __user *uarg);

/* slot.c: entry points, slots and JITSEAL_IOC_SET_SLOTS */
struct jitseal_kslot {
	u64 offset;
	u64 value;		/* the initial target: staged bytes, as sealed */
	u64 meta;		/* what it holds, once checked */
	u32 flags;
};

/* A LOAD's declarations, sorted by offset. */
struct jitseal_kdecls {
	u64 *entries;
	struct jitseal_kslot *slots;
	u32 nr_entries;
	u32 nr_slots;
	bool reserved;		/* their XArray entries are reserved */
};

void jitseal_slots_init(struct jitseal_kpool *pool);
void jitseal_slots_destroy(struct jitseal_kpool *pool);
int jitseal_decls_read(struct jitseal_kdecls *d, const struct jitseal_load *a);
void jitseal_decls_free(struct jitseal_kdecls *d);
int jitseal_decls_prepare(struct jitseal_kpool *pool, struct jitseal_kdecls *d);
int jitseal_decls_check(struct jitseal_kpool *pool, struct jitseal_kdecls *d);
void jitseal_decls_publish(struct jitseal_kpool *pool,
			   struct jitseal_kdecls *d);
void jitseal_decls_release(struct jitseal_kpool *pool,
			   struct jitseal_kdecls *d);
int jitseal_slots_retire_check(struct jitseal_kpool *pool, u64 start, u64 end);
void jitseal_slots_retire(struct jitseal_kpool *pool, u64 start, u64 end);
long jitseal_ioctl_set_slots(struct jitseal_handle *h,
			     struct jitseal_set_slots __user *uarg);

/* retire.c: JITSEAL_IOC_RETIRE */
long jitseal_ioctl_retire(struct jitseal_handle *h,
			  struct jitseal_retire __user *uarg);

/* audit.c: the audit trail: audit records, or kernel log lines */
void jitseal_audit_load(u64 pool_id, u32 nr, u64 bytes,
			const u8 digests[][JITSEAL_DIGEST_SIZE]);
void jitseal_audit_retire(u64 pool_id, u64 offset, u64 pages, u64 bytes);
void jitseal_audit_policy(const char *knob, const char *old, const char *new);
void jitseal_audit_slot(u64 pool_id, u64 slot, u64 target, int err);
u64 jitseal_audit_lost_count(void);

/* policy.c: knobs and statistics in /sys/kernel/jitseal/ */
enum jitseal_reject {
	JITSEAL_REJECT_QUOTA,
	JITSEAL_REJECT_OVERLAP,
	JITSEAL_REJECT_INVALID,
	JITSEAL_REJECT_FAULT,
	JITSEAL_REJECT_NOMEM,
	JITSEAL_REJECT_PERM,
	JITSEAL_REJECT_INTR,
	JITSEAL_NR_REJECTS,
};

struct jitseal_policy {
	/* Numeric knobs are all u64, so that one table describes them. */
	u64 max_pool_bytes;
	u64 max_user_bytes;
	u64 max_user_pools;
	u64 audit;		/* 0 or 1 */
	u64 retire;		/* 0 or 1: RETIRE allowed */
	u64 slots;		/* 0 or 1: slots and entry points allowed */
	/* INVALID_GID: anyone who can open the device */
	kgid_t allowed_gid;
	bool locked;
};

/* Read with READ_ONCE() per field; written under a mutex in policy.c. */
extern struct jitseal_policy jitseal_policy;

int jitseal_policy_init(void);
void jitseal_policy_exit(void);
void jitseal_stat_reject(int err);
void jitseal_stat_pool(long delta);
void jitseal_stat_load(u64 bytes, u64 pages);
void jitseal_stat_unload(u64 bytes, u64 pages);
void jitseal_stat_retire(u64 bytes, u64 pages);
void jitseal_stat_slots(u64 updates);
void jitseal_stat_slot_refused(void);

/* arch.c: the only architecture-specific code */
void jitseal_arch_fill_trap(void *addr, size_t len);
void jitseal_arch_flush_icache(void *addr, size_t len);
bool jitseal_arch_sync_icache(void);
void jitseal_arch_sync_core(bool mine);

#endif /* _JITSEAL_H */
