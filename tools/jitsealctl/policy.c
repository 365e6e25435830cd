// SPDX-License-Identifier: GPL-2.0
/* jitsealctl policy get [KEY] | set KEY VALUE | lock */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jitsealctl.h"

static int known_key(const char *key)
{
	char list[256] = "";

	if (policy_key_known(key))
		return 0;
	for (int i = 0; policy_keys[i]; i++) {
		strcat(list, i ? ", " : "");
		strcat(list, policy_keys[i]);
	}
	return fail("unknown policy key '%s' (one of: %s)", key, list);
}

static int policy_get(int argc, char **argv)
{
	char value[128];
	int err;

	if (argc > 2)
		return fail("usage: jitsealctl policy get [KEY]");
	if (argc == 2 && known_key(argv[1]))
		return 1;
	if (!module_loaded())
		return fail("the jitseal module is not loaded");
	if (argc == 2) {
		err = policy_read(argv[1], value, sizeof(value));
		if (err)
			return fail("cannot read %s: %s", argv[1], strerror(-err));
		printf("%s\n", value);
		return 0;
	}
	for (int i = 0; policy_keys[i]; i++) {
		err = policy_read(policy_keys[i], value, sizeof(value));
		if (err)
			return fail("cannot read %s: %s", policy_keys[i],
				    strerror(-err));
		printf("%s = %s\n", policy_keys[i], value);
	}
	return 0;
}

static bool policy_locked(void)
{
	char value[16];

	return !policy_read("locked", value, sizeof(value)) &&
	       strcmp(value, "0") != 0;
}

static int policy_set_one(const char *key, const char *value)
{
	int err;

	if (require_root("policy"))
		return 1;
	if (!module_loaded())
		return fail("the jitseal module is not loaded");
	err = policy_write(key, value);
	switch (err) {
	case 0:
		return 0;
	case -EINVAL:
	case -ERANGE:
	case -EOVERFLOW:
		return fail("invalid value '%s' for %s", value, key);
	case -EPERM:
	case -EACCES:
		if (policy_locked())
			return fail("the policy is locked until reboot");
		break;
	}
	return fail("cannot set %s: %s", key, strerror(-err));
}

static int policy_set(int argc, char **argv)
{
	if (argc != 3)
		return fail("usage: jitsealctl policy set KEY VALUE");
	if (known_key(argv[1]))
		return 1;
	if (!strcmp(argv[1], "locked") && strcmp(argv[2], "1"))
		return fail("locked can only be set to 1 (jitsealctl policy lock)");
	return policy_set_one(argv[1], argv[2]);
}

static int policy_lock(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return fail("usage: jitsealctl policy lock");
	return policy_set_one("locked", "1");
}

int cmd_policy(int argc, char **argv)
{
	if (argc < 2)
		return fail("usage: jitsealctl policy get [KEY] | set KEY VALUE | lock");
	if (!strcmp(argv[1], "get"))
		return policy_get(argc - 1, argv + 1);
	if (!strcmp(argv[1], "set"))
		return policy_set(argc - 1, argv + 1);
	if (!strcmp(argv[1], "lock"))
		return policy_lock(argc - 1, argv + 1);
	return fail("unknown policy command '%s' (get, set or lock)", argv[1]);
}
