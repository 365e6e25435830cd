// SPDX-License-Identifier: GPL-2.0
/* jitseal_discard: pending allocations go, space is reused. */
#include "jstest.h"

TEST(discard_reuses_space)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem a, b, c;
	struct jitseal_pool_stats st;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, 16, JITSEAL_CODE, &a));
	emit_ret_imm(a.stage, 1);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	ASSERT_EQ(0, jitseal_alloc(p, 100, 16, JITSEAL_CODE, &b));
	ASSERT_EQ(0, jitseal_alloc(p, 100, 16, JITSEAL_RODATA, &c));
	EXPECT_EQ(0, jitseal_discard(p));
	st = test_stats(p);
	EXPECT_EQ(0, st.pending);
	EXPECT_EQ(2, st.discards);
	EXPECT_EQ(RET_LEN, st.used[JITSEAL_CODE]);	/* a; b's lead went back too */
	EXPECT_EQ(0, st.used[JITSEAL_RODATA]);
	/* the same place is handed out again */
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, 16, JITSEAL_CODE, &c));
	EXPECT_EQ(b.addr, c.addr);
	emit_ret_imm(c.stage, 3);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(1, ((fn_v)a.addr)());
	EXPECT_EQ(3, ((fn_v)c.addr)());
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(discard_installs_nothing)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem a, b;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, 16, JITSEAL_CODE, &a));
	emit_ret_imm(a.stage, 1);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, 16, JITSEAL_CODE, &b));
	emit_ret_imm(b.stage, 2);
	EXPECT_EQ(0, jitseal_discard(p));
	EXPECT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(trap_byte(b.addr), *(volatile uint8_t *)b.addr);
	EXPECT_EQ(RET_LEN, test_stats(p).sealed[JITSEAL_CODE]);
	EXPECT_EQ(0, jitseal_discard(p));	/* nothing pending: fine */
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* Data allocations are live at once; discard does not take them back. */
TEST(discard_keeps_data)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem d;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 64, 16, JITSEAL_DATA, &d));
	strcpy(d.addr, "kept");
	EXPECT_EQ(0, jitseal_discard(p));
	EXPECT_STREQ("kept", d.addr);
	EXPECT_EQ(64, test_stats(p).used[JITSEAL_DATA]);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
