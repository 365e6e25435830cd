// SPDX-License-Identifier: GPL-2.0
/*
 * C6: pages live until the last fd and the last mapping are gone, and the
 * module cannot be unloaded while anything is alive.  The last tests unload
 * the module and load it again (JITSEAL_KO, or kmod/jitseal.ko of the tree
 * this binary was built in).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"

static uint64_t pools_base, bytes_base;

static void baseline(void)
{
	pools_base = js_stat("pools");
	bytes_base = js_stat("sealed_bytes");
}

/* A pool with 0x51 at offset 0, mapped read+exec. */
static int make_pool(uint8_t **map)
{
	int fd = js_pool(2 * JS_PAGE, 0);

	if (fd < 0)
		return fd;
	if (js_load_ret(fd, 0, 0x51)) {
		close(fd);
		return -1;
	}
	*map = js_map(fd, 2 * JS_PAGE, 0, PROT_READ | PROT_EXEC);
	if (!*map) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST(close_fd_while_mapped_code_runs)
{
	uint8_t *map;
	int fd;

	baseline();
	fd = make_pool(&map);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
	/* The mapping holds the pool. */
	EXPECT_EQ(pools_base + 1, js_stat("pools"));
	EXPECT_EQ(0x51, js_call(map));
	EXPECT_TRUE(js_is_trap(map + JS_RET_LEN, 16));
	ASSERT_EQ(0, munmap(map, 2 * JS_PAGE));
	EXPECT_EQ(pools_base, js_stat("pools"));
	EXPECT_EQ(bytes_base, js_stat("sealed_bytes"));
}

TEST(munmap_while_fd_open_pool_lives)
{
	struct jitseal_pool_info info;
	uint8_t *map;
	int fd;

	baseline();
	fd = make_pool(&map);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, munmap(map, 2 * JS_PAGE));
	EXPECT_EQ(pools_base + 1, js_stat("pools"));
	ASSERT_EQ(0, js_info(fd, &info));
	EXPECT_EQ(JS_RET_LEN, info.sealed_bytes);
	/* Load more without a mapping, then map again: all of it is there. */
	ASSERT_EQ(0, js_load_ret(fd, JS_PAGE, 0x52));
	map = js_map(fd, 2 * JS_PAGE, 0, PROT_READ | PROT_EXEC);
	ASSERT_NE(NULL, map);
	EXPECT_EQ(0x51, js_call(map));
	EXPECT_EQ(0x52, js_call(map + JS_PAGE));
	munmap(map, 2 * JS_PAGE);
	close(fd);
	EXPECT_EQ(pools_base, js_stat("pools"));
	EXPECT_EQ(bytes_base, js_stat("sealed_bytes"));
}

static int exit_with_everything_open(void *arg)
{
	uint8_t *map;
	int i, fd;

	(void)arg;
	for (i = 0; i < 4; i++) {
		fd = make_pool(&map);
		if (fd < 0 || js_call(map) != 0x51)
			return 1;
		if (js_map_fd(fd, 0) < 0)
			return 2;
	}
	return 0;	/* no close, no munmap */
}

TEST(child_exits_with_everything_open)
{
	baseline();
	ASSERT_EQ(0, js_in_child(exit_with_everything_open, NULL));
	EXPECT_EQ(pools_base, js_stat("pools"));
	EXPECT_EQ(bytes_base, js_stat("sealed_bytes"));
}

static int kill_me_mid_load(void *arg)
{
	static uint8_t code[8 << 20];
	struct jitseal_segment s = js_seg(code, 0, sizeof(code),
					  JITSEAL_PROT_RX);
	int fd;

	(void)arg;
	js_fill_ret(code, sizeof(code));
	for (;;) {	/* until killed, most likely in the middle of a copy */
		fd = js_pool(sizeof(code), 0);
		if (fd < 0 || js_load(fd, &s, 1, 0, NULL))
			return 1;
		close(fd);
	}
}

TEST(child_killed_during_loads_leaks_nothing)
{
	int status, i;
	pid_t pid;

	baseline();
	for (i = 0; i < 5; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(kill_me_mid_load(NULL));
		usleep(20000 * (i + 1));
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status));
	}
	EXPECT_EQ(pools_base, js_stat("pools"));
	EXPECT_EQ(bytes_base, js_stat("sealed_bytes"));
}

/* --- module unload --- */

static int delete_module(const char *name, int flags)
{
	return syscall(SYS_delete_module, name, flags) ? -errno : 0;
}

static int insert_module(struct __test_metadata *_metadata)
{
	char exe[PATH_MAX], path[PATH_MAX + 32];
	const char *ko = getenv("JITSEAL_KO");
	ssize_t n;
	int fd, ret;

	if (!ko) {
		/* build/lifetime_test -> ../../../kmod/jitseal.ko */
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			return -errno;
		exe[n] = 0;
		snprintf(path, sizeof(path), "%s/../../../kmod/jitseal.ko",
			 dirname(exe));
		ko = path;
	}
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		TH_LOG("%s: %s", ko, strerror(errno));
		return -errno;
	}
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

TEST(rmmod_refused_while_pool_alive)
{
	uint8_t *map;
	int fd, ret;

	fd = make_pool(&map);
	ASSERT_LE(0, fd);
	ret = delete_module("jitseal", O_NONBLOCK);
	if (ret == -ENOENT)
		SKIP(goto out, "jitseal is not a loaded module");
	EXPECT_EQ(-EWOULDBLOCK, ret);
	/* Only the mapping is left: still refused. */
	close(fd);
	EXPECT_EQ(-EWOULDBLOCK, delete_module("jitseal", O_NONBLOCK));
	EXPECT_EQ(0x51, js_call(map));
	/* Only a map-only fd is left: still refused. */
	fd = js_pool(JS_PAGE, 0);
	ASSERT_LE(0, fd);
	ret = js_map_fd(fd, 0);
	ASSERT_LE(0, ret);
	close(fd);
	fd = ret;
	munmap(map, 2 * JS_PAGE);
	map = NULL;
	EXPECT_EQ(-EWOULDBLOCK, delete_module("jitseal", O_NONBLOCK));
out:
	if (map)
		munmap(map, 2 * JS_PAGE);
	close(fd);
}

TEST(rmmod_succeeds_when_all_gone_and_reload_works)
{
	struct stat st;
	uint8_t *map;
	int ret, fd;

	/* Everything of every earlier test is gone. */
	ASSERT_EQ(0, js_stat("pools"));
	ASSERT_EQ(0, js_stat("sealed_bytes"));
	ASSERT_EQ(0, js_stat("pages"));
	ret = delete_module("jitseal", O_NONBLOCK);
	if (ret == -ENOENT)
		SKIP(return, "jitseal is not a loaded module");
	ASSERT_EQ(0, ret);
	EXPECT_NE(0, access(JITSEAL_DEVICE, F_OK));
	EXPECT_NE(0, access(JS_SYSFS, F_OK));

	ASSERT_EQ(0, insert_module(_metadata));
	ASSERT_EQ(0, stat(JITSEAL_DEVICE, &st));
	EXPECT_EQ(0660, st.st_mode & 07777);
	EXPECT_EQ(0, js_stat("pools"));
	fd = make_pool(&map);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0x51, js_call(map));
	munmap(map, 2 * JS_PAGE);
	close(fd);
}

TEST_HARNESS_MAIN
