// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: the address space of a pool.
 *
 * Every file of /dev/jitseal maps through its own struct address_space
 * instead of the device inode's, which all pools would share: set at open
 * (file->f_mapping, before anyone can mmap the file, because mmap links
 * each VMA into f_mapping and must find the same one at munmap), taken
 * over by the pool at SETUP and handed to every map-only file of the pool.
 * Every VMA of a pool, in every process and forked child, is therefore in
 * one i_mmap tree, and unmap_mapping_range() on it reaches them all: that
 * is what RETIRE relies on.
 *
 * The pool's pages are not in the page cache; i_pages stays empty.  @host
 * is the device inode, for the few generic paths (readahead setup at open,
 * fadvise) that look at it.
 */
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/refcount.h>
#include <linux/slab.h>

#include "jitseal.h"

struct jitseal_space {
	refcount_t ref;
	struct address_space mapping;
};

struct jitseal_space *jitseal_space_new(struct inode *inode)
{
	struct jitseal_space *space;

	space = kmalloc(sizeof(*space), GFP_KERNEL_ACCOUNT);
	if (!space)
		return NULL;
	refcount_set(&space->ref, 1);
	address_space_init_once(&space->mapping);
	init_rwsem(&space->mapping.invalidate_lock);
	space->mapping.host = inode;
	space->mapping.a_ops = &empty_aops;
	return space;
}

struct jitseal_space *jitseal_space_get(struct jitseal_space *space)
{
	refcount_inc(&space->ref);
	return space;
}

void jitseal_space_put(struct jitseal_space *space)
{
	/* The last put is a file's release or the pool's: no VMA is left. */
	if (refcount_dec_and_test(&space->ref)) {
		WARN_ON_ONCE(mapping_mapped(&space->mapping));
		kfree(space);
	}
}

struct address_space *jitseal_space_mapping(struct jitseal_space *space)
{
	return &space->mapping;
}
