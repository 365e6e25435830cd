// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: the module's own pseudo file system, one inode per pool.
 *
 * Every open of /dev/jitseal gets an inode here, and the file maps through
 * that inode's address space instead of the device inode's, which all pools
 * would share: file->f_mapping is set at open, before anyone can mmap the
 * file (mmap links each VMA into f_mapping and must find the same one at
 * munmap).  SETUP hands the inode to the pool, and MAP_FD opens a new file
 * on it (alloc_file_pseudo(), the DRM pattern).  Every VMA of a pool, in
 * every process and forked child, is therefore in one i_mmap tree, and
 * unmap_mapping_range() on it reaches them all: that is what RETIRE relies
 * on.  The pool's pages are not in the page cache; i_pages stays empty.
 *
 * The mount is internal (kern_mount()) and deliberately not noexec: a
 * map-only file lives here rather than on /dev, so the pool can be mapped
 * executable where /dev is mounted noexec, as hardened hosts and container
 * runtimes do.  Nothing but this module creates files here.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/string.h>

#include "jitseal.h"

static struct vfsmount *jitseal_mnt;

/* How /proc/PID/maps names a mapping of a map-only file. */
static char *jitseal_fs_dname(struct dentry *dentry, char *buf, int len)
{
	static const char name[] = "jitseal:[pool]";

	if (len < (int)sizeof(name))
		return ERR_PTR(-ENAMETOOLONG);
	return memcpy(buf + len - sizeof(name), name, sizeof(name));
}

static const struct dentry_operations jitseal_fs_dops = {
	.d_dname	= jitseal_fs_dname,
};

static int jitseal_fs_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, JITSEAL_FS_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->dops = &jitseal_fs_dops;
	return 0;
}

static struct file_system_type jitseal_fs_type = {
	.name			= "jitseal",
	.init_fs_context	= jitseal_fs_init_fs_context,
	.kill_sb		= kill_anon_super,
};

int jitseal_fs_init(void)
{
	jitseal_mnt = kern_mount(&jitseal_fs_type);
	return PTR_ERR_OR_ZERO(jitseal_mnt);
}

void jitseal_fs_exit(void)
{
	kern_unmount(jitseal_mnt);
}

/* A new inode for a file of /dev/jitseal, or an ERR_PTR. */
struct inode *jitseal_fs_inode(void)
{
	return alloc_anon_inode(jitseal_mnt->mnt_sb);
}

/**
 * jitseal_fs_file - a read-only file on @inode, with @fops
 * @inode:	an inode of jitseal_fs_inode(); the file takes a reference
 * @fops:	its file operations (the caller holds their module)
 * @flags:	open flags (O_RDONLY, O_CLOEXEC)
 *
 * Return: the file, or an ERR_PTR.
 */
struct file *jitseal_fs_file(struct inode *inode,
			     const struct file_operations *fops, int flags)
{
	struct file *file;

	ihold(inode);
	file = alloc_file_pseudo(inode, jitseal_mnt, "pool", flags, fops);
	if (IS_ERR(file))
		iput(inode);
	return file;
}
