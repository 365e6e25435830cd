// SPDX-License-Identifier: GPL-2.0
/*
 * A module named jitseal that declares an API version no jitsealctl
 * speaks: `jitsealctl load` must refuse it before inserting it
 * (selftests/admin).  It does nothing else.
 */
#include <linux/init.h>
#include <linux/module.h>

static int __init fake_jitseal_init(void)
{
	return 0;
}

static void __exit fake_jitseal_exit(void)
{
}

module_init(fake_jitseal_init);
module_exit(fake_jitseal_exit);

MODULE_DESCRIPTION("jitseal selftest: a module with a foreign API version");
MODULE_LICENSE("GPL");
MODULE_VERSION("99.0.0");
MODULE_INFO(api_version, "999");
