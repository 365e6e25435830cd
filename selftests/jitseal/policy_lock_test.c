// SPDX-License-Identifier: GPL-2.0
/*
 * C10: writing 1 to /sys/kernel/jitseal/locked freezes every knob until
 * reboot.  Irreversible: run this last.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"

static const char * const knobs[] = {
	"max_pool_bytes", "max_user_bytes", "max_user_pools",
	"allowed_gid", "audit", "retire", "slots",
};

/* A valid value for each knob, different from the default. */
static const char * const values[] = {
	"8192", "4096", "3", "100", "1", "0", "0",
};

#define NR_KNOBS (sizeof(knobs) / sizeof(knobs[0]))

TEST(lock_freezes_every_knob_until_reboot)
{
	char before[NR_KNOBS][32], now[32], line[2048];
	unsigned int i;
	int kmsg, fd;

	for (i = 0; i < NR_KNOBS; i++)
		ASSERT_EQ(0, js_sysfs_read(knobs[i], before[i],
					   sizeof(before[i])));
	ASSERT_EQ(0, js_stat("locked"));

	kmsg = js_kmsg_open();
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, js_sysfs_write("locked", "1"));
	EXPECT_EQ(1, js_stat("locked"));
	EXPECT_TRUE(js_kmsg_find(kmsg, "jitseal: policy: locked 0 -> 1 by uid=0",
				 line, sizeof(line)));

	for (i = 0; i < NR_KNOBS; i++) {
		EXPECT_EQ(-EPERM, js_sysfs_write(knobs[i], values[i]))
			TH_LOG("%s still writable", knobs[i]);
		EXPECT_EQ(-EPERM, js_sysfs_write(knobs[i], before[i]));
		ASSERT_EQ(0, js_sysfs_read(knobs[i], now, sizeof(now)));
		EXPECT_STREQ(before[i], now);
	}
	/* No way back, and junk gets no further either. */
	EXPECT_EQ(-EPERM, js_sysfs_write("locked", "0"));
	EXPECT_EQ(-EPERM, js_sysfs_write("locked", "1"));
	EXPECT_EQ(-EPERM, js_sysfs_write("locked", "junk"));
	EXPECT_EQ(1, js_stat("locked"));
	EXPECT_TRUE(js_kmsg_find(kmsg, "write refused, locked", line,
				 sizeof(line)));
	close(kmsg);

	/* Nor can unloading and loading the module reset the policy. */
	EXPECT_NE(0, syscall(SYS_delete_module, "jitseal", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);

	/* The device works as before. */
	fd = js_pool(JS_PAGE, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, js_load_ret(fd, 0, 1));
	close(fd);
}

TEST_HARNESS_MAIN
