// SPDX-License-Identifier: GPL-2.0
/*
 * jitsealctl command lines: every error is one line on stderr, starting
 * with "jitsealctl: ", and a non-zero exit; a few good ones for contrast.
 */
#include <dirent.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <pthread.h>

#include "wxtest.h"

FIXTURE(cli) {
	struct jctl_out r;
};

FIXTURE_SETUP(cli)
{
	NEED_JITSEALCTL();
	release_quietly();
}

FIXTURE_TEARDOWN(cli)
{
	release_quietly();
}

static int read_text_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Failed, with exactly one line on stderr that mentions @what. */
#define EXPECT_ERROR(r, what) do {					\
	EXPECT_NE(0, (r)->status);					\
	EXPECT_EQ(1, count_lines((r)->err)) TH_LOG("%s", (r)->err);	\
	EXPECT_EQ(0, strncmp((r)->err, "jitsealctl: ", 12))		\
		TH_LOG("%s", (r)->err);					\
	EXPECT_NE(NULL, strstr((r)->err, what)) TH_LOG("%s", (r)->err); \
} while (0)

TEST_F(cli, no_command)
{
	char *const argv[] = { "jitsealctl", NULL };

	jctl_argv(&self->r, argv);
	EXPECT_ERROR(&self->r, "no command");
}

TEST_F(cli, unknown_command)
{
	JCTL(&self->r, "frobnicate");
	EXPECT_ERROR(&self->r, "unknown command 'frobnicate'");
}

TEST_F(cli, enforce_without_scope)
{
	JCTL(&self->r, "enforce", "--audit");
	EXPECT_ERROR(&self->r, "exactly one of --all, --cgroup PATH, --pid PID");
}

TEST_F(cli, enforce_two_scopes)
{
	JCTL(&self->r, "enforce", "--all", "--pid", "1");
	EXPECT_ERROR(&self->r, "exactly one of");
}

TEST_F(cli, enforce_bad_pid)
{
	JCTL(&self->r, "enforce", "--pid", "12abc");
	EXPECT_ERROR(&self->r, "invalid pid '12abc'");
}

TEST_F(cli, enforce_missing_argument)
{
	JCTL(&self->r, "enforce", "--pid");
	EXPECT_ERROR(&self->r, "--pid needs an argument");
}

TEST_F(cli, enforce_unknown_option)
{
	JCTL(&self->r, "enforce", "--all", "--everything");
	EXPECT_ERROR(&self->r, "unknown option '--everything'");
}

TEST_F(cli, enforce_no_such_process)
{
	char pid[16];
	pid_t p = fork();

	ASSERT_LE(0, p);
	if (p == 0)
		_exit(0);
	ASSERT_EQ(p, waitpid(p, NULL, 0));
	snprintf(pid, sizeof(pid), "%d", p);
	JCTL(&self->r, "enforce", "--pid", pid);
	EXPECT_ERROR(&self->r, "no process with pid");
	EXPECT_NE(0, access(WX_PIN_DIR, F_OK));
}

static void *idle(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

TEST_F(cli, enforce_thread_id)
{
	char tid[16] = "";
	struct dirent *e;
	pthread_t t;
	DIR *dir;

	ASSERT_EQ(0, pthread_create(&t, NULL, idle, NULL));
	dir = opendir("/proc/self/task");
	ASSERT_NE(NULL, dir);
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != getpid())
			snprintf(tid, sizeof(tid), "%.15s", e->d_name);
	closedir(dir);
	ASSERT_STRNE("", tid);
	JCTL(&self->r, "enforce", "--pid", tid);
	EXPECT_ERROR(&self->r, "is not a process id");
}

TEST_F(cli, enforce_cgroup_missing)
{
	JCTL(&self->r, "enforce", "--cgroup", "/sys/fs/cgroup/no-such-cgroup");
	EXPECT_ERROR(&self->r, "cannot open cgroup /sys/fs/cgroup/no-such-cgroup");
}

TEST_F(cli, enforce_cgroup_not_cgroup2)
{
	JCTL(&self->r, "enforce", "--cgroup", "/tmp");
	EXPECT_ERROR(&self->r, "/tmp is not a cgroup v2 directory");
}

TEST_F(cli, enforce_twice)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(0, JCTL(&self->r, "enforce", "--pid", pid, "--audit"));
	JCTL(&self->r, "enforce", "--all");
	EXPECT_ERROR(&self->r, "enforcement is already active");
	/* ... and the first one is untouched. */
	EXPECT_EQ(0, access(WX_PIN_DIR "/wx_mmap_file", F_OK));
}

TEST_F(cli, release_inactive)
{
	JCTL(&self->r, "release");
	EXPECT_ERROR(&self->r, "enforcement is not active");
}

TEST_F(cli, release_extra_argument)
{
	JCTL(&self->r, "release", "now");
	EXPECT_ERROR(&self->r, "usage: jitsealctl release");
}

TEST_F(cli, events_inactive)
{
	JCTL(&self->r, "events");
	EXPECT_ERROR(&self->r, "enforcement is not active");
}

TEST_F(cli, events_bad_argument)
{
	JCTL(&self->r, "events", "--tail");
	EXPECT_ERROR(&self->r, "unknown argument '--tail'");
}

TEST_F(cli, policy_no_subcommand)
{
	JCTL(&self->r, "policy");
	EXPECT_ERROR(&self->r, "usage: jitsealctl policy");
}

TEST_F(cli, policy_unknown_key)
{
	JCTL(&self->r, "policy", "get", "max_everything");
	EXPECT_ERROR(&self->r, "unknown policy key 'max_everything'");
}

TEST_F(cli, policy_set_without_value)
{
	JCTL(&self->r, "policy", "set", "max_user_pools");
	EXPECT_ERROR(&self->r, "usage: jitsealctl policy set KEY VALUE");
}

#define NEED_MODULE() do {						\
	if (access("/sys/kernel/jitseal", F_OK))			\
		SKIP(return, "module not loaded");			\
} while (0)

/* Values are checked as jitseal.conf(5) checks them, with the rule. */
TEST_F(cli, policy_set_invalid_value)
{
	JCTL(&self->r, "policy", "set", "max_user_pools", "lots");
	EXPECT_ERROR(&self->r, "max_user_pools: 'lots' must be a number from 0 to 1048576");
}

TEST_F(cli, policy_set_size_not_page_multiple)
{
	char want[96];
	long page = sysconf(_SC_PAGESIZE);

	snprintf(want, sizeof(want),
		 "max_pool_bytes: '1000' must be a multiple of %ld from %ld to 4G",
		 page, page);
	JCTL(&self->r, "policy", "set", "max_pool_bytes", "1000");
	EXPECT_ERROR(&self->r, want);
}

TEST_F(cli, policy_set_bool_words)
{
	JCTL(&self->r, "policy", "set", "audit", "true");
	EXPECT_ERROR(&self->r, "audit: 'true' must be yes or no");
}

TEST_F(cli, policy_set_locked_not_yes)
{
	JCTL(&self->r, "policy", "set", "locked", "0");
	EXPECT_ERROR(&self->r, "locked can only be set to yes");
}

/* The file's words on the command line, and status says them back. */
TEST_F(cli, policy_set_words)
{
	char old[64];

	NEED_MODULE();
	ASSERT_EQ(0, JCTL(&self->r, "policy", "get", "max_pool_bytes"));
	snprintf(old, sizeof(old), "%.63s", self->r.out);
	old[strcspn(old, "\n")] = '\0';
	ASSERT_EQ(0, JCTL(&self->r, "policy", "set", "max_pool_bytes", "64M"))
		TH_LOG("%s", self->r.err);
	EXPECT_EQ(1, count_lines(self->r.out)) TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.out, "max_pool_bytes = 64M (was "));
	ASSERT_EQ(0, JCTL(&self->r, "status"));
	EXPECT_NE(NULL, strstr(self->r.out, "\n  max_pool_bytes: 64M\n"))
		TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.out, "\n  audit: "));
	EXPECT_EQ(NULL, strstr(self->r.out, "\n  audit: 0\n"));
	EXPECT_EQ(0, JCTL(&self->r, "policy", "set", "max_pool_bytes", old))
		TH_LOG("%s", self->r.err);
}

/* get, then set the same value back. */
TEST_F(cli, policy_get_set)
{
	char value[64];

	NEED_MODULE();
	ASSERT_EQ(0, JCTL(&self->r, "policy", "get", "max_user_pools"));
	EXPECT_STREQ("", self->r.err);
	ASSERT_EQ(1, count_lines(self->r.out));
	snprintf(value, sizeof(value), "%.63s", self->r.out);
	value[strcspn(value, "\n")] = '\0';
	EXPECT_EQ(0, JCTL(&self->r, "policy", "set", "max_user_pools", value))
		TH_LOG("%s", self->r.err);
}

TEST_F(cli, status)
{
	ASSERT_EQ(0, JCTL(&self->r, "status")) TH_LOG("%s", self->r.err);
	EXPECT_STREQ("", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.out, "enforcement: off\n"));
	if (!access("/sys/kernel/jitseal", F_OK)) {
		EXPECT_NE(NULL, strstr(self->r.out, "module: loaded"));
		EXPECT_NE(NULL, strstr(self->r.out, "\n  api_version: 1\n"));
	}
}

/* Run jitsealctl after @prepare, in a child. */
static int jctl_after(struct jctl_out *r, int (*prepare)(void),
		      char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (prepare())
			_exit(99);
		_exit(jctl_argv(r, argv) < 0 ? 98 : 0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int drop_root(void)
{
	return setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534);
}

/* A private mount namespace without @path mounted. */
static int without_mount(const char *path)
{
	return unshare(CLONE_NEWNS) ||
	       mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	       umount2(path, MNT_DETACH);
}

static int without_bpffs(void)
{
	return without_mount("/sys/fs/bpf");
}

static int without_securityfs(void)
{
	return without_mount("/sys/kernel/security");
}

/* Run `enforce --all` after @prepare; the output comes back in shared memory. */
static void run_after(struct __test_metadata *_metadata, int (*prepare)(void),
		      const char *what)
{
	struct jctl_out *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *const argv[] = { "jitsealctl", "enforce", "--all", NULL };

	ASSERT_NE(MAP_FAILED, r);
	ASSERT_EQ(0, jctl_after(r, prepare, argv));
	EXPECT_ERROR(r, what);
	EXPECT_NE(0, access(WX_PIN_DIR, F_OK));
	munmap(r, sizeof(*r));
}

TEST_F(cli, not_root)
{
	run_after(_metadata, drop_root, "enforce: must be run as root");
}

TEST_F(cli, no_bpffs)
{
	run_after(_metadata, without_bpffs, "no BPF filesystem at /sys/fs/bpf");
}

TEST_F(cli, no_securityfs)
{
	run_after(_metadata, without_securityfs,
		  "cannot read /sys/kernel/security/lsm");
}

static int write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
	return close(fd) || !ok ? -1 : 0;
}

/* The proc_mem rule needs real addresses; no silent fail-open. */
TEST_F(cli, kallsyms_hidden)
{
	const char *sysctl = "/proc/sys/kernel/kptr_restrict";
	char old[16] = "", now[16] = "";

	ASSERT_EQ(0, read_text_file(sysctl, old, sizeof(old)));
	ASSERT_EQ(0, write_sysctl(sysctl, "2"));
	JCTL(&self->r, "enforce", "--all");
	ASSERT_EQ(0, write_sysctl(sysctl, old));
	ASSERT_EQ(0, read_text_file(sysctl, now, sizeof(now)));
	ASSERT_STREQ(old, now);
	EXPECT_ERROR(&self->r, "kernel addresses are hidden in /proc/kallsyms");
	EXPECT_NE(0, access(WX_PIN_DIR, F_OK));
}

TEST_HARNESS_MAIN
