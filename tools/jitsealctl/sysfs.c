// SPDX-License-Identifier: GPL-2.0
/* jitsealctl: the module's policy knobs and statistics in sysfs. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jitsealctl.h"

/* Writable knobs, in the order status shows them. */
const char *const policy_keys[] = {
	"max_pool_bytes", "max_user_bytes", "max_user_pools",
	"allowed_gid", "audit", "retire", "locked", NULL,
};

bool module_loaded(void)
{
	return access(JITSEAL_SYSFS, F_OK) == 0;
}

bool policy_key_known(const char *key)
{
	for (int i = 0; policy_keys[i]; i++)
		if (!strcmp(policy_keys[i], key))
			return true;
	return false;
}

int policy_read(const char *key, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), JITSEAL_SYSFS "/%s", key);
	return read_text(path, buf, len);
}

int policy_write(const char *key, const char *value)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), JITSEAL_SYSFS "/%s", key);
	return write_text(path, value);
}

bool policy_locked(void)
{
	char value[16];

	return !policy_read("locked", value, sizeof(value)) &&
	       strcmp(value, "0") != 0;
}

/* The misc device's dynamic number, as "MAJOR:MINOR". */
int jitseal_devnum(unsigned int *major, unsigned int *minor)
{
	char buf[32];
	int err;

	err = read_text(JITSEAL_MISC_DEV, buf, sizeof(buf));
	if (err)
		return err;
	if (sscanf(buf, "%u:%u", major, minor) != 2)
		return -EINVAL;
	return 0;
}

static int stats_in(const char *dir, const char *prefix, stat_fn fn)
{
	char path[PATH_MAX], name[NAME_MAX + 16], value[128];
	struct dirent **ents;
	int n;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;

		if (e[0] == '.' || (!*prefix && policy_key_known(e)))
			goto next;
		snprintf(path, sizeof(path), "%s/%s", dir, e);
		snprintf(name, sizeof(name), "%s%s", prefix, e);
		if (ents[i]->d_type == DT_DIR) {
			char sub[NAME_MAX + 2];

			snprintf(sub, sizeof(sub), "%s.", e);
			stats_in(path, sub, fn);
		} else if (!read_text(path, value, sizeof(value))) {
			fn(name, value);
		}
next:
		free(ents[i]);
	}
	free(ents);
	return 0;
}

/* Everything in /sys/kernel/jitseal that is not a knob; rejects/x as rejects.x. */
int for_each_stat(stat_fn fn)
{
	return stats_in(JITSEAL_SYSFS, "", fn);
}
