// SPDX-License-Identifier: GPL-2.0
/*
 * A pool that requires sealing never silently gets a weaker backend:
 * -ENODEV without the module, -EOPNOTSUPP when a weaker one is forced.
 */
#include "jstest.h"

static int have_module(void)
{
	return access("/dev/jitseal", F_OK) == 0;
}

TEST(sealed_only_auto)
{
	JITSEAL_OPTS(jitseal_pool_opts, o);
	struct jitseal_pool *p;
	int err;

	unsetenv("JITSEAL_BACKEND");
	p = jitseal_pool_create(&o);
	err = errno;
	if (have_module()) {
		ASSERT_NE(NULL, p) TH_LOG("%s", strerror(errno));
		EXPECT_EQ(JITSEAL_BACKEND_KMOD, jitseal_pool_backend(p));
		EXPECT_EQ(0, jitseal_pool_destroy(p));
	} else {
		EXPECT_EQ(NULL, p);
		EXPECT_EQ(ENODEV, err);
	}
}

TEST(sealed_only_forced_weaker)
{
	JITSEAL_OPTS(jitseal_pool_opts, o);

	setenv("JITSEAL_BACKEND", "memfd", 1);
	errno = 0;
	EXPECT_EQ(NULL, jitseal_pool_create(&o));
	EXPECT_EQ(EOPNOTSUPP, errno);
	setenv("JITSEAL_BACKEND", "mprotect", 1);
	EXPECT_EQ(NULL, jitseal_pool_create(&o));
	EXPECT_EQ(EOPNOTSUPP, errno);
	unsetenv("JITSEAL_BACKEND");
	o.backend = JITSEAL_BACKEND_MEMFD;
	EXPECT_EQ(NULL, jitseal_pool_create(&o));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST(sealed_only_forced_kmod)
{
	JITSEAL_OPTS(jitseal_pool_opts, o);
	struct jitseal_pool *p;
	int err;

	setenv("JITSEAL_BACKEND", "kmod", 1);
	p = jitseal_pool_create(&o);
	err = errno;
	if (have_module()) {
		ASSERT_NE(NULL, p);
		EXPECT_EQ(0, jitseal_pool_destroy(p));
	} else {
		EXPECT_EQ(NULL, p);
		EXPECT_EQ(ENODEV, err);
	}
}

/* Fallback allowed: AUTO picks kmod if present, else memfd. */
TEST(preferred_auto)
{
	JITSEAL_OPTS(jitseal_pool_opts, o, .sealing = JITSEAL_SEALED_PREFERRED);
	struct jitseal_pool *p;

	unsetenv("JITSEAL_BACKEND");
	p = jitseal_pool_create(&o);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(have_module() ? JITSEAL_BACKEND_KMOD : JITSEAL_BACKEND_MEMFD,
		  jitseal_pool_backend(p));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* The environment overrides opts.backend (for tests and benchmarks). */
TEST(env_overrides_opts)
{
	JITSEAL_OPTS(jitseal_pool_opts, o, .sealing = JITSEAL_SEALED_PREFERRED,
		     .backend = JITSEAL_BACKEND_MEMFD);
	struct jitseal_pool *p;

	setenv("JITSEAL_BACKEND", "mprotect", 1);
	p = jitseal_pool_create(&o);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(JITSEAL_BACKEND_MPROTECT, jitseal_pool_backend(p));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	unsetenv("JITSEAL_BACKEND");
	p = jitseal_pool_create(&o);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(JITSEAL_BACKEND_MEMFD, jitseal_pool_backend(p));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
