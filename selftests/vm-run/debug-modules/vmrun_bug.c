// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for the debug kernel of make check-debug: loading it
 * with bug=NAME makes the kernel's own detector report a real bug, so that
 * selftests/vm-run/run_debug can prove tools/vm-run fails such a run.
 *   lockdep  takes two mutexes in both orders (no deadlock, one thread)
 *   kasan    reads one byte past a 16-byte kmalloc object
 *   ubsan    indexes past the end of an array
 *   leak     forgets a kmalloc object (kmemleak, after a scan)
 *   none     does nothing: the run must pass
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *bug = "none";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "lockdep, kasan, ubsan, leak or none");

static int index = 4;
module_param(index, int, 0444);

static DEFINE_MUTEX(vmrun_a);
static DEFINE_MUTEX(vmrun_b);
static int vmrun_array[4];

static void vmrun_lockdep(void)
{
	mutex_lock(&vmrun_a);
	mutex_lock(&vmrun_b);
	mutex_unlock(&vmrun_b);
	mutex_unlock(&vmrun_a);

	mutex_lock(&vmrun_b);
	mutex_lock(&vmrun_a);
	mutex_unlock(&vmrun_a);
	mutex_unlock(&vmrun_b);
}

static void vmrun_kasan(void)
{
	char *p = kmalloc(16, GFP_KERNEL);

	if (!p)
		return;
	/* index is 4 unless told otherwise: p[16] is past the object. */
	pr_info("vmrun_bug: read %d\n", READ_ONCE(p[index * 4]));
	kfree(p);
}

static void vmrun_ubsan(void)
{
	/*
	 * A plain read: through READ_ONCE() the index would be the address
	 * of an element, for which one past the end is still in bounds.
	 */
	pr_info("vmrun_bug: read %d\n", vmrun_array[index]);
}

static void vmrun_leak(void)
{
	int i, n = 0;

	/*
	 * Sixteen objects: kmemleak scans conservatively, and a stale copy of
	 * a pointer (a stack slot, a register spill) keeps one object looking
	 * referenced; it cannot keep them all.  Printing a pointer would keep
	 * no reference either.
	 */
	for (i = 0; i < 16; i++)
		n += !!kmalloc(64, GFP_KERNEL);
	pr_info("vmrun_bug: leaking %d objects\n", n);
}

static int __init vmrun_bug_init(void)
{
	if (!strcmp(bug, "lockdep"))
		vmrun_lockdep();
	else if (!strcmp(bug, "kasan"))
		vmrun_kasan();
	else if (!strcmp(bug, "ubsan"))
		vmrun_ubsan();
	else if (!strcmp(bug, "leak"))
		vmrun_leak();
	else if (strcmp(bug, "none"))
		return -EINVAL;
	return 0;
}

static void __exit vmrun_bug_exit(void)
{
}

module_init(vmrun_bug_init);
module_exit(vmrun_bug_exit);
MODULE_DESCRIPTION("Real bugs for the debug kernel's detectors, to test tools/vm-run");
MODULE_LICENSE("GPL");
