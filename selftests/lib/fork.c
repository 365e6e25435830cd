// SPDX-License-Identifier: GPL-2.0
/*
 * fork: the child keeps the sealed code (and can run it) but never gets
 * a writable view of it.  For memfd this is MADV_DONTFORK on the alias.
 */
#include "jstest.h"

/* Writable mappings of pool memory (memfd alias or /dev/jitseal). */
static int writable_pool_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perms[8];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %7s", perms) != 1)
			continue;
		if (perms[1] == 'w' &&
		    (strstr(line, "memfd:jitseal") || strstr(line, "/dev/jitseal")))
			n++;
	}
	fclose(f);
	return n;
}

/* Open fds on a jitseal memfd (it can be mapped writable again). */
static int memfd_fds(void)
{
	char path[64], link[256];
	int fd, n = 0;
	ssize_t len;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = '\0';
		if (strstr(link, "memfd:jitseal"))
			n++;
	}
	return n;
}

TEST(child_runs_code_without_writable_alias)
{
	struct jitseal_pool *p = test_pool();
	int status, parent_w;
	pid_t pid;
	fn_ii f;

	ASSERT_NE(NULL, p);
	f = stage_affine(p, 3, 3);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	parent_w = writable_pool_maps();
	TH_LOG("%s: %d writable pool mapping(s) in the parent", test_backend(p),
	       parent_w);
	if (jitseal_pool_backend(p) == JITSEAL_BACKEND_MEMFD) {
		EXPECT_LE(1, parent_w);
	} else {
		EXPECT_EQ(0, parent_w);
	}
	EXPECT_EQ(0, memfd_fds());
	pid = fork();
	if (pid == 0) {
		if (writable_pool_maps() != 0)
			_exit(10);
		if (memfd_fds() != 0)
			_exit(12);
		if (f(4) != 15)
			_exit(11);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1, write_faults((void *)f));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/* The child's copy of the library state can finalize into its own pool. */
TEST(child_pool_independent)
{
	struct jitseal_pool *p = test_pool();
	int status;
	pid_t pid;
	fn_ii f;

	ASSERT_NE(NULL, p);
	f = stage_affine(p, 1, 1);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	pid = fork();
	if (pid == 0) {
		struct jitseal_pool *q = test_pool();
		fn_ii g;

		if (!q)
			_exit(20);
		g = stage_affine(q, 1, 2);
		if (!g || jitseal_finalize(q, NULL))
			_exit(21);
		if (g(1) != 3 || f(1) != 2)
			_exit(22);
		_exit(jitseal_pool_destroy(q) ? 23 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(2, f(1));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

/*
 * The parent's pool in a child: finalize refuses (-ECHILD) instead of
 * writing into pages it shares with the parent (or, with memfd, through
 * an alias it does not have); destroying the child's copy leaves the
 * parent's pool intact.
 */
TEST(child_cannot_finalize_parent_pool)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mem m;
	int status;
	pid_t pid;
	fn_ii f;

	ASSERT_NE(NULL, p);
	f = stage_affine(p, 5, 0);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	pid = fork();
	if (pid == 0) {
		if (jitseal_alloc(p, RET_LEN, 16, JITSEAL_CODE, &m))
			_exit(30);
		emit_ret_imm(m.stage, 1);
		if (jitseal_finalize(p, NULL) != -ECHILD)
			_exit(31);
		if (f(2) != 10)
			_exit(32);
		_exit(jitseal_pool_destroy(p) ? 33 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(10, f(2));
	f = stage_affine(p, 6, 0);
	ASSERT_NE(NULL, f);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(12, f(2));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
