// SPDX-License-Identifier: GPL-2.0
/*
 * The enforcement lock: once the module's policy is locked, the W^X
 * enforcement in force stays as it is until reboot, for root too.
 *
 * Enforcement lives in bpffs pins (WX_PIN_DIR): its links end when the
 * last pin goes, and its maps hold the exemptions and the confined
 * processes.  These hooks refuse what would undo it: unlinking or renaming
 * a pin, moving the pin directory, unmounting that bpffs, and new file
 * descriptors for the maps that decide (any fd: a BPF program can write a
 * map through a read-only one).  The statistics and the configuration stay
 * readable.  The lock guards its own pins the same way.
 *
 * What it does not cover (kernel modules, kprobes that override returns,
 * /dev/mem) is in Documentation/admin-guide/jitseal-enforcement.rst.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "wxorx.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM		1
#define FMODE_WRITE	0x2

const volatile struct wx_lock_config lk = {};

static __always_inline bool is_pin_dir(struct inode *inode)
{
	return inode && BPF_CORE_READ(inode, i_ino) == lk.pin_dir_ino &&
	       BPF_CORE_READ(inode, i_sb, s_dev) == lk.bpffs_dev;
}

SEC("lsm/inode_unlink")
int BPF_PROG(lock_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ? ret : is_pin_dir(dir) ? -EPERM : 0;
}

SEC("lsm/inode_rmdir")
int BPF_PROG(lock_rmdir, struct inode *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return is_pin_dir(BPF_CORE_READ(dentry, d_inode)) ? -EPERM : 0;
}

SEC("lsm/inode_rename")
int BPF_PROG(lock_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	if (is_pin_dir(old_dir) || is_pin_dir(new_dir) ||
	    is_pin_dir(BPF_CORE_READ(old_dentry, d_inode)))
		return -EPERM;
	return 0;
}

SEC("lsm/sb_umount")
int BPF_PROG(lock_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (ret)
		return ret;
	return BPF_CORE_READ(mnt, mnt_sb, s_dev) == lk.bpffs_dev ? -EPERM : 0;
}

SEC("lsm/bpf_map")
int BPF_PROG(lock_map, struct bpf_map *map, fmode_t fmode, int ret)
{
	__u32 id;

	if (ret)
		return ret;
	id = BPF_CORE_READ(map, id);
	for (int i = 0; i < WX_LOCK_MAPS; i++) {
		if (lk.sealed[i] && lk.sealed[i] == id)
			return -EPERM;
		if (lk.rdonly[i] && lk.rdonly[i] == id && (fmode & FMODE_WRITE))
			return -EPERM;
	}
	return 0;
}
