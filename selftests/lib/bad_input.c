// SPDX-License-Identifier: GPL-2.0
/* Bad input: a clear negative errno, never a crash. */
#include "jstest.h"

TEST(alloc_sizes)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem m;

	ASSERT_NE(NULL, p);
	EXPECT_EQ(-EINVAL, jitseal_alloc(p, 0, 16, JITSEAL_CODE, &m));
	EXPECT_EQ(-E2BIG, jitseal_alloc(p, SIZE_MAX, 16, JITSEAL_CODE, &m));
	EXPECT_EQ(-E2BIG, jitseal_alloc(p, SIZE_MAX - 15, 16, JITSEAL_CODE, &m));
	EXPECT_EQ(-E2BIG, jitseal_alloc(p, (1UL << 30) + 1, 1, JITSEAL_DATA, &m));
	EXPECT_EQ(-E2BIG, jitseal_alloc(p, SIZE_MAX / 2 + 2, 1, JITSEAL_RODATA, &m));
	EXPECT_EQ(0, test_stats(p).allocs);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(alloc_alignments)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem m;

	ASSERT_NE(NULL, p);
	EXPECT_EQ(-EINVAL, jitseal_alloc(p, 8, 3, JITSEAL_CODE, &m));
	EXPECT_EQ(-EINVAL, jitseal_alloc(p, 8, 24, JITSEAL_CODE, &m));
	EXPECT_EQ(-EINVAL, jitseal_alloc(p, 8, SIZE_MAX, JITSEAL_CODE, &m));
	EXPECT_EQ(-EINVAL, jitseal_alloc(p, 8, 1UL << 22, JITSEAL_CODE, &m));
	EXPECT_EQ(-EINVAL, jitseal_alloc(p, 8, (size_t)1 << 63, JITSEAL_CODE, &m));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(alloc_kind_and_out)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem m;

	ASSERT_NE(NULL, p);
	EXPECT_EQ(-EINVAL, jitseal_alloc(p, 8, 8, (enum jitseal_kind)3, &m));
	EXPECT_EQ(-EINVAL, jitseal_alloc(p, 8, 8, (enum jitseal_kind)-1, &m));
	EXPECT_EQ(-EINVAL, jitseal_alloc(p, 8, 8, JITSEAL_CODE, NULL));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(null_pool)
{
	struct jitseal_pool_stats st = { .sz = sizeof(st) };
	struct jitseal_mem m;
	void *addr;

	EXPECT_EQ(-EINVAL, jitseal_pool_destroy(NULL));
	EXPECT_EQ(-EINVAL, jitseal_alloc(NULL, 8, 8, JITSEAL_CODE, &m));
	EXPECT_EQ(-EINVAL, jitseal_finalize(NULL, NULL));
	EXPECT_EQ(-EINVAL, jitseal_discard(NULL));
	EXPECT_EQ(-EINVAL, jitseal_pool_stats(NULL, &st));
	EXPECT_EQ(-EINVAL, jitseal_pool_backend(NULL));
	EXPECT_EQ(-EINVAL, jitseal_pool_export(NULL, 0, &addr));
}

TEST(use_after_destroy)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_pool_stats st = { .sz = sizeof(st) };
	struct jitseal_mem m;
	void *addr;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_pool_destroy(p));
	EXPECT_EQ(-EBADF, jitseal_pool_destroy(p));
	EXPECT_EQ(-EBADF, jitseal_alloc(p, 8, 8, JITSEAL_CODE, &m));
	EXPECT_EQ(-EBADF, jitseal_finalize(p, NULL));
	EXPECT_EQ(-EBADF, jitseal_discard(p));
	EXPECT_EQ(-EBADF, jitseal_pool_stats(p, &st));
	EXPECT_EQ(-EBADF, jitseal_pool_backend(p));
	EXPECT_EQ(-EBADF, jitseal_pool_export(p, 0, &addr));
	EXPECT_EQ(NULL, jitseal_batch_create(p));
	EXPECT_EQ(EBADF, errno);
}

/*
 * A destroyed pool or batch stays detectable whatever is created after
 * it: a stale pointer never reaches a newer object (once, the next pool
 * got the destroyed one's address and a stale call allocated into it).
 * 600 of each cross the library's storage blocks.
 */
TEST(stale_never_reaches_new_object)
{
	enum { N = 600 };
	static struct jitseal_pool *dead[N];
	static struct jitseal_batch *dead_b[N];
	struct jitseal_pool *p, *live = test_pool();
	struct jitseal_batch *b;
	struct jitseal_mem m;
	int i;

	ASSERT_NE(NULL, live);
	for (i = 0; i < N; i++) {
		b = jitseal_batch_create(live);
		ASSERT_NE(NULL, b);
		ASSERT_EQ(0, jitseal_batch_destroy(b));
		dead_b[i] = b;
	}
	for (i = 0; i < N; i++) {
		p = test_pool_flags(page_size(), page_size(), page_size(), 0);
		ASSERT_NE(NULL, p);
		ASSERT_EQ(0, jitseal_pool_destroy(p));
		dead[i] = p;
	}
	p = test_pool();
	b = jitseal_batch_create(p);
	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, b);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(-EBADF, jitseal_alloc(dead[i], 8, 8, JITSEAL_CODE,
						&m));
		ASSERT_EQ(-EBADF, jitseal_pool_destroy(dead[i]));
		ASSERT_EQ(-EBADF, jitseal_batch_alloc(dead_b[i], 8, 8,
						      JITSEAL_CODE, &m));
		ASSERT_EQ(-EBADF, jitseal_batch_destroy(dead_b[i]));
	}
	EXPECT_EQ(0, test_stats(p).allocs);
	EXPECT_EQ(0, test_stats(live).allocs);
	EXPECT_EQ(0, jitseal_batch_destroy(b));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	EXPECT_EQ(0, jitseal_pool_destroy(live));
}

TEST(stats_bad)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_pool_stats st = { .sz = 4 };

	ASSERT_NE(NULL, p);
	EXPECT_EQ(-EINVAL, jitseal_pool_stats(p, NULL));
	EXPECT_EQ(-EINVAL, jitseal_pool_stats(p, &st));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(module_info_bad)
{
	struct jitseal_module_info mi = { .sz = 0 };

	EXPECT_EQ(-EINVAL, jitseal_module_info(NULL));
	EXPECT_EQ(-EINVAL, jitseal_module_info(&mi));
}

TEST(share_bad)
{
	struct jitseal_mapping map = { .sz = sizeof(map) };
	int fd;

	EXPECT_EQ(-EINVAL, jitseal_attach(-1, NULL, &map));
	EXPECT_EQ(-EINVAL, jitseal_attach(0, NULL, NULL));
	EXPECT_EQ(-EINVAL, jitseal_attach(0, (void *)0x1001, &map));
	EXPECT_EQ(-EINVAL, jitseal_detach(NULL));
	EXPECT_EQ(-EINVAL, jitseal_detach(&map));	/* nothing attached */
	/* not a jitseal fd */
	fd = memfd_create("x", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EOPNOTSUPP, jitseal_attach(fd, NULL, &map));
	close(fd);
}

TEST(bad_env)
{
	JITSEAL_OPTS(jitseal_pool_opts, o, .sealing = JITSEAL_SEALED_PREFERRED);

	setenv("JITSEAL_BACKEND", "bogus", 1);
	errno = 0;
	EXPECT_EQ(NULL, jitseal_pool_create(&o));
	EXPECT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
