// SPDX-License-Identifier: GPL-2.0
/*
 * JITSEAL_HAVE_VM_FLAGS_SET: v6.3 ("mm: introduce vma->vm_flags wrapper
 * functions") made vma->vm_flags read-only; it is changed through
 * vm_flags_set() and vm_flags_clear().
 */
#include <linux/mm.h>

void jitseal_probe(struct vm_area_struct *vma);
void jitseal_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND);
	vm_flags_clear(vma, VM_MAYWRITE);
}
