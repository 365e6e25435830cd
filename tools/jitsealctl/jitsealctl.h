/* SPDX-License-Identifier: GPL-2.0 */
/* jitsealctl: what the command files share. */
#ifndef JITSEALCTL_H
#define JITSEALCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "wxorx.h"

#define JITSEAL_SYSFS		"/sys/kernel/jitseal"
#define JITSEAL_MISC_DEV	"/sys/class/misc/jitseal/dev"

/* Commands: argv[0] is the command's own name.  Return the exit status. */
int cmd_status(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_enforce(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_events(int argc, char **argv);

/* util.c */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int read_text(const char *path, char *buf, size_t len);
int write_text(const char *path, const char *text);
int parse_u64(const char *s, __u64 *out);
int require_root(const char *what);

/* sysfs.c: the module's policy knobs and statistics. */
extern const char *const policy_keys[];
bool module_loaded(void);
bool policy_key_known(const char *key);
int policy_read(const char *key, char *buf, size_t len);
int policy_write(const char *key, const char *value);
int jitseal_devnum(unsigned int *major, unsigned int *minor);
typedef void (*stat_fn)(const char *name, const char *value);
int for_each_stat(stat_fn fn);

/* rules.c */
const char *rule_name(__u32 rule);
const char *counter_name(__u32 idx);
const char *op_name(__u32 op);

/* enforce.c: the pinned state, for status and events. */
int pinned_config(struct wx_config *cfg);
int pinned_counters(__u64 counts[WX_NR_COUNTERS]);
int pinned_track_failed(void);

#endif /* JITSEALCTL_H */
