// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal_shrink() / jitseal_batch_shrink(): the unused tail of the most
 * recent pending allocation goes back; every refusal changes nothing.
 */
#include "jstest.h"

/* A function returning @v in the first bytes of @m, traps after. */
static void emit_in(struct jitseal_mem *m, size_t len, uint32_t v)
{
	trap_fill(m->stage, len);
	emit_ret_imm(m->stage, v);
}

TEST(tail_back_to_next_allocation)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_pool_stats st;
	struct jitseal_mem a, b;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 4096, 16, JITSEAL_CODE, &a));
	emit_in(&a, 100, 1);
	ASSERT_EQ(0, jitseal_shrink(p, &a, 100));
	EXPECT_EQ(100, test_stats(p).pending);
	ASSERT_EQ(0, jitseal_alloc(p, 64, 16, JITSEAL_CODE, &b));
	/* the next allocation starts at the new end, aligned */
	EXPECT_EQ((char *)a.addr + 112, (char *)b.addr);
	EXPECT_EQ((char *)a.stage + 112, (char *)b.stage);
	emit_in(&b, 64, 2);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(1, ((fn_v)a.addr)());
	EXPECT_EQ(2, ((fn_v)b.addr)());
	st = test_stats(p);
	EXPECT_EQ(112 + 64, st.sealed[JITSEAL_CODE]);
	EXPECT_EQ(112 + 64, st.used[JITSEAL_CODE]);
	/* the gap after the shrunk function is traps, as any alignment gap */
	EXPECT_EQ(trap_byte((uint8_t *)a.addr + 100), ((uint8_t *)a.addr)[100]);
	EXPECT_EQ(trap_byte((uint8_t *)a.addr + 111), ((uint8_t *)a.addr)[111]);
	EXPECT_EQ(0, jitseal_free(p, a.addr));
	EXPECT_EQ(0, jitseal_free(p, b.addr));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(pages_given_back)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem a;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 3 * page_size(), 4096, JITSEAL_CODE, &a));
	emit_in(&a, 16, 7);
	ASSERT_EQ(0, jitseal_shrink(p, &a, 16));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(7, ((fn_v)a.addr)());
	/* one page installed, not three */
	EXPECT_EQ(1, test_stats(p).pages);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(alignment_kept)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem a, b;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 1000, 64, JITSEAL_CODE, &a));
	ASSERT_EQ(0, jitseal_shrink(p, &a, 10));
	ASSERT_EQ(0, jitseal_alloc(p, 10, 64, JITSEAL_CODE, &b));
	EXPECT_EQ(0, (uintptr_t)a.addr % 64);
	EXPECT_EQ((char *)a.addr + 64, (char *)b.addr);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(same_size_and_data)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem a, d, e;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 64, 16, JITSEAL_CODE, &a));
	EXPECT_EQ(0, jitseal_shrink(p, &a, 64));
	EXPECT_EQ(64, test_stats(p).pending);
	ASSERT_EQ(0, jitseal_alloc(p, 1000, 16, JITSEAL_DATA, &d));
	EXPECT_EQ(0, jitseal_shrink(p, &d, 8));
	ASSERT_EQ(0, jitseal_alloc(p, 8, 16, JITSEAL_DATA, &e));
	EXPECT_EQ((char *)d.addr + 16, (char *)e.addr);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/*
 * Another batch allocated meanwhile: it did so in its own claim, so the
 * tail is still the first batch's next allocation.
 */
TEST(tail_after_other_batch)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_batch *b1, *b2;
	struct jitseal_mem a, o, n;

	ASSERT_NE(NULL, p);
	b1 = jitseal_batch_create(p);
	b2 = jitseal_batch_create(p);
	ASSERT_NE(NULL, b1);
	ASSERT_NE(NULL, b2);
	ASSERT_EQ(0, jitseal_batch_alloc(b1, 1000, 16, JITSEAL_CODE, &a));
	ASSERT_EQ(0, jitseal_batch_alloc(b2, 64, 16, JITSEAL_CODE, &o));
	emit_in(&a, 100, 3);
	emit_in(&o, 64, 4);
	ASSERT_EQ(0, jitseal_batch_shrink(b1, &a, 100));
	ASSERT_EQ(0, jitseal_batch_alloc(b1, 64, 16, JITSEAL_CODE, &n));
	/* b2 allocates in its own claim: b1's tail is b1's again */
	EXPECT_EQ((char *)a.addr + 112, (char *)n.addr);
	emit_in(&n, 64, 5);
	ASSERT_EQ(0, jitseal_batch_finalize(b1, NULL));
	ASSERT_EQ(0, jitseal_batch_finalize(b2, NULL));
	EXPECT_EQ(3, ((fn_v)a.addr)());
	EXPECT_EQ(4, ((fn_v)o.addr)());
	EXPECT_EQ(5, ((fn_v)n.addr)());
	/* a and n are one run, the alignment gap between them included */
	EXPECT_EQ(112 + 64 + 64, test_stats(p).sealed[JITSEAL_CODE]);
	EXPECT_EQ(0, jitseal_batch_destroy(b1));
	EXPECT_EQ(0, jitseal_batch_destroy(b2));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/*
 * Shrinking an allocation of several pages takes the set's claim back
 * to its first page: the claim counts on those pages again, so freeing
 * everything on them reclaims nothing while the set can still allocate
 * there (else another window could take them), and the next
 * allocation lands right after the shrunk one.
 */
TEST(shrink_back_into_claim)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem a, x, y;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 3 * page_size(), page_size(),
				   JITSEAL_CODE, &a));
	emit_in(&a, 100, 1);
	ASSERT_EQ(0, jitseal_shrink(p, &a, 100));
	ASSERT_EQ(0, jitseal_alloc(p, 64, 16, JITSEAL_CODE, &x));
	EXPECT_EQ((char *)a.addr + 112, (char *)x.addr);
	emit_in(&x, 64, 2);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(1, ((fn_v)a.addr)());
	EXPECT_EQ(2, ((fn_v)x.addr)());
	ASSERT_EQ(0, jitseal_free(p, a.addr));
	ASSERT_EQ(0, jitseal_free(p, x.addr));
	EXPECT_EQ(0, test_stats(p).reclaimed[JITSEAL_CODE]);
	ASSERT_EQ(0, jitseal_alloc(p, 64, 16, JITSEAL_CODE, &y));
	EXPECT_EQ((char *)x.addr + 64, (char *)y.addr);
	emit_in(&y, 64, 3);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(3, ((fn_v)y.addr)());
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/*
 * jitseal_shrink(3)'s own pattern, one batch per unit: create, allocate,
 * shrink, finalize, free, destroy.  Every page the units left is
 * reclaimed; only the page of the bump pointer may still hold bytes.
 * (A shrink once took a count on the claim's first page twice, which
 * kept every page the batches passed: 12 pages here, 313 in 5,000.)
 */
TEST(short_lived_batches_give_pages_back)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_pool_stats st;
	struct jitseal_batch *b;
	struct jitseal_mem m;
	int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < 200; i++) {
		b = jitseal_batch_create(p);
		ASSERT_NE(NULL, b);
		ASSERT_EQ(0, jitseal_batch_alloc(b, 1024, 16, JITSEAL_CODE, &m));
		emit_in(&m, 256, i);
		ASSERT_EQ(0, jitseal_batch_shrink(b, &m, 256));
		ASSERT_EQ(0, jitseal_batch_finalize(b, NULL));
		ASSERT_EQ(i, ((fn_v)m.addr)());
		ASSERT_EQ(0, jitseal_free(p, m.addr));
		ASSERT_EQ(0, jitseal_batch_destroy(b));
	}
	st = test_stats(p);
	TH_LOG("pages %llu reclaimed %llu", (unsigned long long)st.pages,
	       (unsigned long long)st.reclaimed[JITSEAL_CODE]);
	EXPECT_GE(1, st.pages);
	EXPECT_LE(200 * 256 / page_size() - 1, st.reclaimed[JITSEAL_CODE]);
	EXPECT_EQ(0, st.used[JITSEAL_CODE]);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* Each refusal leaves the allocation, its run and the pool as they were. */
TEST(errors_change_nothing)
{
	struct jitseal_pool *p = test_pool(), *q = test_pool();
	struct jitseal_batch *b = jitseal_batch_create(p);
	struct jitseal_mem a, c, x, bad, done;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, q);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, jitseal_alloc(p, 256, 16, JITSEAL_CODE, &done));
	emit_in(&done, 256, 9);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(-EINVAL, jitseal_shrink(p, &done, 10));	/* finalized */
	ASSERT_EQ(0, jitseal_alloc(p, 256, 16, JITSEAL_CODE, &a));
	ASSERT_EQ(0, jitseal_alloc(p, 256, 16, JITSEAL_CODE, &c));
	EXPECT_EQ(-EINVAL, jitseal_shrink(p, &a, 10));	/* not the last */
	EXPECT_EQ(-EINVAL, jitseal_shrink(p, &c, 257));	/* growing */
	EXPECT_EQ(-EINVAL, jitseal_shrink(p, &c, 0));
	EXPECT_EQ(-EINVAL, jitseal_shrink(p, NULL, 10));
	EXPECT_EQ(-EINVAL, jitseal_batch_shrink(b, &c, 10));	/* wrong batch */
	EXPECT_EQ(-EINVAL, jitseal_shrink(q, &c, 10));	/* wrong pool */
	bad = c;
	bad.stage = (char *)c.stage + 16;
	EXPECT_EQ(-EINVAL, jitseal_shrink(p, &bad, 10));	/* not its stage */
	bad = c;
	bad.addr = (char *)c.addr + 16;
	EXPECT_EQ(-EINVAL, jitseal_shrink(p, &bad, 10));	/* interior */
	EXPECT_EQ(-EINVAL, jitseal_shrink(NULL, &c, 10));
	EXPECT_EQ(-EINVAL, jitseal_batch_shrink(NULL, &c, 10));
	EXPECT_EQ(512, test_stats(p).pending);
	ASSERT_EQ(0, jitseal_alloc(p, 16, 16, JITSEAL_CODE, &x));
	EXPECT_EQ((char *)c.addr + 256, (char *)x.addr);
	EXPECT_EQ(0, jitseal_batch_destroy(b));
	EXPECT_EQ(-EBADF, jitseal_batch_shrink(b, &c, 10));
	EXPECT_EQ(0, jitseal_pool_destroy(q));
	EXPECT_EQ(-EBADF, jitseal_shrink(q, &c, 10));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
