// SPDX-License-Identifier: GPL-2.0
/* jitsealctl status: the module, its policy and statistics, enforcement. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/jitseal.h>

#include "jitsealctl.h"

_Static_assert(WX_JITSEAL_FS_MAGIC == JITSEAL_FS_MAGIC,
	       "wxorx.h and <linux/jitseal.h> name the module's mount apart");

static void print_features(__u64 features)
{
	static const struct {
		__u64 bit;
		const char *name;
	} names[] = {
		{ JITSEAL_FEAT_LOAD, "load" },
		{ JITSEAL_FEAT_DIGEST, "digest" },
		{ JITSEAL_FEAT_RODATA, "rodata" },
		{ JITSEAL_FEAT_MAP_FD, "map_fd" },
		{ JITSEAL_FEAT_SYNC_CORE, "sync_core" },
		{ JITSEAL_FEAT_RETIRE, "retire" },
	};
	const char *sep = "";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (features & names[i].bit) {
			printf("%s%s", sep, names[i].name);
			sep = ",";
			features &= ~names[i].bit;
		}
	}
	if (features)
		printf("%s0x%llx", sep, (unsigned long long)features);
	printf("\n");
}

static void show_module(void)
{
	struct jitseal_version v = { .size = sizeof(v) };
	unsigned int major, minor;
	int fd;

	if (!module_loaded()) {
		printf("module: not loaded\n");
		return;
	}
	if (jitseal_devnum(&major, &minor))
		printf("module: loaded\n");
	else
		printf("module: loaded, %s is %u:%u\n", JITSEAL_DEVICE, major,
		       minor);
	module_status();
	fd = open(JITSEAL_DEVICE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, JITSEAL_IOC_VERSION, &v)) {
		printf("  version: unknown (%s: %s)\n", JITSEAL_DEVICE,
		       strerror(errno));
	} else {
		if (v.api_version == JITSEAL_API_VERSION)
			printf("  api_version: %u\n", v.api_version);
		else
			printf("  api_version: %u (mismatch: jitsealctl %s speaks %d)\n",
			       v.api_version, JITSEALCTL_VERSION,
			       JITSEAL_API_VERSION);
		printf("  features: ");
		print_features(v.features);
		printf("  max_segments: %u\n", v.max_segments);
		printf("  max_load_bytes: %llu\n",
		       (unsigned long long)v.max_load_bytes);
	}
	if (fd >= 0)
		close(fd);
}

static void show_stat(const char *name, const char *value)
{
	printf("  %s: %s\n", name, value);
}

static void show_policy(void)
{
	char value[128];

	if (!module_loaded())
		return;
	printf("policy:\n");
	for (int i = 0; policy_keys[i]; i++) {
		int k = conf_knob_index(policy_keys[i]);
		char words[128];

		if (policy_read(policy_keys[i], value, sizeof(value)))
			continue;
		conf_knob_words(k < 0 ? CONF_NR_KNOBS : k, value, words,
				sizeof(words));
		printf("  %s: %s\n", policy_keys[i], words);
	}
	printf("statistics:\n");
	for_each_stat(show_stat);
}

static const char *scope_text(const struct wx_config *cfg, char *buf,
			      size_t len)
{
	switch (cfg->scope) {
	case WX_SCOPE_ALL:
		return "all tasks";
	case WX_SCOPE_CGROUP:
		snprintf(buf, len, "cgroup %s (id %llu)", cfg->scope_path,
			 (unsigned long long)cfg->cgroup_id);
		return buf;
	case WX_SCOPE_PID:
		snprintf(buf, len, "pid %u and its descendants", cfg->root_pid);
		return buf;
	}
	return "unknown";
}

static void show_lock(void)
{
	struct wx_lock_config *lk;
	char since[64];
	time_t t;

	if (!enforcement_locked()) {
		printf("  locked: no%s\n", module_loaded() && policy_locked() ?
		       " (the policy is: jitsealctl policy lock locks enforcement too)" : "");
		return;
	}
	lk = calloc(1, sizeof(*lk));
	if (lk && !pinned_lock(lk)) {
		t = lk->locked_at;
		strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S UTC",
			 gmtime(&t));
		printf("  locked: yes, until reboot (since %s)\n", since);
	} else {
		printf("  locked: yes, until reboot\n");
	}
	free(lk);
}

static int show_enforcement(void)
{
	__u64 counts[WX_NR_COUNTERS];
	struct wx_config cfg;
	char since[64], scope[WX_PATH_MAX + 64];
	time_t t;
	int err;

	if (access(WX_PIN_DIR, F_OK) && errno == ENOENT) {
		printf("enforcement: off\n");
		return 0;
	}
	err = pinned_config(&cfg);
	if (err == -EPERM || err == -EACCES)
		return fail("status: reading the enforcement state needs root");
	if (err == -EPROTO)
		return fail("status: %s was pinned by another jitsealctl version",
			    WX_PIN_DIR);
	if (err)
		return fail("status: cannot read %s/config: %s", WX_PIN_DIR,
			    strerror(-err));
	t = cfg.enforced_at;
	strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
	printf("enforcement: active\n");
	printf("  mode: %s\n", cfg.mode == WX_MODE_AUDIT ? "audit" : "enforce");
	printf("  scope: %s\n", scope_text(&cfg, scope, sizeof(scope)));
	printf("  since: %s\n", since);
	show_lock();
	if (cfg.scope == WX_SCOPE_CGROUP && scope_cgroup_gone(&cfg))
		printf("  warning: the cgroup is gone: enforcement confines nothing (jitsealctl release, or apply a file with another scope)\n");
	if (!cfg.jitseal_rdev)
		printf("  jitseal device: none (module was not loaded)\n");
	else
		printf("  jitseal device: %u:%u\n", cfg.jitseal_rdev >> 20,
		       cfg.jitseal_rdev & 0xfffff);
	if (pinned_track_failed() > 0)
		printf("  warning: a fork could not be recorded: every task is confined\n");
	err = pinned_counters(counts);
	if (err)
		return fail("status: cannot read %s/counters: %s", WX_PIN_DIR,
			    strerror(-err));
	printf("counters:\n");
	for (__u32 i = 0; i < WX_NR_COUNTERS; i++)
		printf("  %s: %llu\n", counter_name(i),
		       (unsigned long long)counts[i]);
	return 0;
}

int cmd_status(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return fail("usage: jitsealctl status");
	show_module();
	show_policy();
	fflush(stdout);
	return show_enforcement();
}
