/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shims for the range of kernels jitseal builds against.  Each
 * JITSEAL_HAVE_* comes from compat-probes.h, which kmod/Kbuild generates
 * at build time by compiling each kmod/probes/NAME.c against the
 * kernel's headers.
 */
#ifndef _JITSEAL_COMPAT_H
#define _JITSEAL_COMPAT_H

#include <linux/mm.h>

#include "compat-probes.h"

#ifdef JITSEAL_HAVE_VM_FLAGS_SET
/* v6.3 made vm_flags read-only behind accessors. */
static inline void jitseal_vm_flags_set(struct vm_area_struct *vma,
					vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}

static inline void jitseal_vm_flags_clear(struct vm_area_struct *vma,
					  vm_flags_t flags)
{
	vm_flags_clear(vma, flags);
}
#else
static inline void jitseal_vm_flags_set(struct vm_area_struct *vma,
					vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void jitseal_vm_flags_clear(struct vm_area_struct *vma,
					  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#endif /* _JITSEAL_COMPAT_H */
