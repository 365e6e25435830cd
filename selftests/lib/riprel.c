// SPDX-License-Identifier: GPL-2.0
/* PC-relative references between code, rodata and data (+-2 GiB). */
#include "jstest.h"

TEST(code_reads_rodata)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem c, r;
	uint32_t v = 0xc0ffee;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 4, 4, JITSEAL_RODATA, &r));
	memcpy(r.stage, &v, 4);
	ASSERT_EQ(0, jitseal_alloc(p, 32, 16, JITSEAL_CODE, &c));
	emit_load_rip(c.stage, c.addr, r.addr);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(0xc0ffee, ((fn_v)c.addr)());
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(code_updates_data)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem c, d;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 4, 4, JITSEAL_DATA, &d));
	*(int *)d.addr = 100;
	ASSERT_EQ(0, jitseal_alloc(p, 32, 16, JITSEAL_CODE, &c));
	emit_add_rip(c.stage, c.addr, d.addr);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(105, ((fn_ii)c.addr)(5));
	EXPECT_EQ(107, ((fn_ii)c.addr)(2));
	EXPECT_EQ(107, *(int *)d.addr);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* The whole reservation (all sections, all regions) spans < 2 GiB. */
TEST(large_sections_in_reach)
{
	struct jitseal_pool *p = test_pool_flags(64 << 20, 256 << 20, 256 << 20, 0);
	struct jitseal_mem c, r, d;
	uint32_t v = 31337;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 32, 16, JITSEAL_CODE, &c));
	ASSERT_EQ(0, jitseal_alloc(p, 200 << 20, 4096, JITSEAL_DATA, &d));
	ASSERT_EQ(0, jitseal_alloc(p, 4, 4, JITSEAL_DATA, &d));
	*(int *)d.addr = 1;
	ASSERT_EQ(0, jitseal_alloc(p, 4, 4, JITSEAL_RODATA, &r));
	memcpy(r.stage, &v, 4);
	emit_add_rip(c.stage, c.addr, d.addr);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(3, ((fn_ii)c.addr)(2));
	EXPECT_EQ(31337, *(uint32_t *)r.addr);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

static int host_helper(void)
{
	return 4242;
}

/* opts.near: JIT code calls a function of the program with rel32. */
TEST(near_host_function)
{
	JITSEAL_OPTS(jitseal_pool_opts, o, .sealing = JITSEAL_SEALED_PREFERRED,
		     .near = (const void *)host_helper);
	struct jitseal_pool *p = jitseal_pool_create(&o);
	struct jitseal_mem c;
	intptr_t dist;

	ASSERT_NE(NULL, p) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, jitseal_alloc(p, 32, 16, JITSEAL_CODE, &c));
	dist = (intptr_t)c.addr - (intptr_t)host_helper;
	EXPECT_GT(1L << 31, dist < 0 ? -dist : dist);
	emit_call(c.stage, c.addr, (const void *)host_helper);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(4242, ((fn_v)c.addr)());
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* near is kept when the pool grows. */
TEST(near_kept_on_growth)
{
	size_t ps = page_size();
	JITSEAL_OPTS(jitseal_pool_opts, o, .sealing = JITSEAL_SEALED_PREFERRED,
		     .near = (const void *)host_helper, .code_size = ps);
	struct jitseal_pool *p = jitseal_pool_create(&o);
	struct jitseal_mem c[8];
	int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, jitseal_alloc(p, ps - 16, 16, JITSEAL_CODE, &c[i]));
		emit_call(c[i].stage, c[i].addr, (const void *)host_helper);
	}
	EXPECT_LE(8, test_stats(p).regions);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(4242, ((fn_v)c[i].addr)());
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
