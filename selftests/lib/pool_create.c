// SPDX-License-Identifier: GPL-2.0
/* jitseal_pool_create/destroy, options handling, backend selection. */
#include "jstest.h"

TEST(defaults)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_pool_stats st;

	ASSERT_NE(NULL, p) TH_LOG("create: %s", strerror(errno));
	TH_LOG("backend %s", test_backend(p));
	st = test_stats(p);
	EXPECT_EQ(1, st.regions);
	EXPECT_EQ(2UL << 20, st.reserved[JITSEAL_CODE]);
	EXPECT_EQ(512UL << 10, st.reserved[JITSEAL_RODATA]);
	EXPECT_EQ(512UL << 10, st.reserved[JITSEAL_DATA]);
	EXPECT_EQ(0, st.used[JITSEAL_CODE]);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(sizes_rounded_to_pages)
{
	struct jitseal_pool *p = test_pool_flags(1, 1, 1, 0);
	struct jitseal_pool_stats st;

	ASSERT_NE(NULL, p);
	st = test_stats(p);
	EXPECT_EQ(page_size(), st.reserved[JITSEAL_CODE]);
	EXPECT_EQ(page_size(), st.reserved[JITSEAL_RODATA]);
	EXPECT_EQ(page_size(), st.reserved[JITSEAL_DATA]);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(layout_contiguous)
{
	struct jitseal_pool *p = test_pool_flags(1 << 16, 1 << 16, 1 << 16, 0);
	struct jitseal_mem c, r, d;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 1, 1, JITSEAL_CODE, &c));
	ASSERT_EQ(0, jitseal_alloc(p, 1, 1, JITSEAL_RODATA, &r));
	ASSERT_EQ(0, jitseal_alloc(p, 1, 1, JITSEAL_DATA, &d));
	/* code | rodata | data in one reservation */
	EXPECT_EQ((char *)c.addr + (1 << 16), (char *)r.addr);
	EXPECT_EQ((char *)r.addr + (1 << 16), (char *)d.addr);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* An older caller's smaller struct: fields it lacks take defaults. */
TEST(opts_smaller_struct)
{
	struct jitseal_pool_opts o;
	struct jitseal_pool *p;

	memset(&o, 0, sizeof(o));
	o.sz = offsetof(struct jitseal_pool_opts, sealing);
	o.code_size = 1 << 16;
	o.sealing = 99;		/* beyond sz: must be ignored */
	p = jitseal_pool_create(&o);
	/* the default, sealed-only, applies */
	if (p) {
		EXPECT_EQ(JITSEAL_BACKEND_KMOD, jitseal_pool_backend(p));
		EXPECT_EQ(0, jitseal_pool_destroy(p));
	} else {
		EXPECT_TRUE(errno == ENODEV || errno == EOPNOTSUPP);
	}
}

/* A newer caller's larger struct: fine while the unknown tail is zero. */
TEST(opts_larger_struct)
{
	struct {
		struct jitseal_pool_opts o;
		uint64_t future[2];
	} big;
	struct jitseal_pool *p;

	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.o.sealing = JITSEAL_SEALED_PREFERRED;
	p = jitseal_pool_create(&big.o);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, jitseal_pool_destroy(p));

	big.future[1] = 1;
	errno = 0;
	EXPECT_EQ(NULL, jitseal_pool_create(&big.o));
	EXPECT_EQ(EINVAL, errno);
}

TEST(opts_bad_values)
{
	JITSEAL_OPTS(jitseal_pool_opts, o, .sealing = JITSEAL_SEALED_PREFERRED);

	o.sz = 1;
	errno = 0;
	EXPECT_EQ(NULL, jitseal_pool_create(&o));
	EXPECT_EQ(EINVAL, errno);
	o.sz = sizeof(o);

	o.sealing = 2;
	EXPECT_EQ(NULL, jitseal_pool_create(&o));
	EXPECT_EQ(EINVAL, errno);
	o.sealing = JITSEAL_SEALED_PREFERRED;

	o.backend = 4;
	EXPECT_EQ(NULL, jitseal_pool_create(&o));
	EXPECT_EQ(EINVAL, errno);
	o.backend = 0;

	o.flags = 1U << 31;
	EXPECT_EQ(NULL, jitseal_pool_create(&o));
	EXPECT_EQ(EINVAL, errno);
	o.flags = 0;

	o.code_size = SIZE_MAX;
	EXPECT_EQ(NULL, jitseal_pool_create(&o));
	EXPECT_EQ(E2BIG, errno);
	o.code_size = 0;
	o.data_size = (size_t)1 << 40;
	EXPECT_EQ(NULL, jitseal_pool_create(&o));
	EXPECT_EQ(E2BIG, errno);
}

/* NULL opts means defaults, and the default requires sealing. */
TEST(null_opts_requires_sealing)
{
	struct jitseal_pool *p = jitseal_pool_create(NULL);

	if (p) {
		EXPECT_EQ(JITSEAL_BACKEND_KMOD, jitseal_pool_backend(p));
		EXPECT_EQ(0, jitseal_pool_destroy(p));
	} else {
		EXPECT_TRUE(errno == ENODEV || errno == EOPNOTSUPP)
			TH_LOG("errno %d", errno);
	}
}

TEST(many_pools_independent)
{
	struct jitseal_pool *p[16];
	fn_ii f[16];
	int i;

	for (i = 0; i < 16; i++) {
		p[i] = test_pool_flags(1 << 16, 1 << 12, 1 << 12, 0);
		ASSERT_NE(NULL, p[i]);
		f[i] = stage_affine(p[i], 1, i);
		ASSERT_NE(NULL, f[i]);
		ASSERT_EQ(0, jitseal_finalize(p[i], NULL));
	}
	/* destroying one pool leaves the others untouched */
	for (i = 0; i < 16; i += 2)
		EXPECT_EQ(0, jitseal_pool_destroy(p[i]));
	for (i = 1; i < 16; i += 2)
		EXPECT_EQ(100 + i, f[i](100));
	for (i = 1; i < 16; i += 2)
		EXPECT_EQ(0, jitseal_pool_destroy(p[i]));
}

TEST(destroy_unmaps)
{
	struct jitseal_pool *p = test_pool();
	fn_ii f;

	ASSERT_NE(NULL, p);
	f = stage_affine(p, 2, 0);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(42, f(21));
	ASSERT_EQ(0, jitseal_pool_destroy(p));
	EXPECT_EQ(1, read_faults((void *)f));
}

TEST(backend_names)
{
	EXPECT_STREQ("auto", jitseal_backend_name(JITSEAL_BACKEND_AUTO));
	EXPECT_STREQ("kmod", jitseal_backend_name(JITSEAL_BACKEND_KMOD));
	EXPECT_STREQ("memfd", jitseal_backend_name(JITSEAL_BACKEND_MEMFD));
	EXPECT_STREQ("mprotect", jitseal_backend_name(JITSEAL_BACKEND_MPROTECT));
	EXPECT_EQ(NULL, jitseal_backend_name((enum jitseal_backend)9));
}

TEST(backend_env_honoured)
{
	const char *env = getenv("JITSEAL_BACKEND");
	struct jitseal_pool *p;

	if (!env || !*env || !strcmp(env, "auto"))
		SKIP(return, "JITSEAL_BACKEND not set");
	p = test_pool();
	ASSERT_NE(NULL, p);
	EXPECT_STREQ(env, test_backend(p));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
