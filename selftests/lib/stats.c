// SPDX-License-Identifier: GPL-2.0
/* Introspection: backend, statistics, module information. */
#include "jstest.h"

TEST(counters)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_pool_stats st;
	struct jitseal_mem m;
	int be;

	ASSERT_NE(NULL, p);
	be = jitseal_pool_backend(p);
	EXPECT_LE(JITSEAL_BACKEND_KMOD, be);
	EXPECT_GE(JITSEAL_BACKEND_MPROTECT, be);
	ASSERT_EQ(0, jitseal_alloc(p, 10, 1, JITSEAL_CODE, &m));
	memset(m.stage, 0xc3, 10);
	ASSERT_EQ(0, jitseal_alloc(p, 20, 1, JITSEAL_RODATA, &m));
	ASSERT_EQ(0, jitseal_alloc(p, 30, 1, JITSEAL_DATA, &m));
	st = test_stats(p);
	EXPECT_EQ(be, (int)st.backend);
	EXPECT_EQ(3, st.allocs);
	EXPECT_EQ(30, st.pending);
	EXPECT_EQ(10, st.used[JITSEAL_CODE]);
	EXPECT_EQ(20, st.used[JITSEAL_RODATA]);
	EXPECT_EQ(30, st.used[JITSEAL_DATA]);
	EXPECT_EQ(0, st.sealed[JITSEAL_CODE]);
	EXPECT_EQ(30, st.sealed[JITSEAL_DATA]);
	EXPECT_EQ(0, st.pages);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	st = test_stats(p);
	EXPECT_EQ(0, st.pending);
	EXPECT_EQ(10, st.sealed[JITSEAL_CODE]);
	EXPECT_EQ(20, st.sealed[JITSEAL_RODATA]);
	EXPECT_EQ(2, st.pages);
	EXPECT_EQ(1, st.finalizes);
	/* kmod: one LOAD; mprotect: one install; memfd: no syscall */
	EXPECT_EQ(be == JITSEAL_BACKEND_MEMFD ? 0 : 1, st.loads);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* An older, smaller stats struct gets only what it has room for. */
TEST(stats_sizes)
{
	struct jitseal_pool *p = test_pool();
	struct {
		struct jitseal_pool_stats st;
		uint64_t future;
	} big;
	struct jitseal_pool_stats small;

	ASSERT_NE(NULL, p);
	memset(&small, 0xff, sizeof(small));
	small.sz = offsetof(struct jitseal_pool_stats, regions);
	ASSERT_EQ(0, jitseal_pool_stats(p, &small));
	EXPECT_EQ(jitseal_pool_backend(p), (int)small.backend);
	EXPECT_EQ(UINT_MAX, small.regions);	/* untouched */
	memset(&big, 0xff, sizeof(big));
	big.st.sz = sizeof(big);
	ASSERT_EQ(0, jitseal_pool_stats(p, &big.st));
	EXPECT_EQ(1, big.st.regions);
	EXPECT_EQ(0, big.future);		/* zeroed */
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(module_info)
{
	struct jitseal_module_info mi = { .sz = sizeof(mi) };
	int err = jitseal_module_info(&mi);

	if (access("/dev/jitseal", F_OK)) {
		EXPECT_EQ(-ENODEV, err);
		return;
	}
	ASSERT_EQ(0, err);
	EXPECT_EQ(1, mi.api_version);
	EXPECT_NE(0, mi.features & 1);		/* JITSEAL_FEAT_LOAD */
	EXPECT_LE(1, mi.max_segments);
	EXPECT_EQ(page_size(), mi.page_size);
	EXPECT_LT(0, mi.max_load_bytes);
	TH_LOG("api %u features %#llx max_segments %u max_load %llu",
	       mi.api_version, (unsigned long long)mi.features,
	       mi.max_segments, (unsigned long long)mi.max_load_bytes);
}

TEST_HARNESS_MAIN
