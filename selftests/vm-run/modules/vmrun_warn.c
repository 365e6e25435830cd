// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: its load puts a WARN splat in the kernel log, so that
 * selftests/vm-run can prove that tools/vm-run fails a run whose kernel log
 * is not clean.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init vmrun_warn_init(void)
{
	WARN_ON(1);
	return 0;
}

static void __exit vmrun_warn_exit(void)
{
}

module_init(vmrun_warn_init);
module_exit(vmrun_warn_exit);
MODULE_DESCRIPTION("Splat on load, to test tools/vm-run");
MODULE_LICENSE("GPL");
