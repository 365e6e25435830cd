// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: sealed code pools for JIT compilers.
 *
 * /dev/jitseal lets a JIT have the kernel copy code it staged in ordinary
 * memory into pages that user space can map read+execute but never write.
 * See Documentation/userspace-api/jitseal.rst and
 * Documentation/admin-guide/jitseal.rst.
 */
#include <linux/build_bug.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/stddef.h>
#include <crypto/sha2.h>

#include "jitseal.h"

static struct miscdevice jitseal_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "jitseal",
	.fops	= &jitseal_fops,
	.mode	= 0660,
};

static void __init jitseal_check_abi(void)
{
	BUILD_BUG_ON(offsetofend(struct jitseal_version, max_pool_bytes) !=
		     JITSEAL_VERSION_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct jitseal_setup, rodata_bytes) !=
		     JITSEAL_SETUP_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct jitseal_segment, flags) !=
		     JITSEAL_SEGMENT_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct jitseal_load, digests) !=
		     JITSEAL_LOAD_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct jitseal_load, slot_size) !=
		     JITSEAL_LOAD_SIZE_VER1);
	BUILD_BUG_ON(offsetofend(struct jitseal_entry, reserved) !=
		     JITSEAL_ENTRY_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct jitseal_slot, reserved) !=
		     JITSEAL_SLOT_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct jitseal_slot_update, reserved) !=
		     JITSEAL_SLOT_UPDATE_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct jitseal_set_slots, update_size) !=
		     JITSEAL_SET_SLOTS_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct jitseal_pool_info, loads) !=
		     JITSEAL_POOL_INFO_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct jitseal_pool_info, retires) !=
		     JITSEAL_POOL_INFO_SIZE_VER1);
	BUILD_BUG_ON(offsetofend(struct jitseal_pool_info, slot_refusals) !=
		     JITSEAL_POOL_INFO_SIZE_VER2);
	BUILD_BUG_ON(offsetofend(struct jitseal_retire, len) !=
		     JITSEAL_RETIRE_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct jitseal_map_fd, flags) !=
		     JITSEAL_MAP_FD_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct jitseal_version) != JITSEAL_VERSION_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct jitseal_setup) != JITSEAL_SETUP_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct jitseal_segment) != JITSEAL_SEGMENT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct jitseal_load) != JITSEAL_LOAD_SIZE_VER1);
	BUILD_BUG_ON(sizeof(struct jitseal_pool_info) !=
		     JITSEAL_POOL_INFO_SIZE_VER2);
	BUILD_BUG_ON(sizeof(struct jitseal_entry) != JITSEAL_ENTRY_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct jitseal_slot) != JITSEAL_SLOT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct jitseal_slot_update) !=
		     JITSEAL_SLOT_UPDATE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct jitseal_set_slots) !=
		     JITSEAL_SET_SLOTS_SIZE_VER0);
	BUILD_BUG_ON(JITSEAL_MAX_DECLS > JITSEAL_MAX_SEGMENTS);
	BUILD_BUG_ON(sizeof(struct jitseal_retire) != JITSEAL_RETIRE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct jitseal_map_fd) != JITSEAL_MAP_FD_SIZE_VER0);
	BUILD_BUG_ON(JITSEAL_DIGEST_SIZE != SHA256_DIGEST_SIZE);
}

static int __init jitseal_init(void)
{
	int ret;

	jitseal_check_abi();

	ret = jitseal_fs_init();
	if (ret)
		return ret;
	ret = jitseal_policy_init();
	if (ret)
		goto err_fs;
	ret = misc_register(&jitseal_misc);
	if (ret)
		goto err_policy;
	return 0;

err_policy:
	jitseal_policy_exit();
err_fs:
	jitseal_fs_exit();
	return ret;
}

static void __exit jitseal_exit(void)
{
	misc_deregister(&jitseal_misc);
	jitseal_policy_exit();
	jitseal_fs_exit();
}

module_init(jitseal_init);
module_exit(jitseal_exit);

MODULE_DESCRIPTION("Sealed, append-only code pools for JIT compilers");
MODULE_LICENSE("GPL");
