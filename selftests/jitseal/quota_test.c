// SPDX-License-Identifier: GPL-2.0
/*
 * C5: pool size, per-user pools and per-user sealed bytes come from the
 * policy, and pages are charged to the caller's memory cgroup.  Over a
 * limit the call fails with a clear errno and nothing leaks; after freeing
 * the same call succeeds.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"

static const char * const knobs[] = {
	"max_pool_bytes", "max_user_bytes", "max_user_pools",
};

FIXTURE(quota) {
	char saved[3][32];
};

FIXTURE_SETUP(quota)
{
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, js_sysfs_read(knobs[i], self->saved[i],
					   sizeof(self->saved[i])));
}

FIXTURE_TEARDOWN(quota)
{
	int i;

	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, js_sysfs_write(knobs[i], self->saved[i]));
}

static int set_knob(const char *name, unsigned long long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", val);
	return js_sysfs_write(name, buf);
}

TEST_F(quota, max_pool_bytes_gives_enospc)
{
	struct jitseal_version v = { .size = sizeof(v) };
	uint64_t rejects = js_stat("rejects/quota");
	int fd;

	ASSERT_EQ(0, set_knob("max_pool_bytes", 2 * JS_PAGE));
	fd = js_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, JITSEAL_IOC_VERSION, &v));
	EXPECT_EQ(2 * JS_PAGE, v.max_pool_bytes);
	EXPECT_EQ(-ENOSPC, js_setup(fd, 3 * JS_PAGE, 0));
	EXPECT_EQ(-ENOSPC, js_setup(fd, 2 * JS_PAGE, JS_PAGE));
	EXPECT_EQ(rejects + 2, js_stat("rejects/quota"));
	/* At the limit is fine; and the fd can still be set up. */
	EXPECT_EQ(0, js_setup(fd, JS_PAGE, JS_PAGE));
	close(fd);

	ASSERT_EQ(0, set_knob("max_pool_bytes", 3 * JS_PAGE));
	fd = js_pool(3 * JS_PAGE, 0);
	EXPECT_LE(0, fd);
	close(fd);
}

TEST_F(quota, largest_pool_works)
{
	struct jitseal_pool_info info;
	uint64_t top = 4ULL << 30;
	uint8_t *last;
	int fd;

	ASSERT_EQ(0, set_knob("max_pool_bytes", top));
	EXPECT_EQ(-EINVAL, set_knob("max_pool_bytes", top + JS_PAGE));
	fd = js_pool(top - JS_PAGE, JS_PAGE);
	ASSERT_LE(0, fd);
	/* Only the pages that are loaded exist. */
	ASSERT_EQ(0, js_load_ret(fd, top - 2 * JS_PAGE + 100, 0x77));
	ASSERT_EQ(0, js_info(fd, &info));
	EXPECT_EQ(1, info.pages);
	last = js_map(fd, JS_PAGE, top - 2 * JS_PAGE, PROT_READ | PROT_EXEC);
	ASSERT_NE(NULL, last);
	EXPECT_EQ(0x77, js_call(last + 100));
	munmap(last, JS_PAGE);
	close(fd);
}

TEST_F(quota, max_user_pools_gives_edquot)
{
	uint64_t pools = js_stat("pools");
	int fd[3], i;

	/* This test is the only holder of pools: all are root's. */
	ASSERT_EQ(0, pools);
	ASSERT_EQ(0, set_knob("max_user_pools", 2));
	for (i = 0; i < 2; i++) {
		fd[i] = js_pool(JS_PAGE, 0);
		ASSERT_LE(0, fd[i]);
	}
	fd[2] = js_open();
	ASSERT_LE(0, fd[2]);
	EXPECT_EQ(-EDQUOT, js_setup(fd[2], JS_PAGE, 0));
	EXPECT_EQ(2, js_stat("pools"));
	/* A map-only fd is no new pool. */
	i = js_map_fd(fd[0], 0);
	EXPECT_LE(0, i);
	close(i);

	close(fd[0]);
	EXPECT_EQ(0, js_setup(fd[2], JS_PAGE, 0));
	close(fd[1]);
	close(fd[2]);
}

static int setup_as_nobody(void *arg)
{
	int fd = *(int *)arg;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 10;
	/* Charged to uid 65534, who has no pool yet. */
	return js_setup(fd, JS_PAGE, 0) ? 1 : 0;
}

TEST_F(quota, pool_quota_is_per_user)
{
	int fd, other;

	ASSERT_EQ(0, set_knob("max_user_pools", 1));
	fd = js_pool(JS_PAGE, 0);
	ASSERT_LE(0, fd);
	other = js_open();
	ASSERT_LE(0, other);
	EXPECT_EQ(-EDQUOT, js_setup(other, JS_PAGE, 0));
	/* The device was opened as root; SETUP runs as uid 65534. */
	EXPECT_EQ(0, js_in_child(setup_as_nobody, &other));
	close(other);
	close(fd);
}

TEST_F(quota, max_user_bytes_gives_edquot)
{
	static uint8_t code[2 * 4096];
	struct jitseal_pool_info before, after;
	struct jitseal_segment s;
	int a, b;

	ASSERT_EQ(0, set_knob("max_user_bytes", sizeof(code)));
	js_fill_ret(code, sizeof(code));
	a = js_pool(4 * JS_PAGE, 0);
	ASSERT_LE(0, a);
	b = js_pool(4 * JS_PAGE, 0);
	ASSERT_LE(0, b);

	s = js_seg(code, 0, sizeof(code) - 1, JITSEAL_PROT_RX);
	ASSERT_EQ(0, js_load(a, &s, 1, 0, NULL));
	ASSERT_EQ(0, js_info(a, &before));
	/* Exactly at the limit. */
	s = js_seg(code, sizeof(code) - 1, 1, JITSEAL_PROT_RX);
	ASSERT_EQ(0, js_load(a, &s, 1, 0, NULL));
	ASSERT_EQ(0, js_info(a, &before));
	s = js_seg(code, sizeof(code), 1, JITSEAL_PROT_RX);
	EXPECT_EQ(-EDQUOT, js_load(a, &s, 1, 0, NULL));
	ASSERT_EQ(0, js_info(a, &after));
	EXPECT_EQ(before.sealed_bytes, after.sealed_bytes);
	EXPECT_EQ(before.pages, after.pages);
	/* The limit is per user, across pools. */
	s = js_seg(code, 0, 1, JITSEAL_PROT_RX);
	EXPECT_EQ(-EDQUOT, js_load(b, &s, 1, 0, NULL));

	/* Freeing a pool returns its bytes. */
	close(a);
	EXPECT_EQ(0, js_load(b, &s, 1, 0, NULL));
	s = js_seg(code, 1, sizeof(code) - 1, JITSEAL_PROT_RX);
	EXPECT_EQ(0, js_load(b, &s, 1, 0, NULL));
	close(b);
	EXPECT_EQ(0, js_stat("sealed_bytes"));
}

/* --- memory cgroup --- */

#define CG_ROOT		"/sys/fs/cgroup"
#define CG_LIMIT	(16UL << 20)
#define CG_POOL		(64UL << 20)
#define CG_CHUNK	(256UL << 10)

/*
 * A memory cgroup of the caller's own in @cg; *@enabled when the memory
 * controller had to be enabled for it.  0, -ENODEV without one, -errno.
 */
static int cg_create(char *cg, size_t len, bool *enabled)
{
	char buf[256];

	*enabled = false;
	if (js_cg_read(CG_ROOT, "cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory"))
		return -ENODEV;
	if (js_cg_read(CG_ROOT, "cgroup.subtree_control", buf, sizeof(buf)))
		return -EIO;
	if (!strstr(buf, "memory")) {
		if (js_cg_write(CG_ROOT, "cgroup.subtree_control", "+memory"))
			return -EIO;
		*enabled = true;
	}
	snprintf(cg, len, CG_ROOT "/jitseal-test-%d", getpid());
	return mkdir(cg, 0755) ? -errno : 0;
}

/* Remove @cg once its last task is gone (which takes a moment). */
static int cg_remove(const char *cg, bool enabled)
{
	int i;

	for (i = 0; i < 50 && rmdir(cg); i++)
		usleep(100000);
	if (enabled)
		js_cg_write(CG_ROOT, "cgroup.subtree_control", "-memory");
	return i < 50 ? 0 : -errno;
}

struct cg_result {
	int err;		/* errno of the failed load */
	uint64_t loaded;	/* bytes sealed before it */
	uint64_t sealed_after;	/* pool info after the failure */
	uint64_t pages_after;
	uint64_t pages_before;
	int stage;
};

/*
 * In the child: everything that needs memory is set up before it joins the
 * cgroup, so that only the pool pages are charged there and the results
 * page needs no new memory.
 */
static void cg_child(const char *cg, struct cg_result *r)
{
	static uint8_t code[CG_CHUNK];
	struct jitseal_pool_info info;
	struct jitseal_segment s;
	int fd, ret;

	js_fill_ret(code, sizeof(code));
	fd = js_pool(CG_POOL, 0);
	if (fd < 0)
		_exit(1);
	r->stage = 1;
	if (js_cg_write(cg, "cgroup.procs", "0"))
		_exit(2);
	r->stage = 2;
	for (r->loaded = 0; r->loaded < CG_POOL; r->loaded += CG_CHUNK) {
		s = js_seg(code, r->loaded, CG_CHUNK, JITSEAL_PROT_RX);
		ret = js_load(fd, &s, 1, 0, NULL);
		if (ret) {
			r->err = -ret;
			break;
		}
		if (js_info(fd, &info))
			_exit(3);
		r->pages_before = info.pages;
	}
	if (js_info(fd, &info))
		_exit(4);
	r->sealed_after = info.sealed_bytes;
	r->pages_after = info.pages;
	_exit(0);
}

TEST_F_TIMEOUT(quota, memcg_limit_gives_enomem_and_leaks_nothing, 120)
{
	uint64_t nomem = js_stat("rejects/nomem");
	char cg[64], buf[256], val[32];
	bool enabled_memory = false;
	struct cg_result *r;
	int status, ret;
	pid_t pid;

	ret = cg_create(cg, sizeof(cg), &enabled_memory);
	if (ret == -ENODEV)
		SKIP(return, "no cgroup v2 memory controller");
	ASSERT_EQ(0, ret);
	snprintf(val, sizeof(val), "%lu", CG_LIMIT);
	ASSERT_EQ(0, js_cg_write(cg, "memory.max", val));
	js_cg_write(cg, "memory.swap.max", "0");

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	memset(r, 0, sizeof(*r));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		cg_child(cg, r);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* Not OOM-killed: the failure came back as an error. */
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child killed by signal %d at stage %d",
					      WTERMSIG(status), r->stage);
	ASSERT_EQ(0, WEXITSTATUS(status));

	TH_LOG("sealed %llu bytes under a %lu byte limit before ENOMEM",
	       (unsigned long long)r->loaded, CG_LIMIT);
	EXPECT_EQ(ENOMEM, r->err);
	EXPECT_EQ(nomem + 1, js_stat("rejects/nomem"));
	EXPECT_LT(0, r->loaded);
	EXPECT_GE(CG_LIMIT, r->loaded);
	/* The failed load changed nothing. */
	EXPECT_EQ(r->loaded, r->sealed_after);
	EXPECT_EQ(r->pages_before, r->pages_after);

	/* With the child gone, its pages are uncharged and freed. */
	EXPECT_EQ(0, js_stat("pools"));
	EXPECT_EQ(0, js_stat("pages"));
	ASSERT_EQ(0, js_cg_read(cg, "memory.current", buf, sizeof(buf)));
	EXPECT_GT(2UL << 20, strtoull(buf, NULL, 10))
		TH_LOG("memory.current %s after the child exited", buf);

	EXPECT_EQ(0, cg_remove(cg, enabled_memory));
	munmap(r, sizeof(*r));
}

/*
 * Empty pools cost a bounded few KiB each, not memory per reserved page
 * (issue 20: 512 KiB of page-pointer array per empty 256 MiB pool, so 1024
 * pools per user held 512 MiB with nothing sealed).  Charged to the memory
 * cgroup: the child's cgroup sees all of it.
 */
/*
 * memory.current moves in per-CPU batches of 64 pages: over 512 pools that
 * is 512 bytes per pool of resolution.
 */
#define EMPTY_POOLS	512
#define EMPTY_BOUND	(16UL << 10)	/* per pool: file, handle, pool */

static void empty_pools_child(const char *cg, uint64_t *cost)
{
	char buf[64];
	uint64_t before;
	int i;

	if (js_cg_write(cg, "cgroup.procs", "0") ||
	    js_cg_read(cg, "memory.current", buf, sizeof(buf)))
		_exit(1);
	before = strtoull(buf, NULL, 10);
	for (i = 0; i < EMPTY_POOLS; i++)
		if (js_pool(256UL << 20, 0) < 0)
			_exit(2);
	if (js_cg_read(cg, "memory.current", buf, sizeof(buf)))
		_exit(3);
	*cost = (strtoull(buf, NULL, 10) - before) / EMPTY_POOLS;
	_exit(0);
}

TEST_F_TIMEOUT(quota, empty_pools_cost_no_memory_per_page, 120)
{
	bool enabled;
	uint64_t *cost;
	char cg[64];
	int status, ret;
	pid_t pid;

	ASSERT_EQ(0, set_knob("max_pool_bytes", 256UL << 20));
	ret = cg_create(cg, sizeof(cg), &enabled);
	if (ret == -ENODEV)
		SKIP(return, "no cgroup v2 memory controller");
	ASSERT_EQ(0, ret);
	cost = mmap(NULL, sizeof(*cost), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cost);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		empty_pools_child(cg, cost);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("child status %#x", status);
	TH_LOG("an empty 256 MiB pool costs %llu bytes (+-512)",
	       (unsigned long long)*cost);
	EXPECT_GT(EMPTY_BOUND, *cost);
	EXPECT_EQ(0, cg_remove(cg, enabled));
	munmap(cost, sizeof(*cost));
}

/*
 * Quotas hold across user namespaces (issue 20: they were keyed by the
 * kernel uid alone, so each subordinate uid had a fresh quota): a pool set
 * up by a uid inside a namespace is charged to that uid and to the
 * namespace's owner, whose quota therefore bounds all its uids together.
 */
#define NS_OWNER	1000
#define NS_BASE		100000
#define NS_UIDS		6
#define NS_MAX_POOLS	3

struct ns_arg {
	int fds[NS_UIDS];
	int to_child[2], to_parent[2];
};

/* In the namespace, as uid @k: SETUP of a pool: 0, or the errno. */
static int ns_setup_as(struct ns_arg *a, int k)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		if (setresuid(k, k, k))
			_exit(100);
		_exit(-js_setup(a->fds[k], JS_PAGE, 0));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 101;
	return WEXITSTATUS(status);
}

/* The owner: a user namespace of its own, then one pool per uid in it. */
static int ns_owner(void *arg)
{
	struct ns_arg *a = arg;
	int k, ok = 0, edquot = 0, ret;
	char c;

	if (setgroups(0, NULL) || setresgid(NS_OWNER, NS_OWNER, NS_OWNER) ||
	    setresuid(NS_OWNER, NS_OWNER, NS_OWNER) ||
	    unshare(CLONE_NEWUSER))
		return 120;
	if (write(a->to_parent[1], "u", 1) != 1 ||
	    read(a->to_child[0], &c, 1) != 1 || c != 'm')
		return 121;
	for (k = 0; k < NS_UIDS; k++) {
		ret = ns_setup_as(a, k);
		if (!ret)
			ok++;
		else if (ret == EDQUOT)
			edquot++;
		else
			return 122;
	}
	return ok | edquot << 3;
}

TEST_F(quota, user_namespace_uids_share_their_owner_quota)
{
	struct ns_arg a;
	char path[64], map[64];
	int i, status;
	pid_t pid;
	char c;

	ASSERT_EQ(0, set_knob("max_user_pools", NS_MAX_POOLS));
	for (i = 0; i < NS_UIDS; i++) {
		a.fds[i] = js_open();
		ASSERT_LE(0, a.fds[i]);
	}
	ASSERT_EQ(0, pipe(a.to_child));
	ASSERT_EQ(0, pipe(a.to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(ns_owner(&a));
	/* The owner's ends: its exit ends our read. */
	close(a.to_parent[1]);
	close(a.to_child[0]);

	if (read(a.to_parent[0], &c, 1) != 1) {
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		if (WIFEXITED(status) && WEXITSTATUS(status) == 120)
			SKIP(return, "no user namespace for uid %d (CONFIG_USER_NS)",
			     NS_OWNER);
		ASSERT_TRUE(0) TH_LOG("owner status %#x", status);
	}
	/* Root maps the owner's namespace uids 0.. to NS_BASE.. */
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	snprintf(map, sizeof(map), "0 %d %d\n", NS_BASE, NS_UIDS);
	ASSERT_EQ(0, js_write_file(path, map));
	ASSERT_EQ(1, write(a.to_child[1], "m", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("status %#x", status);
	ASSERT_GT(120, WEXITSTATUS(status)) TH_LOG("owner failed: %d",
						   WEXITSTATUS(status));
	/* NS_MAX_POOLS set up, then the owner's quota refused the rest. */
	EXPECT_EQ(NS_MAX_POOLS, WEXITSTATUS(status) & 7);
	EXPECT_EQ(NS_UIDS - NS_MAX_POOLS, WEXITSTATUS(status) >> 3);
	for (i = 0; i < NS_UIDS; i++)
		close(a.fds[i]);
	EXPECT_EQ(0, js_stat("pools"));
}

TEST_HARNESS_MAIN
