// SPDX-License-Identifier: GPL-2.0
/* No page tail is wasted: later finalizes append into sealed pages. */
#include "jstest.h"

TEST(append_into_sealed_page)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem m[100];
	struct jitseal_pool_stats st;
	size_t total = 0;
	int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, jitseal_alloc(p, 100, 1, JITSEAL_CODE, &m[i]));
		if (i)
			EXPECT_EQ((char *)m[i - 1].addr + 100, (char *)m[i].addr);
		memset(m[i].stage, 0x90, 94);
		emit_ret_imm((uint8_t *)m[i].stage + 94, (uint32_t)i);
		ASSERT_EQ(0, jitseal_finalize(p, NULL));
		total += 100;
	}
	for (i = 0; i < 100; i++)
		EXPECT_EQ(i, ((fn_v)m[i].addr)());
	st = test_stats(p);
	EXPECT_EQ(total, st.sealed[JITSEAL_CODE]);
	EXPECT_EQ(total, st.used[JITSEAL_CODE]);
	/* 10000 bytes in ceil(10000 / page) pages: no tail wasted */
	EXPECT_EQ((total + page_size() - 1) / page_size(), st.pages);
	EXPECT_EQ(100, st.finalizes);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(rodata_packs_too)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem m;
	int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < 64; i++) {
		ASSERT_EQ(0, jitseal_alloc(p, 100, 1, JITSEAL_RODATA, &m));
		memset(m.stage, i, 100);
		ASSERT_EQ(0, jitseal_finalize(p, NULL));
		EXPECT_EQ(i, ((uint8_t *)m.addr)[99]);
	}
	EXPECT_EQ((6400 + page_size() - 1) / page_size(), test_stats(p).pages);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
