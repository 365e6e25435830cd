// SPDX-License-Identifier: GPL-2.0
/* Batches: independent pending sets of one pool. */
#include "jstest.h"

TEST(batches_are_independent)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_batch *a, *b;
	struct jitseal_mem ma, mb, ma2;

	ASSERT_NE(NULL, p);
	a = jitseal_batch_create(p);
	b = jitseal_batch_create(p);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, jitseal_batch_alloc(a, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &ma));
	ASSERT_EQ(0, jitseal_batch_alloc(b, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &mb));
	ASSERT_EQ(0, jitseal_batch_alloc(a, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &ma2));
	emit_ret_imm(ma.stage, 1);
	emit_ret_imm(ma2.stage, 3);
	emit_ret_imm(mb.stage, 2);
	/* a's allocations follow one another; b's are in its own claim */
	EXPECT_EQ((char *)ma.addr + RET_LEN, (char *)ma2.addr);
	/* finalizing a must not install b (its page may not exist yet) */
	ASSERT_EQ(0, jitseal_batch_finalize(a, NULL));
	EXPECT_EQ(1, ((fn_v)ma.addr)());
	EXPECT_EQ(3, ((fn_v)ma2.addr)());
	EXPECT_TRUE(read_faults(mb.addr) == 1 ||
		    memcmp(mb.stage, mb.addr, RET_LEN));
	EXPECT_EQ(RET_LEN, test_stats(p).pending);
	ASSERT_EQ(0, jitseal_batch_finalize(b, NULL));
	EXPECT_EQ(2, ((fn_v)mb.addr)());
	/* the pool's own pending set is a third one */
	EXPECT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(0, jitseal_batch_destroy(a));
	EXPECT_EQ(0, jitseal_batch_destroy(b));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/*
 * A batch's claim keeps the rest of its page for the batch: another
 * batch allocates on the next page, a freed function's page stays while
 * the batch may still allocate there, and goes when the batch does.
 * The statistics count what was handed out, not what claims hold.
 */
TEST(claim_keeps_page)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_batch *a, *b;
	struct jitseal_mem m1, m2, mb;
	struct jitseal_pool_stats st;
	uintptr_t pg = page_size();

	ASSERT_NE(NULL, p);
	a = jitseal_batch_create(p);
	b = jitseal_batch_create(p);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, jitseal_batch_alloc(a, 64, 16, JITSEAL_CODE, &m1));
	ASSERT_EQ(0, jitseal_batch_alloc(b, 64, 16, JITSEAL_CODE, &mb));
	EXPECT_NE((uintptr_t)m1.addr / pg, (uintptr_t)mb.addr / pg);
	emit_ret_imm(m1.stage, 1);
	emit_ret_imm(mb.stage, 2);
	ASSERT_EQ(0, jitseal_batch_finalize(a, NULL));
	ASSERT_EQ(0, jitseal_batch_finalize(b, NULL));
	EXPECT_EQ(128, test_stats(p).used[JITSEAL_CODE]);
	ASSERT_EQ(0, jitseal_free(p, m1.addr));
	EXPECT_EQ(0, test_stats(p).reclaimed[JITSEAL_CODE]);
	ASSERT_EQ(0, jitseal_batch_alloc(a, 64, 16, JITSEAL_CODE, &m2));
	EXPECT_EQ((char *)m1.addr + 64, (char *)m2.addr);
	emit_ret_imm(m2.stage, 3);
	ASSERT_EQ(0, jitseal_batch_finalize(a, NULL));
	EXPECT_EQ(3, ((fn_v)m2.addr)());
	ASSERT_EQ(0, jitseal_free(p, m2.addr));
	EXPECT_EQ(0, test_stats(p).reclaimed[JITSEAL_CODE]);
	/* a goes: its page has neither an allocation nor a claim now */
	ASSERT_EQ(0, jitseal_batch_destroy(a));
	st = test_stats(p);
	EXPECT_EQ(1, st.reclaimed[JITSEAL_CODE]);
	EXPECT_EQ(64, st.used[JITSEAL_CODE]);
	EXPECT_EQ(2, ((fn_v)mb.addr)());
	ASSERT_EQ(0, jitseal_batch_destroy(b));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(batch_discard_and_destroy)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_batch *a;
	struct jitseal_mem m;

	ASSERT_NE(NULL, p);
	a = jitseal_batch_create(p);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, jitseal_batch_alloc(a, 32, 1, JITSEAL_CODE, &m));
	EXPECT_EQ(0, jitseal_batch_discard(a));
	EXPECT_EQ(0, test_stats(p).used[JITSEAL_CODE]);
	ASSERT_EQ(0, jitseal_batch_alloc(a, 32, 1, JITSEAL_CODE, &m));
	/* destroy discards what is pending */
	EXPECT_EQ(0, jitseal_batch_destroy(a));
	EXPECT_EQ(0, test_stats(p).pending);
	EXPECT_EQ(-EBADF, jitseal_batch_alloc(a, 32, 1, JITSEAL_CODE, &m));
	EXPECT_EQ(-EBADF, jitseal_batch_finalize(a, NULL));
	EXPECT_EQ(-EBADF, jitseal_batch_discard(a));
	EXPECT_EQ(-EBADF, jitseal_batch_destroy(a));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* Destroying the pool destroys its batches. */
TEST(pool_destroy_kills_batches)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_batch *a;
	struct jitseal_mem m;

	ASSERT_NE(NULL, p);
	a = jitseal_batch_create(p);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, jitseal_batch_alloc(a, 32, 1, JITSEAL_CODE, &m));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	EXPECT_EQ(-EBADF, jitseal_batch_alloc(a, 32, 1, JITSEAL_CODE, &m));
	EXPECT_EQ(-EBADF, jitseal_batch_destroy(a));
	EXPECT_EQ(NULL, jitseal_batch_create(p));
	EXPECT_EQ(EBADF, errno);
}

TEST(batch_null)
{
	struct jitseal_mem m;

	EXPECT_EQ(NULL, jitseal_batch_create(NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, jitseal_batch_alloc(NULL, 1, 1, JITSEAL_CODE, &m));
	EXPECT_EQ(-EINVAL, jitseal_batch_finalize(NULL, NULL));
	EXPECT_EQ(-EINVAL, jitseal_batch_discard(NULL));
	EXPECT_EQ(-EINVAL, jitseal_batch_destroy(NULL));
}

TEST_HARNESS_MAIN
