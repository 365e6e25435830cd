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
int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_exempt(int argc, char **argv);
int cmd_unexempt(int argc, char **argv);
int cmd_exemptions(int argc, char **argv);

/* module.c: the module through libkmod. */
int loaded_api_version(void);
void module_status(void);

/* util.c */
extern bool quiet;
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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
bool policy_locked(void);
int jitseal_devnum(unsigned int *major, unsigned int *minor);
typedef void (*stat_fn)(const char *name, const char *value);
int for_each_stat(stat_fn fn);

/* rules.c */
const char *rule_name(__u32 rule);
const char *counter_name(__u32 idx);
const char *op_name(__u32 op);

/* config.c: /etc/jitseal/jitseal.conf, jitseal.conf(5). */
#define JITSEAL_CONF		"/etc/jitseal/jitseal.conf"
/* Drop-ins of exempt lines, read after JITSEAL_CONF; exempt writes here. */
#define JITSEAL_CONF_DIR	"/etc/jitseal/jitseal.conf.d"
#define JITSEAL_EXEMPT_CONF	JITSEAL_CONF_DIR "/exempt.conf"
#define CONF_DROPINS_MAX	64

enum conf_knob {
	CONF_MAX_POOL_BYTES,
	CONF_MAX_USER_BYTES,
	CONF_MAX_USER_POOLS,
	CONF_ALLOWED_GID,
	CONF_AUDIT,
	CONF_RETIRE,
	CONF_NR_KNOBS,
};

#define CONF_SCOPE_OFF		(-1)

struct conf_exempt {
	char path[4096];
	__u32 mode;		/* enum wx_exempt_mode */
	int has_id;		/* 3: ino and ctime recorded by exempt */
	__u64 ino;
	__s64 ctime_sec;
	__u32 ctime_nsec;
	const char *file;	/* where it is: the file or a drop-in */
	int line;
};

struct conf {
	const char *file;
	const char *cur;		/* the file being read */
	bool dropin;
	char *dropins[CONF_DROPINS_MAX];
	int ndropins;
	int errors;
	char knob[CONF_NR_KNOBS][32];	/* normalised as sysfs prints it */
	char knob_text[CONF_NR_KNOBS][32];	/* as status prints it */
	int knob_line[CONF_NR_KNOBS];	/* 0: not set */
	int lock, lock_line;
	int scope, scope_line;		/* enum wx_scope or CONF_SCOPE_OFF */
	int mode, mode_line;		/* enum wx_mode */
	char cgroup[4096];
	struct conf_exempt *exempt;
	int nexempt;
};

extern const char *const conf_knob_keys[CONF_NR_KNOBS];
int conf_read(const char *file, struct conf *c, bool must_exist);
int parse_yes_no(const char *s);
int conf_knob_index(const char *key);
const char *conf_knob_parse(int k, const char *v, char *out, size_t len);
void conf_knob_words(int k, const char *sysfs, char *out, size_t len);
void conf_free(struct conf *c);
int conf_set_exempt(const char *file, const char *path,
		    const struct conf_exempt *add);

/* exempt.c: per-executable exemptions in the pinned "exempt" map. */
int exempt_identify(const char *path, struct conf_exempt *x, __u32 *dev);
int exempt_identify_quiet(const char *path, struct conf_exempt *x, __u32 *dev);
void exempt_key(const struct conf_exempt *x, __u32 dev, struct wx_exe_key *k);
bool exempt_changed(const struct conf_exempt *x, const struct conf_exempt *now);
int exempt_sync(const struct conf *c);
int require_sys_admin(const char *what);

/* enforce.c */
struct enforce_opts {
	int scope;		/* enum wx_scope */
	int mode;		/* enum wx_mode */
	const char *cgroup;
	__u64 pid;
};

int enforce_start(const struct enforce_opts *o);
int release_enforcement(void);
int enforce_possible(void);
bool scope_cgroup_gone(const struct wx_config *cfg);

/* enforce.c: the pinned state, for status and events. */
int pinned_fd(const char *name);
int pinned_config(struct wx_config *cfg);
int pinned_counters(__u64 counts[WX_NR_COUNTERS]);
int pinned_track_failed(void);
int pinned_value(const char *name, void *out, size_t len);

/* lock.c: the enforcement lock. */
bool enforcement_locked(void);
int refuse_locked(const char *what);
int lock_enforcement(bool *did);
int pinned_lock(struct wx_lock_config *lk);
__u32 lock_exempt_mode(const struct wx_lock_config *lk,
		       const struct wx_exe_key *k);

#endif /* JITSEALCTL_H */
