// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: pool lifetime and the file operations of /dev/jitseal.
 *
 * Every open file has a handle.  SETUP hangs a new pool off it; MAP_FD opens
 * a second file on the same device whose handle shares the pool but may only
 * map it.  A pool is freed with its last handle, and a handle with its file,
 * which every mapping of the pool holds: pages therefore outlive the last
 * fd as long as a mapping exists, and the module (fops owner) cannot be
 * unloaded while either exists.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/pfn_t.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "jitseal.h"

static atomic64_t jitseal_next_pool_id = ATOMIC64_INIT(0);

static struct jitseal_kpool *jitseal_kpool_create(const struct jitseal_setup *s,
						  struct inode *inode)
{
	struct jitseal_kpool *pool;
	int ret = -ENOMEM;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL_ACCOUNT);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	kref_init(&pool->kref);
	mutex_init(&pool->lock);
	xa_init_flags(&pool->pages, XA_FLAGS_ACCOUNT);
	init_rwsem(&pool->fault_lock);
	jitseal_slots_init(pool);
	pool->sealed = RB_ROOT;
	pool->code_bytes = s->code_bytes;
	pool->rodata_bytes = s->rodata_bytes;
	pool->nr_pages = (s->code_bytes + s->rodata_bytes) >> PAGE_SHIFT;
	pool->no_retire = s->flags & JITSEAL_SETUP_NO_RETIRE;
	pool->mm = current->mm;
	atomic_set(&pool->foreign_vmas, 0);

	pool->scratch = jitseal_load_scratch_new();
	if (!pool->scratch)
		goto err_free;
	pool->user = jitseal_user_get(current_user_ns(), current_uid());
	if (!pool->user)
		goto err_free;
	ret = jitseal_user_charge_pool(pool->user);
	if (ret)
		goto err_user;

	ihold(inode);
	pool->inode = inode;
	pool->id = atomic64_inc_return(&jitseal_next_pool_id);
	jitseal_stat_pool(1);
	return pool;

err_user:
	jitseal_user_put(pool->user);
err_free:
	kfree(pool->scratch);
	mutex_destroy(&pool->lock);
	kfree(pool);
	return ERR_PTR(ret);
}

static void jitseal_kpool_release(struct kref *kref)
{
	struct jitseal_kpool *pool = container_of(kref, struct jitseal_kpool,
						 kref);
	struct page *page;
	unsigned long i;

	xa_for_each(&pool->pages, i, page) {
		put_page(page);
		cond_resched();
	}
	xa_destroy(&pool->pages);
	jitseal_slots_destroy(pool);
	jitseal_extents_destroy(&pool->sealed);

	jitseal_stat_unload(pool->sealed_bytes, pool->nr_alloc_pages);
	jitseal_stat_pool(-1);
	jitseal_user_uncharge_bytes(pool->user, pool->sealed_bytes);
	jitseal_user_uncharge_pool(pool->user);
	jitseal_user_put(pool->user);
	iput(pool->inode);

	kfree(pool->scratch);
	mutex_destroy(&pool->lock);
	kfree(pool);
}

static void jitseal_kpool_put(struct jitseal_kpool *pool)
{
	kref_put(&pool->kref, jitseal_kpool_release);
}

/*
 * Pool pages are mapped as special PTEs (VM_MIXEDMAP): no user mapping holds
 * a reference to them, and get_user_pages() and its fast variant refuse
 * them, so nothing (vmsplice, O_DIRECT, io_uring buffers) can pin a page
 * beyond RETIRE.  The page is found and mapped under fault_lock, which
 * RETIRE takes for writing to erase it: a page it erased is never mapped
 * again, and it frees the page only after zapping every PTE.
 */
static vm_fault_t jitseal_vm_fault(struct vm_fault *vmf)
{
	struct jitseal_kpool *pool = vmf->vma->vm_private_data;
	vm_fault_t ret = VM_FAULT_SIGBUS;	/* never loaded, or retired */
	struct page *page;

	down_read(&pool->fault_lock);
	page = xa_load(&pool->pages, vmf->pgoff);
	if (page)
		ret = vmf_insert_mixed(vmf->vma, vmf->address,
				       page_to_pfn_t(page));
	up_read(&pool->fault_lock);
	return ret;
}

/*
 * Reads through /proc/PID/mem and ptrace (debuggers), which cannot get at
 * special PTEs the usual way.  Never a write: the mapping has no
 * VM_MAYWRITE, and this is the one other path into it.
 */
static int jitseal_vm_access(struct vm_area_struct *vma, unsigned long addr,
			     void *buf, int len, int write)
{
	struct jitseal_kpool *pool = vma->vm_private_data;
	unsigned long pgoff = vma->vm_pgoff +
			      ((addr - vma->vm_start) >> PAGE_SHIFT);
	unsigned int off = offset_in_page(addr);
	struct page *page;

	if (write)
		return -EACCES;
	len = min_t(int, len, PAGE_SIZE - off);
	down_read(&pool->fault_lock);
	page = xa_load(&pool->pages, pgoff);
	if (page)
		memcpy_from_page(buf, page, off, len);
	up_read(&pool->fault_lock);
	return page ? len : -EIO;
}

/* VMAs come with mmap, fork, split and mremap, and go with close. */
static void jitseal_vm_count(struct vm_area_struct *vma, int delta)
{
	struct jitseal_kpool *pool = vma->vm_private_data;

	if (vma->vm_mm != pool->mm)
		atomic_add(delta, &pool->foreign_vmas);
}

static void jitseal_vm_open(struct vm_area_struct *vma)
{
	jitseal_vm_count(vma, 1);
}

static void jitseal_vm_close(struct vm_area_struct *vma)
{
	jitseal_vm_count(vma, -1);
}

static const struct vm_operations_struct jitseal_vm_ops = {
	.open = jitseal_vm_open,
	.close = jitseal_vm_close,
	.fault = jitseal_vm_fault,
	.access = jitseal_vm_access,
};

static int jitseal_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct jitseal_handle *h = file->private_data;
	struct jitseal_kpool *pool = jitseal_handle_pool(h);
	unsigned long pgoff = vma->vm_pgoff, npages = vma_pages(vma);
	int ret;

	ret = -ENXIO;
	if (!pool)
		goto reject;
	/* MAP_PRIVATE would allow copy-on-write copies the JIT can write. */
	ret = -EINVAL;
	if (!(vma->vm_flags & VM_MAYSHARE))
		goto reject;
	if (pgoff >= pool->nr_pages || npages > pool->nr_pages - pgoff)
		goto reject;
	ret = -EACCES;
	if (vma->vm_flags & VM_WRITE)
		goto reject;
	/* The read-only data area is never executable. */
	if (pgoff + npages > (pool->code_bytes >> PAGE_SHIFT)) {
		if (vma->vm_flags & VM_EXEC)
			goto reject;
		jitseal_vm_flags_clear(vma, VM_MAYEXEC);
	}

	/*
	 * Without VM_MAYWRITE neither mprotect() nor FOLL_FORCE (ptrace,
	 * /proc/pid/mem) can make the mapping writable; VM_DONTEXPAND keeps
	 * mremap() from growing it; VM_MIXEDMAP: see jitseal_vm_fault().
	 */
	jitseal_vm_flags_clear(vma, VM_MAYWRITE);
	jitseal_vm_flags_set(vma, VM_DONTEXPAND | VM_MIXEDMAP);
	vma->vm_ops = &jitseal_vm_ops;
	vma->vm_private_data = pool;
	jitseal_vm_count(vma, 1);
	return 0;

reject:
	jitseal_stat_reject(ret);
	return ret;
}

static struct jitseal_handle *jitseal_handle_new(struct inode *inode,
						 bool map_only)
{
	struct jitseal_handle *h;

	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return NULL;
	ihold(inode);
	h->inode = inode;
	h->map_only = map_only;
	return h;
}

/* allowed_gid, checked by open() and by MAP_FD, which opens a file too. */
static bool jitseal_may_open(void)
{
	kgid_t gid = READ_ONCE(jitseal_policy.allowed_gid);

	return !gid_valid(gid) || in_group_p(gid) || capable(CAP_SYS_ADMIN);
}

static int jitseal_open(struct inode *inode, struct file *file)
{
	struct jitseal_handle *h;
	struct inode *pinode;

	if (!jitseal_may_open()) {
		jitseal_stat_reject(-EPERM);
		return -EPERM;
	}

	pinode = jitseal_fs_inode();
	if (IS_ERR(pinode))
		return PTR_ERR(pinode);
	h = jitseal_handle_new(pinode, !(file->f_mode & FMODE_WRITE));
	iput(pinode);
	if (!h)
		return -ENOMEM;
	/* Before the file can be mapped: see fs.c. */
	file->f_mapping = h->inode->i_mapping;
	file->private_data = h;
	return 0;
}

static int jitseal_release(struct inode *inode, struct file *file)
{
	struct jitseal_handle *h = file->private_data;

	if (h->pool)
		jitseal_kpool_put(h->pool);
	iput(h->inode);
	kfree(h);
	return 0;
}

static long jitseal_ioctl_version(void __user *uarg)
{
	struct jitseal_version v;
	int ret;

	ret = jitseal_copy_arg(&v, sizeof(v), JITSEAL_VERSION_SIZE_VER0, uarg);
	if (ret)
		return ret;

	v.api_version = JITSEAL_API_VERSION;
	v.features = JITSEAL_FEAT_ALL;
	v.max_segments = JITSEAL_MAX_SEGMENTS;
	v.page_size = PAGE_SIZE;
	v.max_load_bytes = JITSEAL_MAX_LOAD_BYTES;
	v.max_pool_bytes = READ_ONCE(jitseal_policy.max_pool_bytes);

	if (copy_to_user(uarg, &v, min_t(size_t, v.size, sizeof(v))))
		return -EFAULT;
	return 0;
}

static long jitseal_ioctl_setup(struct jitseal_handle *h, void __user *uarg)
{
	struct jitseal_kpool *pool;
	struct jitseal_setup s;
	u64 total;
	int ret;

	if (h->map_only)
		return -EPERM;
	ret = jitseal_copy_arg(&s, sizeof(s), JITSEAL_SETUP_SIZE_VER0, uarg);
	if (ret)
		return ret;
	if (jitseal_handle_pool(h))
		return -EBUSY;
	if ((s.flags & ~JITSEAL_SETUP_FLAGS) || !s.code_bytes ||
	    !PAGE_ALIGNED(s.code_bytes) ||
	    !PAGE_ALIGNED(s.rodata_bytes))
		return -EINVAL;
	if (check_add_overflow(s.code_bytes, s.rodata_bytes, &total) ||
	    total > READ_ONCE(jitseal_policy.max_pool_bytes))
		return -ENOSPC;

	pool = jitseal_kpool_create(&s, h->inode);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	/* Two racing SETUPs on one file: the first one wins. */
	if (cmpxchg_release(&h->pool, NULL, pool)) {
		jitseal_kpool_put(pool);
		return -EBUSY;
	}
	return 0;
}

static long jitseal_ioctl_info(struct jitseal_handle *h, void __user *uarg)
{
	struct jitseal_kpool *pool = jitseal_handle_pool(h);
	struct jitseal_pool_info info;
	u32 usize;
	int ret;

	ret = jitseal_copy_arg(&info, sizeof(info), JITSEAL_POOL_INFO_SIZE_VER0,
			       uarg);
	if (ret)
		return ret;

	usize = info.size;
	memset(&info, 0, sizeof(info));
	info.size = usize;
	if (h->map_only)
		info.flags |= JITSEAL_INFO_MAP_ONLY;
	if (pool) {
		info.flags |= JITSEAL_INFO_READY;
		if (pool->no_retire)
			info.flags |= JITSEAL_INFO_NO_RETIRE;
		info.pool_id = pool->id;
		info.code_bytes = pool->code_bytes;
		info.rodata_bytes = pool->rodata_bytes;
		/*
		 * Without pool->lock: a LOAD may hold it for long (it reads
		 * user memory), and a map-only holder must not wait on it.
		 */
		info.sealed_bytes = READ_ONCE(pool->sealed_bytes);
		info.pages = READ_ONCE(pool->nr_alloc_pages);
		info.loads = READ_ONCE(pool->loads);
		info.retired_pages = READ_ONCE(pool->retired_pages);
		info.retires = READ_ONCE(pool->retires);
		info.slots = READ_ONCE(pool->nr_slots);
		info.entries = READ_ONCE(pool->nr_entries);
		info.slot_updates = READ_ONCE(pool->slot_updates);
		info.slot_refusals = READ_ONCE(pool->slot_refusals);
	}

	if (copy_to_user(uarg, &info, min_t(size_t, usize, sizeof(info))))
		return -EFAULT;
	return 0;
}

static long jitseal_ioctl_map_fd(struct jitseal_handle *h, void __user *uarg)
{
	struct jitseal_kpool *pool = jitseal_handle_pool(h);
	struct jitseal_handle *nh;
	struct jitseal_map_fd m;
	struct file *nfile;
	int fd, ret;

	ret = jitseal_copy_arg(&m, sizeof(m), JITSEAL_MAP_FD_SIZE_VER0, uarg);
	if (ret)
		return ret;
	if (m.flags & ~JITSEAL_MAP_FD_CLOEXEC)
		return -EINVAL;
	if (!pool)
		return -ENXIO;
	if (!jitseal_may_open())
		return -EPERM;

	nh = jitseal_handle_new(pool->inode, true);
	if (!nh)
		return -ENOMEM;
	fd = get_unused_fd_flags(m.flags & JITSEAL_MAP_FD_CLOEXEC ?
				 O_CLOEXEC : 0);
	if (fd < 0) {
		ret = fd;
		goto err_handle;
	}
	/*
	 * A file on the pool's inode, on the module's own mount rather than
	 * the device node: its mappings are executable even where /dev is
	 * mounted noexec (fs.c).  Its f_mapping is the pool's, so RETIRE
	 * reaches the mappings made through it.  fput() puts the module.
	 */
	__module_get(THIS_MODULE);
	nfile = jitseal_fs_file(pool->inode, &jitseal_fops, O_RDONLY);
	if (IS_ERR(nfile)) {
		ret = PTR_ERR(nfile);
		module_put(THIS_MODULE);
		goto err_fd;
	}
	kref_get(&pool->kref);
	nh->pool = pool;
	nfile->private_data = nh;
	/* fd_install() publishes the file and with it the handle. */
	fd_install(fd, nfile);
	return fd;

err_fd:
	put_unused_fd(fd);
err_handle:
	iput(nh->inode);
	kfree(nh);
	return ret;
}

static long jitseal_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct jitseal_handle *h = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	switch (cmd) {
	case JITSEAL_IOC_VERSION:
		ret = jitseal_ioctl_version(uarg);
		break;
	case JITSEAL_IOC_SETUP:
		ret = jitseal_ioctl_setup(h, uarg);
		break;
	case JITSEAL_IOC_LOAD:
		ret = jitseal_ioctl_load(h, uarg);
		break;
	case JITSEAL_IOC_RETIRE:
		ret = jitseal_ioctl_retire(h, uarg);
		break;
	case JITSEAL_IOC_SET_SLOTS:
		ret = jitseal_ioctl_set_slots(h, uarg);
		break;
	case JITSEAL_IOC_INFO:
		ret = jitseal_ioctl_info(h, uarg);
		break;
	case JITSEAL_IOC_MAP_FD:
		ret = jitseal_ioctl_map_fd(h, uarg);
		break;
	default:
		return -ENOTTY;
	}

	if (ret < 0)
		jitseal_stat_reject(ret);
	return ret;
}

const struct file_operations jitseal_fops = {
	.owner		= THIS_MODULE,
	.open		= jitseal_open,
	.release	= jitseal_release,
	.unlocked_ioctl	= jitseal_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= jitseal_mmap,
	.llseek		= noop_llseek,
};
