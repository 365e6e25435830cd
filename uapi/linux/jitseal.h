/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * jitseal: sealed code pools for JIT compilers.
 *
 * Each open of /dev/jitseal is one pool.  The pool is sized once with
 * JITSEAL_IOC_SETUP, mapped with mmap(MAP_SHARED, PROT_READ | PROT_EXEC)
 * (the read-only data area with PROT_READ), and filled with
 * JITSEAL_IOC_LOAD.  The kernel is the only writer of pool memory and it
 * only appends: a byte, once loaded ("sealed"), never changes while the
 * pool lives.  The one exception: JITSEAL_IOC_RETIRE takes whole pages
 * away (unmapped from every process, freed); their range then reads as
 * never loaded and may be loaded again, into fresh pages.  A pool set up
 * with JITSEAL_SETUP_NO_RETIRE never loses a page.
 * See Documentation/userspace-api/jitseal.rst.
 *
 * Every argument struct starts with a __u32 size that the caller sets to
 * sizeof() of the struct it was compiled with.  The kernel accepts smaller
 * (older) structs down to the *_SIZE_VER0 size, and larger (newer) ones as
 * long as every byte it does not know is zero (E2BIG otherwise).  Query
 * ioctls write back min(size, kernel size) bytes.  Reserved fields and
 * unknown flag bits must be zero (EINVAL).  ioctl numbers encode the VER0
 * size and never change when a struct grows.
 */
#ifndef _UAPI_LINUX_JITSEAL_H
#define _UAPI_LINUX_JITSEAL_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define JITSEAL_DEVICE		"/dev/jitseal"
#define JITSEAL_API_VERSION	1

/* Free in Documentation/userspace-api/ioctl/ioctl-number.rst (v6.1). */
#define JITSEAL_IOC_MAGIC	0xB9

/* Features reported by JITSEAL_IOC_VERSION. */
#define JITSEAL_FEAT_LOAD	_BITULL(0)	/* JITSEAL_IOC_LOAD, append-only */
#define JITSEAL_FEAT_DIGEST	_BITULL(1)	/* JITSEAL_LOAD_DIGEST */
#define JITSEAL_FEAT_RODATA	_BITULL(2)	/* read-only data area */
#define JITSEAL_FEAT_MAP_FD	_BITULL(3)	/* JITSEAL_IOC_MAP_FD */
#define JITSEAL_FEAT_SYNC_CORE	_BITULL(4)	/* JITSEAL_LOAD_SYNC_CORE */
#define JITSEAL_FEAT_RETIRE	_BITULL(5)	/* JITSEAL_IOC_RETIRE */
/* MAP_FD files live on the module's own mount: exec where /dev is noexec */
#define JITSEAL_FEAT_EXEC_MOUNT	_BITULL(6)
/* LOAD declares entry points and slots; JITSEAL_IOC_SET_SLOTS */
#define JITSEAL_FEAT_SLOTS	_BITULL(7)
#define JITSEAL_FEAT_ALL	(JITSEAL_FEAT_LOAD | JITSEAL_FEAT_DIGEST | \
				 JITSEAL_FEAT_RODATA | JITSEAL_FEAT_MAP_FD | \
				 JITSEAL_FEAT_SYNC_CORE | JITSEAL_FEAT_RETIRE | \
				 JITSEAL_FEAT_EXEC_MOUNT | JITSEAL_FEAT_SLOTS)

/*
 * The file-system magic (statfs f_type) of the module's internal mount,
 * where MAP_FD files live: a W^X policy tells them by it.
 */
#define JITSEAL_FS_MAGIC	0x6a736561	/* "jsea" */

/**
 * struct jitseal_version - what this module offers (JITSEAL_IOC_VERSION)
 * @size:		in: sizeof(struct jitseal_version)
 * @api_version:	out: JITSEAL_API_VERSION of the module
 * @features:		out: JITSEAL_FEAT_* bits
 * @max_segments:	out: most segments one LOAD takes
 * @page_size:		out: granule of pool sizes and page sharing
 * @max_load_bytes:	out: most bytes one LOAD takes, all segments together
 * @max_pool_bytes:	out: current policy limit on code + rodata of a pool
 */
struct jitseal_version {
	__u32 size;
	__u32 api_version;
	__aligned_u64 features;
	__u32 max_segments;
	__u32 page_size;
	__aligned_u64 max_load_bytes;
	__aligned_u64 max_pool_bytes;
};

#define JITSEAL_VERSION_SIZE_VER0	40

/* JITSEAL_IOC_SETUP flags */
#define JITSEAL_SETUP_NO_RETIRE	_BITUL(0)	/* RETIRE refused: EPERM */
#define JITSEAL_SETUP_FLAGS	(JITSEAL_SETUP_NO_RETIRE)

/**
 * struct jitseal_setup - size a new pool (JITSEAL_IOC_SETUP), once per pool
 * @size:		sizeof(struct jitseal_setup)
 * @flags:		JITSEAL_SETUP_* bits
 * @code_bytes:		size of the code area at mmap offset 0; a multiple of
 *			the page size
 * @rodata_bytes:	size of the read-only data area that follows it at
 *			mmap offset @code_bytes; a multiple of the page size,
 *			may be 0.  It can never be mapped executable.
 */
struct jitseal_setup {
	__u32 size;
	__u32 flags;
	__aligned_u64 code_bytes;
	__aligned_u64 rodata_bytes;
};

#define JITSEAL_SETUP_SIZE_VER0		24

/* What a segment is meant for; it must lie in the matching area. */
#define JITSEAL_PROT_RX		1	/* code */
#define JITSEAL_PROT_R		2	/* read-only data */

/**
 * struct jitseal_segment - one run of staged bytes to seal
 * @src:	user pointer to the staged bytes, read exactly once
 * @offset:	byte offset in the pool (mmap offset) where they go
 * @len:	number of bytes, at least 1
 * @prot:	JITSEAL_PROT_RX or JITSEAL_PROT_R
 * @flags:	none defined yet, must be 0
 */
struct jitseal_segment {
	__aligned_u64 src;
	__aligned_u64 offset;
	__aligned_u64 len;
	__u32 prot;
	__u32 flags;
};

#define JITSEAL_SEGMENT_SIZE_VER0	32

#define JITSEAL_DIGEST_SIZE	32	/* SHA-256 */

/* JITSEAL_IOC_LOAD flags */
#define JITSEAL_LOAD_DIGEST	_BITUL(0)	/* fill @digests */
#define JITSEAL_LOAD_SYNC_CORE	_BITUL(1)	/* serialise every CPU first */
#define JITSEAL_LOAD_FLAGS	(JITSEAL_LOAD_DIGEST | JITSEAL_LOAD_SYNC_CORE)

/**
 * struct jitseal_entry - an entry point declared by a LOAD
 * @offset:	pool offset of a byte of the batch's code (a JITSEAL_PROT_RX
 *		segment of the same LOAD) where a slot's target may land
 * @flags:	none defined yet, must be 0
 * @reserved:	must be 0
 */
struct jitseal_entry {
	__aligned_u64 offset;
	__u32 flags;
	__u32 reserved;
};

#define JITSEAL_ENTRY_SIZE_VER0		16

/* struct jitseal_slot.flags */
/* The slot may also hold addresses in executable file mappings (a libc). */
#define JITSEAL_SLOT_EXTERNAL	_BITUL(0)
#define JITSEAL_SLOT_FLAGS	(JITSEAL_SLOT_EXTERNAL)

/**
 * struct jitseal_slot - a slot declared by a LOAD
 * @offset:	pool offset of the slot: 8-byte aligned, its 8 bytes inside
 *		a JITSEAL_PROT_R segment of the same LOAD, whose staged
 *		bytes there are the initial target (0: empty, or an address
 *		SET_SLOTS would accept, an entry point of the same LOAD
 *		included)
 * @flags:	JITSEAL_SLOT_* bits
 * @reserved:	must be 0
 *
 * A slot is an aligned 8-byte word of the pool's read-only data that code
 * reads to call through (jmp *slot(%rip); ldr x16, slot; br x16).  Only
 * JITSEAL_IOC_SET_SLOTS changes it afterwards, and only to an accepted
 * target.
 */
struct jitseal_slot {
	__aligned_u64 offset;
	__u32 flags;
	__u32 reserved;
};

#define JITSEAL_SLOT_SIZE_VER0		16

/**
 * struct jitseal_load - seal a batch of segments (JITSEAL_IOC_LOAD)
 * @size:		sizeof(struct jitseal_load)
 * @flags:		JITSEAL_LOAD_* bits
 * @segments:		user pointer to an array of segments
 * @nr_segments:	number of segments, 1 .. max_segments
 * @segment_size:	stride of @segments: sizeof(struct jitseal_segment)
 *			as the caller knows it (at least VER0)
 * @digests:		with JITSEAL_LOAD_DIGEST: user pointer to
 *			@nr_segments * JITSEAL_DIGEST_SIZE bytes that receive
 *			the SHA-256 of each installed segment, in order;
 *			must be 0 otherwise
 * @entries:		(VER1) user pointer to @nr_entries entry points
 * @nr_entries:		(VER1) 0 .. JITSEAL_MAX_DECLS
 * @entry_size:		(VER1) stride of @entries (at least VER0); 0 when
 *			@nr_entries is 0
 * @slots:		(VER1) user pointer to @nr_slots slots
 * @nr_slots:		(VER1) 0 .. JITSEAL_MAX_DECLS
 * @slot_size:		(VER1) stride of @slots (at least VER0); 0 when
 *			@nr_slots is 0
 *
 * All segments are installed or none is.  Segments may not overlap each
 * other (EINVAL) nor any sealed byte (EEXIST).  Declarations go with them:
 * a batch whose declaration is invalid (EINVAL: outside the batch, twice,
 * misaligned) or whose slot starts with a refused target (EADDRNOTAVAIL)
 * installs nothing.  EACCES if declarations are given while the policy
 * forbids slots (sysfs "slots").
 */
struct jitseal_load {
	__u32 size;
	__u32 flags;
	__aligned_u64 segments;
	__u32 nr_segments;
	__u32 segment_size;
	__aligned_u64 digests;
	__aligned_u64 entries;
	__u32 nr_entries;
	__u32 entry_size;
	__aligned_u64 slots;
	__u32 nr_slots;
	__u32 slot_size;
};

#define JITSEAL_LOAD_SIZE_VER0		32
#define JITSEAL_LOAD_SIZE_VER1		64

/* Most entry points, slots or slot updates one call takes. */
#define JITSEAL_MAX_DECLS		4096

/* struct jitseal_pool_info.flags */
#define JITSEAL_INFO_READY	_BITUL(0)	/* SETUP done */
#define JITSEAL_INFO_MAP_ONLY	_BITUL(1)	/* this fd cannot load */
#define JITSEAL_INFO_NO_RETIRE	_BITUL(2)	/* set up with SETUP_NO_RETIRE */

/**
 * struct jitseal_pool_info - state of the pool behind an fd (JITSEAL_IOC_INFO)
 * @size:		in: sizeof(struct jitseal_pool_info)
 * @flags:		out: JITSEAL_INFO_* bits
 * @pool_id:		out: id of the pool, as in the audit log
 * @code_bytes:		out: size of the code area
 * @rodata_bytes:	out: size of the read-only data area
 * @sealed_bytes:	out: bytes loaded so far
 * @pages:		out: pages allocated (pages holding sealed bytes)
 * @loads:		out: successful LOAD calls
 * @retired_pages:	out: pages taken away by RETIRE so far (VER1)
 * @retires:		out: successful RETIRE calls (VER1)
 * @slots:		out: declared slots (VER2)
 * @entries:		out: live declared entry points (VER2)
 * @slot_updates:	out: slots SET_SLOTS wrote so far (VER2)
 * @slot_refusals:	out: refused SET_SLOTS calls so far (VER2)
 *
 * @sealed_bytes and @pages count what the pool holds now: a RETIRE lowers
 * them.
 */
struct jitseal_pool_info {
	__u32 size;
	__u32 flags;
	__aligned_u64 pool_id;
	__aligned_u64 code_bytes;
	__aligned_u64 rodata_bytes;
	__aligned_u64 sealed_bytes;
	__aligned_u64 pages;
	__aligned_u64 loads;
	__aligned_u64 retired_pages;
	__aligned_u64 retires;
	__aligned_u64 slots;
	__aligned_u64 entries;
	__aligned_u64 slot_updates;
	__aligned_u64 slot_refusals;
};

#define JITSEAL_POOL_INFO_SIZE_VER0	56
#define JITSEAL_POOL_INFO_SIZE_VER1	72
#define JITSEAL_POOL_INFO_SIZE_VER2	104

/* JITSEAL_IOC_MAP_FD flags */
#define JITSEAL_MAP_FD_CLOEXEC	_BITUL(0)

/**
 * struct jitseal_map_fd - open a map-only fd on this pool (JITSEAL_IOC_MAP_FD)
 * @size:	sizeof(struct jitseal_map_fd)
 * @flags:	JITSEAL_MAP_FD_* bits
 *
 * Returns the new fd.  Its holder can mmap the pool and query it, but
 * SETUP and LOAD fail with EPERM.  Meant to be passed over a Unix socket
 * to a process that runs code another process compiles.
 */
struct jitseal_map_fd {
	__u32 size;
	__u32 flags;
};

#define JITSEAL_MAP_FD_SIZE_VER0	8

/**
 * struct jitseal_retire - take whole pages away (JITSEAL_IOC_RETIRE)
 * @size:	sizeof(struct jitseal_retire)
 * @flags:	none defined yet, must be 0
 * @offset:	start in the pool (mmap offset), a multiple of the page size
 * @len:	bytes, a non-zero multiple of the page size
 *
 * Every page of the range must hold sealed bytes (ENOENT otherwise).
 * EBUSY, changing nothing, if the range holds a declared slot or an entry
 * point that a slot holds now: no slot ever points into retired code
 * (retarget the slots first).  Entry points of the range go with it.
 * When the call returns, no user mapping of the range exists in any
 * process and no TLB holds one: access faults with SIGBUS as on a page
 * never loaded, the pages are freed and uncharged, and LOAD may fill the
 * range again, into fresh trap-filled pages.  EPERM on a map-only fd or a
 * pool set up with JITSEAL_SETUP_NO_RETIRE; EACCES if the policy forbids
 * retiring (sysfs "retire"); EINVAL for a bad range or flags.
 */
struct jitseal_retire {
	__u32 size;
	__u32 flags;
	__aligned_u64 offset;
	__aligned_u64 len;
};

#define JITSEAL_RETIRE_SIZE_VER0	24

/**
 * struct jitseal_slot_update - one slot and its new target
 * @slot:	pool offset of a slot declared by a LOAD
 * @target:	the new value: 0 (empty), or an address, as the calling
 *		process maps it, of a declared entry point of this pool
 *		(through an executable mapping of the pool), or, for a slot
 *		declared JITSEAL_SLOT_EXTERNAL, an address in an executable,
 *		file-backed mapping of the caller that is not writable and
 *		whose file nobody has open for writing
 * @flags:	none defined yet, must be 0
 * @reserved:	must be 0
 */
struct jitseal_slot_update {
	__aligned_u64 slot;
	__aligned_u64 target;
	__u32 flags;
	__u32 reserved;
};

#define JITSEAL_SLOT_UPDATE_SIZE_VER0	24

/**
 * struct jitseal_set_slots - retarget slots (JITSEAL_IOC_SET_SLOTS)
 * @size:		sizeof(struct jitseal_set_slots)
 * @flags:		none defined yet, must be 0
 * @updates:		user pointer to @nr_updates updates
 * @nr_updates:		1 .. JITSEAL_MAX_DECLS
 * @update_size:	stride of @updates (at least VER0)
 *
 * Every update is checked before any slot changes; then each slot is
 * written with one single-copy-atomic aligned 8-byte store, so a thread
 * calling through it sees its old or its new target, never a mix.  On an
 * error nothing changed: EPERM on a map-only fd, ENXIO before SETUP,
 * EACCES if the policy forbids slots, EINVAL for bad flags, sizes or a
 * slot named twice, ENOENT if a @slot is not a declared slot,
 * EADDRNOTAVAIL if a @target is refused (each refused call is audited).
 */
struct jitseal_set_slots {
	__u32 size;
	__u32 flags;
	__aligned_u64 updates;
	__u32 nr_updates;
	__u32 update_size;
};

#define JITSEAL_SET_SLOTS_SIZE_VER0	24

#define JITSEAL_IOC_VERSION \
	_IOC(_IOC_READ | _IOC_WRITE, JITSEAL_IOC_MAGIC, 0x00, \
	     JITSEAL_VERSION_SIZE_VER0)
#define JITSEAL_IOC_SETUP \
	_IOC(_IOC_WRITE, JITSEAL_IOC_MAGIC, 0x01, JITSEAL_SETUP_SIZE_VER0)
#define JITSEAL_IOC_LOAD \
	_IOC(_IOC_WRITE, JITSEAL_IOC_MAGIC, 0x02, JITSEAL_LOAD_SIZE_VER0)
#define JITSEAL_IOC_INFO \
	_IOC(_IOC_READ | _IOC_WRITE, JITSEAL_IOC_MAGIC, 0x03, \
	     JITSEAL_POOL_INFO_SIZE_VER0)
#define JITSEAL_IOC_MAP_FD \
	_IOC(_IOC_WRITE, JITSEAL_IOC_MAGIC, 0x04, JITSEAL_MAP_FD_SIZE_VER0)
#define JITSEAL_IOC_RETIRE \
	_IOC(_IOC_WRITE, JITSEAL_IOC_MAGIC, 0x05, JITSEAL_RETIRE_SIZE_VER0)
#define JITSEAL_IOC_SET_SLOTS \
	_IOC(_IOC_WRITE, JITSEAL_IOC_MAGIC, 0x06, JITSEAL_SET_SLOTS_SIZE_VER0)

#endif /* _UAPI_LINUX_JITSEAL_H */
