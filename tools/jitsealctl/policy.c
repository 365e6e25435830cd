// SPDX-License-Identifier: GPL-2.0
/* jitsealctl policy get [KEY] | set KEY VALUE | lock */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* KEY's value in the configuration file's words. */
static int knob_words(const char *key, char *out, size_t len)
{
	char raw[64];
	int k = conf_knob_index(key), err;

	err = policy_read(key, raw, sizeof(raw));
	if (err)
		return fail("cannot read %s: %s", key, strerror(-err));
	conf_knob_words(k < 0 ? CONF_NR_KNOBS : k, raw, out, len);
	return 0;
}

static int policy_get(int argc, char **argv)
{
	char value[128];

	if (argc > 2)
		return fail("usage: jitsealctl policy get [KEY]");
	if (argc == 2 && known_key(argv[1]))
		return 1;
	if (!module_loaded())
		return fail("the jitseal module is not loaded");
	if (argc == 2) {
		if (knob_words(argv[1], value, sizeof(value)))
			return 1;
		printf("%s\n", value);
		return 0;
	}
	for (int i = 0; policy_keys[i]; i++) {
		if (knob_words(policy_keys[i], value, sizeof(value)))
			return 1;
		printf("%s = %s\n", policy_keys[i], value);
	}
	return 0;
}

static int policy_lock(int argc, char **argv);

/* KEY VALUE, VALUE in the configuration file's syntax. */
static int policy_set(int argc, char **argv)
{
	char raw[32], old[64], words[64];
	const char *msg;
	int k, err;

	if (argc != 3)
		return fail("usage: jitsealctl policy set KEY VALUE");
	if (known_key(argv[1]))
		return 1;
	if (!strcmp(argv[1], "locked")) {
		if (strcmp(argv[2], "yes"))
			return fail("policy set: locked can only be set to yes (or: jitsealctl policy lock)");
		return policy_lock(1, argv + 2);
	}
	k = conf_knob_index(argv[1]);
	msg = conf_knob_parse(k, argv[2], raw, sizeof(raw));
	if (msg)
		return fail("policy set: %s: '%s' %s", argv[1], argv[2], msg);
	if (require_root("policy"))
		return 1;
	if (!module_loaded())
		return fail("the jitseal module is not loaded");
	if (knob_words(argv[1], old, sizeof(old)))
		return 1;
	err = policy_write(argv[1], raw);
	if (err == -EPERM || err == -EACCES)
		return policy_locked() ?
		       fail("policy set: %s: refused: the policy is locked until reboot",
			    argv[1]) :
		       fail("policy set: %s: %s", argv[1], strerror(-err));
	if (err)
		return fail("policy set: the module refused %s = %s: %s",
			    argv[1], argv[2], strerror(-err));
	conf_knob_words(k, raw, words, sizeof(words));
	say("%s = %s (was %s)", argv[1], words, old);
	return 0;
}

/*
 * Lock the module's policy (if it is not yet) and the enforcement in
 * force: again on a locked policy locks an enforcement that started
 * unlocked (a module locked through sysfs by hand).
 */
static int policy_lock(int argc, char **argv)
{
	bool was = policy_locked(), did = false;
	int err;

	(void)argv;
	if (argc != 1)
		return fail("usage: jitsealctl policy lock");
	if (require_root("policy"))
		return 1;
	if (!module_loaded())
		return fail("the jitseal module is not loaded");
	if (!was) {
		err = policy_write("locked", "1");
		if (err)
			return fail("cannot lock the policy: %s", strerror(-err));
	}
	if (lock_enforcement(&did))
		return 1;
	say("%s until reboot%s", was ? "the policy was already locked" :
	    "locked the module's policy",
	    did ? ", and the W^X enforcement in force" :
	    !access(WX_PIN_DIR, F_OK) ? " (enforcement was already locked)" :
	    " (enforcement is off: it will be locked when it starts)");
	return 0;
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
