// SPDX-License-Identifier: GPL-2.0
/* jitseal_alloc: staging vs final address, alignment, kinds, packing. */
#include "jstest.h"

TEST(stage_and_addr)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem m;
	fn_ii f;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, AFFINE_LEN, 16, JITSEAL_CODE, &m));
	EXPECT_NE(m.stage, m.addr);
	EXPECT_EQ(0, (uintptr_t)m.addr % 16);
	emit_affine(m.stage, 3, 4);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	f = (fn_ii)m.addr;
	EXPECT_EQ(3 * 5 + 4, f(5));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(alignments)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem m;
	size_t a;

	ASSERT_NE(NULL, p);
	for (a = 1; a <= (1UL << 21); a <<= 1) {
		ASSERT_EQ(0, jitseal_alloc(p, 3, a, JITSEAL_CODE, &m));
		EXPECT_EQ(0, (uintptr_t)m.addr % a);
		ASSERT_EQ(0, jitseal_alloc(p, 3, a, JITSEAL_RODATA, &m));
		EXPECT_EQ(0, (uintptr_t)m.addr % a);
		ASSERT_EQ(0, jitseal_alloc(p, 3, a, JITSEAL_DATA, &m));
		EXPECT_EQ(0, (uintptr_t)m.addr % a);
	}
	/* 0 means the default alignment, 16 */
	ASSERT_EQ(0, jitseal_alloc(p, 1, 0, JITSEAL_CODE, &m));
	ASSERT_EQ(0, jitseal_alloc(p, 1, 0, JITSEAL_CODE, &m));
	EXPECT_EQ(0, (uintptr_t)m.addr % 16);
	EXPECT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/*
 * Code starts on an instruction whatever @align says (4 bytes on arm64;
 * any byte on x86-64): odd sizes with align 1, fast path and slow path
 * (a new batch's first allocation), then a call to the last one.
 */
TEST(code_starts_on_an_instruction)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_batch *b;
	struct jitseal_mem m[8];
	fn_ii f;
	int i;

	ASSERT_NE(NULL, p);
	b = jitseal_batch_create(p);
	ASSERT_NE(NULL, b);
	for (i = 0; i < 7; i++) {
		ASSERT_EQ(0, jitseal_batch_alloc(b, 3 + 2 * i, 1, JITSEAL_CODE,
						 &m[i]));
		EXPECT_EQ(0, (uintptr_t)m[i].addr % JS_ARCH_INSN_ALIGN)
			TH_LOG("allocation %d at %p", i, m[i].addr);
	}
	ASSERT_EQ(0, jitseal_batch_alloc(b, AFFINE_LEN, 1, JITSEAL_CODE,
					 &m[7]));
	EXPECT_EQ(0, (uintptr_t)m[7].addr % JS_ARCH_INSN_ALIGN);
	emit_affine(m[7].stage, 2, 1);
	ASSERT_EQ(0, jitseal_batch_finalize(b, NULL));
	f = (fn_ii)m[7].addr;
	EXPECT_EQ(2 * 5 + 1, f(5));
	EXPECT_EQ(0, jitseal_batch_destroy(b));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(small_functions_share_pages)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem a, b;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &a));
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &b));
	EXPECT_EQ((char *)a.addr + RET_LEN, (char *)b.addr);
	EXPECT_EQ((char *)a.stage + RET_LEN, (char *)b.stage);
	emit_ret_imm(a.stage, 11);
	emit_ret_imm(b.stage, 22);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(11, ((fn_v)a.addr)());
	EXPECT_EQ(22, ((fn_v)b.addr)());
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* RW data is usable at once and stays writable after finalize. */
TEST(data_rw_at_once)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem d;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 4096, 64, JITSEAL_DATA, &d));
	EXPECT_EQ(d.stage, d.addr);
	memset(d.addr, 0x5a, 4096);
	EXPECT_EQ(0x5a, ((uint8_t *)d.addr)[4095]);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	((uint8_t *)d.addr)[0] = 1;
	EXPECT_EQ(1, ((uint8_t *)d.addr)[0]);
	EXPECT_EQ(0, write_faults(d.addr));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* Code is not there before finalize: the final address holds no staged byte. */
TEST(nothing_installed_before_finalize)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem a, b;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &a));
	emit_ret_imm(a.stage, 1);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &b));
	emit_ret_imm(b.stage, 2);
	/* same page, never written yet: the trap fill */
	EXPECT_EQ(trap_byte(b.addr), *(volatile uint8_t *)b.addr);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(0, memcmp(b.stage, b.addr, RET_LEN));
	EXPECT_EQ(2, ((fn_v)b.addr)());
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(alignment_gap_is_trap)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem a, b;
	int i;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &a));
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, 64, JITSEAL_CODE, &b));
	emit_ret_imm(a.stage, 1);
	emit_ret_imm(b.stage, 2);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	for (i = RET_LEN; (char *)a.addr + i < (char *)b.addr; i++)
		EXPECT_EQ(trap_byte((uint8_t *)a.addr + i),
			  ((volatile uint8_t *)a.addr)[i]);
	EXPECT_EQ(1, ((fn_v)a.addr)());
	EXPECT_EQ(2, ((fn_v)b.addr)());
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* Small gaps (filled on the fast path) are traps too, for every size 1..15. */
TEST(small_gaps_are_traps)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem m[32];
	int i, j;

	ASSERT_NE(NULL, p);
	for (i = 0; i < 32; i++) {
		/* 1..16 bytes, then aligned to 16: gaps of 15..0 bytes */
		ASSERT_EQ(0, jitseal_alloc(p, (size_t)(i % 16) + 1,
					   i % 2 ? 16 : 4, JITSEAL_CODE, &m[i]));
		ret_fill(m[i].stage, (size_t)(i % 16) + 1);
	}
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	for (i = 0; i + 1 < 32; i++) {
		const uint8_t *a = m[i].addr;

		for (j = i % 16 + 1; a + j < (const uint8_t *)m[i + 1].addr; j++)
			ASSERT_EQ(trap_byte(a + j), a[j])
				TH_LOG("gap after %d, byte %d", i, j);
		EXPECT_EQ(js_arch_fill_byte((uintptr_t)a, JS_ARCH_RET_INSN), a[0]);
	}
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(large_allocation)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem m;
	size_t len = 5 * page_size() + 124, i;
	uint8_t *s;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, len, 4096, JITSEAL_CODE, &m));
	s = m.stage;
	nop_fill(s, len);		/* nop sled ... */
	emit_ret_imm(s + len - RET_LEN, 77);	/* ... into return 77 */
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(77, ((fn_v)m.addr)());
	for (i = 0; i < len - RET_LEN; i += 997)
		EXPECT_EQ(js_arch_fill_byte((uintptr_t)m.addr + i, JS_ARCH_NOP_INSN),
			  ((uint8_t *)m.addr)[i]);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
