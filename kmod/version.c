// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: the module's version (the top-level VERSION file, passed in by
 * kmod/Kbuild) and the ioctl API it speaks, in modinfo, so that
 * `modinfo jitseal` and `jitsealctl load` can read them before loading.
 */
#include <linux/module.h>
#include <linux/stringify.h>

#include <linux/jitseal.h>

MODULE_VERSION(JITSEAL_MODULE_VERSION);
MODULE_INFO(api_version, __stringify(JITSEAL_API_VERSION));
