// SPDX-License-Identifier: GPL-2.0
/*
 * C10: the policy knobs in /sys/kernel/jitseal/ validate every write, log
 * every change, and need CAP_SYS_ADMIN; allowed_gid limits who may open the
 * device; audit logs every load.  The lock is in policy_lock_test, which
 * must run last.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sha256.h"
#include "util.h"

#define MAX_BAD 10

FIXTURE(knob) {
	char saved[32];
};

FIXTURE_VARIANT(knob) {
	const char *name;
	const char *bad[MAX_BAD];
	const char *good;
};

FIXTURE_VARIANT_ADD(knob, max_pool_bytes) {
	.name = "max_pool_bytes",
	.bad = { "\n", "abc", "-4096", "0", "4095", "4097", "8192x",
		 "8589934592", "18446744073709551616", "1.5" },
	.good = "1048576",
};

FIXTURE_VARIANT_ADD(knob, max_user_bytes) {
	.name = "max_user_bytes",
	.bad = { "\n", "many", "-1", "1099511627777", "18446744073709551615",
		 "12 34" },
	.good = "123456",
};

FIXTURE_VARIANT_ADD(knob, max_user_pools) {
	.name = "max_user_pools",
	.bad = { "\n", "x", "-1", "1048577", "4294967296", "0x" },
	.good = "17",
};

FIXTURE_VARIANT_ADD(knob, allowed_gid) {
	.name = "allowed_gid",
	.bad = { "\n", "wheel", "-2", "4294967295", "4294967296", "1,2" },
	.good = "4242",
};

FIXTURE_VARIANT_ADD(knob, audit) {
	.name = "audit",
	.bad = { "\n", "2", "-1", "yes", "on", "01x" },
	.good = "1",
};

FIXTURE_VARIANT_ADD(knob, retire) {
	.name = "retire",
	.bad = { "\n", "2", "-1", "no", "off", "1y" },
	.good = "0",
};

FIXTURE_VARIANT_ADD(knob, slots) {
	.name = "slots",
	.bad = { "\n", "2", "-1", "no", "off", "0z" },
	.good = "0",
};

FIXTURE_VARIANT_ADD(knob, locked) {
	/* Never "1" here: that is for policy_lock_test. */
	.name = "locked",
	.bad = { "\n", "2", "-1", "true", "1x" },
	.good = "0",
};

FIXTURE_SETUP(knob)
{
	ASSERT_EQ(0, js_sysfs_read(variant->name, self->saved,
				   sizeof(self->saved)));
}

FIXTURE_TEARDOWN(knob)
{
	EXPECT_EQ(0, js_sysfs_write(variant->name, self->saved));
}

TEST_F(knob, refuses_junk_and_logs_changes)
{
	char now[32], needle[128], line[2048];
	int i, kmsg;

	for (i = 0; i < MAX_BAD && variant->bad[i]; i++) {
		EXPECT_EQ(-EINVAL, js_sysfs_write(variant->name, variant->bad[i]))
			TH_LOG("%s accepted \"%s\"", variant->name, variant->bad[i]);
		ASSERT_EQ(0, js_sysfs_read(variant->name, now, sizeof(now)));
		EXPECT_STREQ(self->saved, now);
	}

	kmsg = js_kmsg_open();
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, js_sysfs_write(variant->name, variant->good));
	ASSERT_EQ(0, js_sysfs_read(variant->name, now, sizeof(now)));
	EXPECT_STREQ(variant->good, now);
	snprintf(needle, sizeof(needle), "jitseal: policy: %s %s -> %s by uid=0 pid=%d",
		 variant->name, self->saved, variant->good, getpid());
	EXPECT_TRUE(js_kmsg_find(kmsg, needle, line, sizeof(line)))
		TH_LOG("no \"%s\" in the kernel log", needle);
	close(kmsg);
}

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &h, d);
}

static int write_without_cap(void *arg)
{
	(void)arg;
	if (drop_cap_sys_admin())
		return 10;
	/* Still uid 0, so the file mode lets the write through to the knob. */
	if (js_sysfs_write("max_user_pools", "5") != -EPERM)
		return 1;
	if (js_sysfs_write("audit", "1") != -EPERM)
		return 2;
	return 0;
}

TEST(knob_write_needs_cap_sys_admin)
{
	char before[32], after[32];

	ASSERT_EQ(0, js_sysfs_read("max_user_pools", before, sizeof(before)));
	EXPECT_EQ(0, js_in_child(write_without_cap, NULL));
	ASSERT_EQ(0, js_sysfs_read("max_user_pools", after, sizeof(after)));
	EXPECT_STREQ(before, after);
	EXPECT_EQ(0, js_stat("audit"));
}

TEST(statistics_are_read_only)
{
	EXPECT_EQ(-EACCES, js_sysfs_write("pools", "0"));
	EXPECT_EQ(-EACCES, js_sysfs_write("sealed_bytes", "0"));
	EXPECT_EQ(-EACCES, js_sysfs_write("rejects/quota", "0"));
	EXPECT_EQ(-EACCES, js_sysfs_write("audit_lost", "0"));
}

/* The count of dropped audit records is with the other statistics. */
TEST(audit_lost_is_a_statistic)
{
	char stat[32], param[32];

	ASSERT_EQ(0, js_sysfs_read("audit_lost", stat, sizeof(stat)));
	ASSERT_EQ(0, js_read_file("/sys/module/jitseal/parameters/audit_lost",
				  param, sizeof(param)));
	EXPECT_EQ(strtoull(param, NULL, 10), strtoull(stat, NULL, 10))
		TH_LOG("audit_lost %s, parameter %s", stat, param);
}

/* --- allowed_gid --- */

#define GID_JIT	4242

struct who {
	gid_t group;	/* supplementary group, or 0 for none */
	bool root;
};

static int open_as(void *arg)
{
	const struct who *w = arg;
	int fd;

	if (!w->root) {
		gid_t g = w->group;

		if (setgroups(g ? 1 : 0, &g) || setgid(65534) || setuid(65534))
			return 10;
	} else if (setgroups(0, NULL)) {
		return 11;
	}
	fd = js_open();
	if (fd == -EPERM)
		return 1;
	if (fd < 0)
		return 12;
	/* Admitted: the pool works. */
	if (js_setup(fd, JS_PAGE, 0) || js_load_ret(fd, 0, 1))
		return 13;
	close(fd);
	return 0;
}

TEST(allowed_gid_refuses_user_outside_group)
{
	struct who outsider = { 0, false }, member = { GID_JIT, false };
	struct who root = { 0, true };
	uint64_t perm = js_stat("rejects/perm");
	char gid[16];
	struct stat st;

	/* Open the node to all, so that only allowed_gid decides. */
	ASSERT_EQ(0, stat(JITSEAL_DEVICE, &st));
	ASSERT_EQ(0, chmod(JITSEAL_DEVICE, 0666));

	EXPECT_EQ(0, js_in_child(open_as, &outsider));	/* -1: anyone */
	snprintf(gid, sizeof(gid), "%d", GID_JIT);
	ASSERT_EQ(0, js_sysfs_write("allowed_gid", gid));
	EXPECT_EQ(1, js_in_child(open_as, &outsider));
	EXPECT_EQ(perm + 1, js_stat("rejects/perm"));
	EXPECT_EQ(0, js_in_child(open_as, &member));
	EXPECT_EQ(0, js_in_child(open_as, &root));	/* CAP_SYS_ADMIN */
	ASSERT_EQ(0, js_sysfs_write("allowed_gid", "-1"));
	EXPECT_EQ(0, js_in_child(open_as, &outsider));

	EXPECT_EQ(0, chmod(JITSEAL_DEVICE, st.st_mode & 07777));
}

/* --- audit --- */

TEST(audit_logs_every_load)
{
	uint8_t code[2][JS_RET_LEN], dig[32];
	struct jitseal_pool_info info;
	struct jitseal_segment s[2];
	char needle[256], line[2048];
	int fd, kmsg;

	fd = js_pool(JS_PAGE, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, js_info(fd, &info));
	s[0] = js_seg(code[0], 0, js_emit_ret(code[0], 5), JITSEAL_PROT_RX);
	s[1] = js_seg(code[1], 64, js_emit_ret(code[1], 6), JITSEAL_PROT_RX);

	kmsg = js_kmsg_open();
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, js_sysfs_write("audit", "1"));
	/* No digest requested: the kernel computes them for the log. */
	ASSERT_EQ(0, js_load(fd, s, 2, 0, NULL));
	ASSERT_EQ(0, js_sysfs_write("audit", "0"));

	snprintf(needle, sizeof(needle),
		 "jitseal: audit: load pid=%d comm=policy_test uid=0 pool=%llu segments=2 bytes=%d sha256=",
		 getpid(), (unsigned long long)info.pool_id, 2 * JS_RET_LEN);
	js_sha256(code[0], JS_RET_LEN, dig);
	ASSERT_TRUE(js_kmsg_find(kmsg, needle, line, sizeof(line)))
		TH_LOG("no \"%s\" in the kernel log", needle);
	{
		char want[32];

		snprintf(want, sizeof(want), "sha256=%02x%02x%02x%02x,",
			 dig[0], dig[1], dig[2], dig[3]);
		EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
		js_sha256(code[1], JS_RET_LEN, dig);
		snprintf(want, sizeof(want), ",%02x%02x%02x%02x\n",
			 dig[0], dig[1], dig[2], dig[3]);
		EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	}

	/* Many segments: the first 8 prefixes, then how many more. */
	{
		uint8_t many[10][JS_RET_LEN];
		struct jitseal_segment ms[10];
		int i;

		for (i = 0; i < 10; i++)
			ms[i] = js_seg(many[i], 512 + i * 16,
				       js_emit_ret(many[i], i), JITSEAL_PROT_RX);
		ASSERT_EQ(0, js_sysfs_write("audit", "1"));
		ASSERT_EQ(0, js_load(fd, ms, 10, 0, NULL));
		ASSERT_EQ(0, js_sysfs_write("audit", "0"));
		snprintf(needle, sizeof(needle), "segments=10 bytes=%d sha256=",
			 10 * JS_RET_LEN);
		ASSERT_TRUE(js_kmsg_find(kmsg, needle, line, sizeof(line)));
		EXPECT_NE(NULL, strstr(line, ",+2\n")) TH_LOG("%s", line);
	}

	/* Audit off: no line for the next load. */
	ASSERT_EQ(0, js_load_ret(fd, 128, 7));
	EXPECT_FALSE(js_kmsg_find(kmsg, "jitseal: audit:", NULL, 0));
	close(kmsg);
	close(fd);
}

/*
 * A task name is the caller's to choose: with a newline in it, a printk
 * audit line would show console and syslog(2) readers a second line the
 * kernel never wrote (issue 20).  Such a name is written in hex, as the
 * audit subsystem writes untrusted strings.
 */
TEST(audit_line_never_forges_a_line)
{
	static const char name[] = "a\nFORGED: x";
	char line[2048], *log;
	int fd, kmsg, len;

	fd = js_pool(JS_PAGE, 0);
	ASSERT_LE(0, fd);
	kmsg = js_kmsg_open();
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, prctl(PR_SET_NAME, name));
	ASSERT_EQ(0, js_sysfs_write("audit", "1"));
	EXPECT_EQ(0, js_load_ret(fd, 0, 1));
	EXPECT_EQ(0, js_retire(fd, 0, JS_PAGE));
	ASSERT_EQ(0, js_sysfs_write("audit", "0"));
	ASSERT_EQ(0, prctl(PR_SET_NAME, "policy_test"));

	/* "a\nFORGED: x" in hex */
	EXPECT_TRUE(js_kmsg_find(kmsg, "load pid=", line, sizeof(line)));
	EXPECT_NE(NULL, strstr(line, " comm=610a464f524745443a2078 "))
		TH_LOG("%s", line);
	EXPECT_TRUE(js_kmsg_find(kmsg, "retire pid=", line, sizeof(line)));
	EXPECT_NE(NULL, strstr(line, " comm=610a464f524745443a2078 "))
		TH_LOG("%s", line);

	/* What syslog(2) readers see: no line starts with the forgery. */
	len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	ASSERT_LT(0, len);
	log = malloc(len + 1);
	ASSERT_NE(NULL, log);
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, len);
	ASSERT_LE(0, len);
	log[len] = '\0';
	EXPECT_EQ(NULL, strstr(log, "\nFORGED"));
	free(log);
	close(kmsg);
	close(fd);
}

TEST_HARNESS_MAIN
