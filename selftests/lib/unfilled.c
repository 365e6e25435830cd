// SPDX-License-Identifier: GPL-2.0
/*
 * Unwritten bytes: what the JIT did not write of its allocation is
 * installed as the architecture's trap (code) or zeroes (rodata), also
 * when staging is reused after a finalize and when a shrink gives a
 * written tail back; fresh data, and data again after its page was
 * freed, reads as zero.
 */
#include "jstest.h"

#define PG	page_size()

static int all_trap(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != trap_byte(p + i))
			return 0;
	return 1;
}

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Code the JIT writes only 6 bytes of, in a fresh pool and again after
 * staging held other bytes (the previous finalize's). */
TEST(unwritten_code_is_trap_also_after_staging_reuse)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem m;
	size_t n = 0;
	int round;

	ASSERT_NE(NULL, p);
	for (round = 0; round < 3; round++) {
		int i;

		/* staging that held 0x5a bytes installed last round */
		for (i = 0; i < 8; i++) {
			ASSERT_EQ(0, jitseal_alloc(p, 200, 16, JITSEAL_CODE, &m));
			n = emit_ret_imm(m.stage, 40 + i);
			if (round == 0)
				continue;
			ASSERT_TRUE(all_trap((uint8_t *)m.stage + n, 200 - n));
		}
		ASSERT_EQ(0, jitseal_finalize(p, NULL));
		EXPECT_TRUE(all_trap((uint8_t *)m.addr + n, 200 - n));
		EXPECT_EQ(47, ((fn_v)m.addr)());
		/* write everything of the next round's staging with junk */
		ASSERT_EQ(0, jitseal_alloc(p, 1024, 16, JITSEAL_CODE, &m));
		memset(m.stage, 0x5a, 1024);
		ASSERT_EQ(0, jitseal_discard(p));
	}
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(shrink_gives_the_tail_back_unwritten)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem a, b;
	size_t n;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 256, 16, JITSEAL_CODE, &a));
	memset(a.stage, 0x90, 256);		/* emitted in place, too big */
	emit_ret_imm(a.stage, 5);
	ASSERT_EQ(0, jitseal_shrink(p, &a, 16));
	ASSERT_EQ(0, jitseal_alloc(p, 64, 16, JITSEAL_CODE, &b));
	EXPECT_EQ((char *)a.addr + 16, (char *)b.addr);	/* the tail again */
	n = emit_ret_imm(b.stage, 6);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_TRUE(all_trap((uint8_t *)b.addr + n, 64 - n));
	EXPECT_EQ(0x90, ((uint8_t *)a.addr)[15]);	/* written: kept */
	EXPECT_EQ(6, ((fn_v)b.addr)());
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(unwritten_rodata_is_zero)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem r;
	int round;

	ASSERT_NE(NULL, p);
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, jitseal_alloc(p, 300, 16, JITSEAL_RODATA, &r));
		memcpy(r.stage, "abc", 3);
		ASSERT_EQ(0, jitseal_finalize(p, NULL));
		EXPECT_TRUE(all_zero((uint8_t *)r.addr + 3, 297));
		ASSERT_EQ(0, jitseal_alloc(p, 600, 16, JITSEAL_RODATA, &r));
		memset(r.stage, 0x77, 600);
		ASSERT_EQ(0, jitseal_discard(p));
	}
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(fresh_data_reads_as_zero)
{
	struct jitseal_pool *p = test_pool_flags(0, 0, 2 * PG,
						 JITSEAL_POOL_NO_GROW);
	struct jitseal_mem d, e;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, PG, PG, JITSEAL_DATA, &d));
	EXPECT_TRUE(all_zero(d.addr, PG));
	memset(d.addr, 0xff, PG);
	/* a shrunk data tail is zero for the next allocation */
	ASSERT_EQ(0, jitseal_shrink(p, &d, 100));
	ASSERT_EQ(0, jitseal_alloc(p, 200, 16, JITSEAL_DATA, &e));
	EXPECT_TRUE(all_zero(e.addr, 200));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	/* freed, its page given back, allocated again: zero */
	memset(e.addr, 0xee, 200);
	ASSERT_EQ(0, jitseal_free(p, d.addr));
	ASSERT_EQ(0, jitseal_free(p, e.addr));
	ASSERT_EQ(0, jitseal_alloc(p, 2 * PG, PG, JITSEAL_DATA, &d));
	EXPECT_TRUE(all_zero(d.addr, 2 * PG));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
