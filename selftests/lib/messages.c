// SPDX-License-Identifier: GPL-2.0
/*
 * One clear line for every misconfiguration (jitseal_pool_error()): an
 * unknown JITSEAL_BACKEND names the value and the valid ones (and is
 * printed on stderr); no sealing names /dev/jitseal, how to load the
 * module and the opt-in to a weaker backend; a weaker backend forced on
 * a pool that requires sealing says who forced it; a success leaves no
 * line.  Sets JITSEAL_BACKEND itself, so it runs under any.
 */
#include <fcntl.h>

#include "jstest.h"

static struct jitseal_pool *create(enum jitseal_sealing s,
				   enum jitseal_backend be)
{
	JITSEAL_OPTS(jitseal_pool_opts, o, .sealing = s, .backend = be);
	return jitseal_pool_create(&o);
}

static int has(const char *line, const char *what)
{
	return line && strstr(line, what);
}

TEST(unknown_backend_names_it_and_the_valid_ones)
{
	char buf[512] = "";
	int fds[2], saved;
	ssize_t n;

	ASSERT_EQ(0, setenv("JITSEAL_BACKEND", "memfdd", 1));
	ASSERT_EQ(0, pipe(fds));
	saved = dup(2);
	dup2(fds[1], 2);
	errno = 0;
	EXPECT_EQ(NULL, create(JITSEAL_SEALED_PREFERRED, 0));
	EXPECT_EQ(EINVAL, errno);
	dup2(saved, 2);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	EXPECT_TRUE(has(jitseal_pool_error(), "JITSEAL_BACKEND=memfdd is not a backend"));
	EXPECT_TRUE(has(jitseal_pool_error(), "kmod, memfd, mprotect or auto"));
	/* on stderr too, one line */
	ASSERT_GT(n, 0);
	buf[n] = '\0';
	EXPECT_TRUE(has(buf, "libjitseal: JITSEAL_BACKEND=memfdd is not a backend"));
	EXPECT_EQ(strchr(buf, '\n'), buf + n - 1);
	unsetenv("JITSEAL_BACKEND");
}

TEST(no_sealing_says_what_to_do)
{
	struct jitseal_pool *p;

	unsetenv("JITSEAL_BACKEND");
	if (access("/dev/jitseal", F_OK) == 0)
		SKIP(return, "/dev/jitseal exists: sealing is available");
	errno = 0;
	p = create(JITSEAL_SEALED_ONLY, 0);
	EXPECT_EQ(NULL, p);
	EXPECT_EQ(ENODEV, errno);
	EXPECT_TRUE(has(jitseal_pool_error(), "/dev/jitseal does not exist"));
	EXPECT_TRUE(has(jitseal_pool_error(), "modprobe jitseal"));
	EXPECT_TRUE(has(jitseal_pool_error(), "JITSEAL_SEALED_PREFERRED"));
	EXPECT_TRUE(has(jitseal_pool_error(), "JITSEAL_BACKEND=memfd"));
}

TEST(weaker_backend_forced_on_a_sealed_pool)
{
	unsetenv("JITSEAL_BACKEND");
	errno = 0;
	EXPECT_EQ(NULL, create(JITSEAL_SEALED_ONLY, JITSEAL_BACKEND_MEMFD));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_TRUE(has(jitseal_pool_error(), "the memfd backend does not seal"));
	EXPECT_TRUE(has(jitseal_pool_error(), "jitseal_pool_opts.backend asked for it"));
	ASSERT_EQ(0, setenv("JITSEAL_BACKEND", "mprotect", 1));
	errno = 0;
	EXPECT_EQ(NULL, create(JITSEAL_SEALED_ONLY, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_TRUE(has(jitseal_pool_error(), "the mprotect backend does not seal"));
	EXPECT_TRUE(has(jitseal_pool_error(), "JITSEAL_BACKEND asked for it"));
	unsetenv("JITSEAL_BACKEND");
}

TEST(bad_options_and_success)
{
	JITSEAL_OPTS(jitseal_pool_opts, o, .flags = 1U << 30,
		     .sealing = JITSEAL_SEALED_PREFERRED);
	struct jitseal_pool *p;

	unsetenv("JITSEAL_BACKEND");
	EXPECT_EQ(NULL, jitseal_pool_create(&o));
	EXPECT_TRUE(has(jitseal_pool_error(), "jitseal_pool_opts: unknown sealing, backend or flags"));
	p = create(JITSEAL_SEALED_PREFERRED, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(NULL, jitseal_pool_error());
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
