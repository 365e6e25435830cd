// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal_free with the module (run_vm): when the policy forbids retiring
 * (sysfs retire = 0), a free still frees the allocation but the page
 * stays, sealed and counted; with the policy back on, the next page goes.
 */
#include <fcntl.h>
#include <sys/ioctl.h>

#include <linux/jitseal.h>

#include "jstest.h"

#define KNOB "/sys/kernel/jitseal/retire"

static int knob_write(const char *v)
{
	int fd = open(KNOB, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, v, strlen(v)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static void *fn_page(struct jitseal_pool *p, uint32_t v)
{
	struct jitseal_mem m;

	if (jitseal_alloc(p, page_size(), 16, JITSEAL_CODE, &m))
		return NULL;
	trap_fill(m.stage, page_size());
	emit_ret_imm(m.stage, v);
	return jitseal_finalize(p, NULL) ? NULL : m.addr;
}

static long kernel_retired(struct jitseal_pool *p)
{
	struct jitseal_pool_info info = { .size = sizeof(info) };
	int fd = jitseal_pool_export(p, 0, NULL);
	long n = -1;

	if (fd < 0)
		return -1;
	if (!ioctl(fd, JITSEAL_IOC_INFO, &info))
		n = (long)info.retired_pages;
	close(fd);
	return n;
}

TEST(policy_off_keeps_page)
{
	struct jitseal_pool_stats st;
	struct jitseal_pool *p;
	void *a, *b;

	if (access("/dev/jitseal", F_OK))
		SKIP(return, "no /dev/jitseal (module not loaded)");
	p = jitseal_pool_create(NULL);
	ASSERT_NE(NULL, p);
	a = fn_page(p, 1);
	b = fn_page(p, 2);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	if (knob_write("0"))
		SKIP(return, "cannot set %s (policy locked?)", KNOB);
	EXPECT_EQ(0, jitseal_free(p, a));
	EXPECT_EQ(-EINVAL, jitseal_free(p, a));		/* freed all the same */
	st = test_stats(p);
	EXPECT_EQ(1, st.kept_pages);
	EXPECT_EQ(1, st.reclaim_refusals);
	EXPECT_EQ(0, st.reclaimed[JITSEAL_CODE]);
	EXPECT_EQ(2, st.pages);
	EXPECT_EQ(0, kernel_retired(p));
	EXPECT_EQ(1, ((fn_v)a)());	/* still sealed, unchanged */
	ASSERT_EQ(0, knob_write("1"));
	EXPECT_EQ(0, jitseal_free(p, b));
	EXPECT_EQ(1, kernel_retired(p));
	st = test_stats(p);
	EXPECT_EQ(1, st.reclaimed[JITSEAL_CODE]);
	EXPECT_EQ(1, st.kept_pages);
	EXPECT_EQ(1, st.pages);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
