// SPDX-License-Identifier: GPL-2.0
/* Growth: a new region when a reservation is full, within +-2 GiB. */
#include "jstest.h"

TEST(code_grows)
{
	size_t ps = page_size();
	struct jitseal_pool *p = test_pool_flags(ps, ps, ps, 0);
	struct jitseal_pool_stats st;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	fn_ii f[1000];
	int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < 1000; i++) {	/* 1000 * 16 bytes: 4 pages */
		f[i] = stage_affine(p, 2, i);
		ASSERT_NE(NULL, f[i]);
		if ((uintptr_t)f[i] < lo)
			lo = (uintptr_t)f[i];
		if ((uintptr_t)f[i] > hi)
			hi = (uintptr_t)f[i];
		if (i % 7 == 0)
			ASSERT_EQ(0, jitseal_finalize(p, NULL));
	}
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	for (i = 0; i < 1000; i++)
		ASSERT_EQ(2 * 3 + i, f[i](3));
	st = test_stats(p);
	EXPECT_LE(4, st.regions);
	EXPECT_EQ(st.regions * ps, st.reserved[JITSEAL_CODE]);
	EXPECT_GT(1UL << 31, hi - lo);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* Code in a later region calls code in the first one with rel32. */
TEST(call_across_regions)
{
	size_t ps = page_size();
	struct jitseal_pool *p = test_pool_flags(ps, ps, ps, 0);
	struct jitseal_mem callee, filler, caller;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, 16, JITSEAL_CODE, &callee));
	emit_ret_imm(callee.stage, 1234);
	ASSERT_EQ(0, jitseal_alloc(p, ps - 64, 16, JITSEAL_CODE, &filler));
	trap_fill(filler.stage, ps - 64);
	ASSERT_EQ(0, jitseal_alloc(p, 128, 16, JITSEAL_CODE, &caller));
	EXPECT_EQ(2, test_stats(p).regions);
	emit_call(caller.stage, caller.addr, callee.addr);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(1234, ((fn_v)caller.addr)());
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(big_allocation_gets_big_region)
{
	size_t ps = page_size();
	struct jitseal_pool *p = test_pool_flags(ps, ps, ps, 0);
	struct jitseal_mem m;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 10 * ps, 16, JITSEAL_CODE, &m));
	nop_fill(m.stage, 10 * ps);
	emit_ret_imm((uint8_t *)m.stage + 10 * ps - RET_LEN, 5);
	ASSERT_EQ(0, jitseal_alloc(p, 3 * ps, 1, JITSEAL_RODATA, &m));
	ASSERT_EQ(0, jitseal_alloc(p, 3 * ps, 1, JITSEAL_DATA, &m));
	memset(m.addr, 1, 3 * ps);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_LE(2, test_stats(p).regions);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* A kind that runs out moves on; the other kinds keep their region. */
TEST(kinds_grow_separately)
{
	size_t ps = page_size();
	struct jitseal_pool *p = test_pool_flags(ps, ps, ps, 0);
	struct jitseal_mem r1, c, r2;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 8, 8, JITSEAL_RODATA, &r1));
	ASSERT_EQ(0, jitseal_alloc(p, 2 * ps, 16, JITSEAL_CODE, &c));
	ASSERT_EQ(0, jitseal_alloc(p, 8, 8, JITSEAL_RODATA, &r2));
	EXPECT_EQ((char *)r1.addr + 8, (char *)r2.addr);
	jitseal_discard(p);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(no_grow_enospc)
{
	size_t ps = page_size();
	struct jitseal_pool *p = test_pool_flags(ps, ps, ps, JITSEAL_POOL_NO_GROW);
	struct jitseal_mem m;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, ps, 1, JITSEAL_CODE, &m));
	EXPECT_EQ(-ENOSPC, jitseal_alloc(p, 1, 1, JITSEAL_CODE, &m));
	EXPECT_EQ(-ENOSPC, jitseal_alloc(p, 2 * ps, 1, JITSEAL_DATA, &m));
	EXPECT_EQ(0, jitseal_alloc(p, ps, 1, JITSEAL_RODATA, &m));
	EXPECT_EQ(-ENOSPC, jitseal_alloc(p, 1, 1, JITSEAL_RODATA, &m));
	EXPECT_EQ(1, test_stats(p).regions);
	/* what fitted still installs */
	memset(m.stage, 7, ps);
	EXPECT_EQ(0, jitseal_discard(p));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
