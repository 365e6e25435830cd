// SPDX-License-Identifier: GPL-2.0
/*
 * Modes, release, status, events and counters of `jitsealctl`, with a
 * child confined by --pid.
 */
#include <limits.h>

#include "wxtest.h"

FIXTURE(mode) {
	struct wx_child child;
	char pid[16];
};

FIXTURE_SETUP(mode)
{
	NEED_JITSEALCTL();
	release_quietly();
	ASSERT_EQ(0, child_start(&self->child));
	snprintf(self->pid, sizeof(self->pid), "%d", self->child.pid);
}

FIXTURE_TEARDOWN(mode)
{
	child_stop(&self->child);
	release_quietly();
}

#define NEED_CHILD() do {						\
	if (!self->child.pid)						\
		SKIP(return, "not set up");				\
} while (0)

/* Audit: the operation succeeds, and is counted and reported. */
TEST_F(mode, audit_logs_and_allows)
{
	struct jctl_out st, ev;
	char want[64];

	NEED_CHILD();
	ASSERT_EQ(0, JCTL(&st, "enforce", "--pid", self->pid, "--audit"));
	EXPECT_EQ(0, child_run(&self->child, "mprotect_jit"));
	ASSERT_EQ(0, JCTL(&st, "status")) TH_LOG("%s", st.err);
	EXPECT_NE(NULL, strstr(st.out, "\n  mode: audit\n")) TH_LOG("%s", st.out);
	EXPECT_EQ(1, status_counter(st.out, "exec_anon")) TH_LOG("%s", st.out);
	ASSERT_EQ(0, JCTL(&ev, "events"));
	snprintf(want, sizeof(want), "] audit rule=exec_anon op=mprotect pid=%s ",
		 self->pid);
	EXPECT_NE(NULL, strstr(ev.out, want)) TH_LOG("%s", ev.out);
}

/* Release: the same process may use mprotect again; status says off. */
TEST_F(mode, release_restores)
{
	struct jctl_out r;

	NEED_CHILD();
	ASSERT_EQ(0, JCTL(&r, "enforce", "--pid", self->pid));
	EXPECT_EQ(EACCES, child_run(&self->child, "mprotect_jit"));
	ASSERT_EQ(0, JCTL(&r, "release")) TH_LOG("%s", r.err);
	EXPECT_EQ(0, child_run(&self->child, "mprotect_jit"));
	EXPECT_EQ(0, child_run(&self->child, "mmap_rwx"));
	ASSERT_EQ(0, JCTL(&r, "status"));
	EXPECT_NE(NULL, strstr(r.out, "\nenforcement: off\n")) TH_LOG("%s", r.out);
	EXPECT_NE(0, access(WX_PIN_DIR, F_OK));
}

/* Enforcement outlives the tool: it is pinned, status describes it. */
TEST_F(mode, status_describes_enforcement)
{
	struct jctl_out r;
	char want[64];

	NEED_CHILD();
	ASSERT_EQ(0, JCTL(&r, "enforce", "--pid", self->pid));
	ASSERT_EQ(0, JCTL(&r, "status")) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "\nenforcement: active\n")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "\n  mode: enforce\n")) TH_LOG("%s", r.out);
	snprintf(want, sizeof(want), "\n  scope: pid %s and its descendants\n",
		 self->pid);
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s", r.out);
	EXPECT_EQ(0, access(WX_PIN_DIR "/wx_mmap_file", F_OK));
	EXPECT_EQ(0, access(WX_PIN_DIR "/wx_file_mprotect", F_OK));
}

/* Counters and events are exactly what the child did, in order. */
TEST_F(mode, events_and_counters_match)
{
	static const char *const attempts[] = {
		"mmap_rwx", "mmap_anon_exec", "mprotect_jit", "dev_zero_exec",
		"proc_mem_write",
	};
	static const char *const rules[] = {
		"wx", "exec_anon", "exec_anon", "exec_device", "proc_mem",
	};
	struct jctl_out st, ev;
	char want[64], *line, exe[PATH_MAX + 8] = " exe=";
	ssize_t n;

	NEED_CHILD();
	n = readlink("/proc/self/exe", exe + 5, PATH_MAX);
	ASSERT_LT(0, n);
	exe[5 + n] = '\0';
	ASSERT_EQ(0, JCTL(&st, "enforce", "--pid", self->pid));
	for (size_t i = 0; i < 5; i++)
		EXPECT_EQ(EACCES, child_run(&self->child, attempts[i]));
	ASSERT_EQ(0, JCTL(&st, "status"));
	EXPECT_EQ(1, status_counter(st.out, "wx"));
	EXPECT_EQ(2, status_counter(st.out, "exec_anon"));
	EXPECT_EQ(1, status_counter(st.out, "exec_device"));
	EXPECT_EQ(1, status_counter(st.out, "proc_mem"));
	EXPECT_EQ(5, status_counter(st.out, "wx") +
		     status_counter(st.out, "exec_anon") +
		     status_counter(st.out, "exec_written") +
		     status_counter(st.out, "exec_writer") +
		     status_counter(st.out, "exec_memfd") +
		     status_counter(st.out, "exec_device") +
		     status_counter(st.out, "write_exec") +
		     status_counter(st.out, "proc_mem") +
		     status_counter(st.out, "ptrace") +
		     status_counter(st.out, "implied_exec") +
		     status_counter(st.out, "userfaultfd")) TH_LOG("%s", st.out);
	EXPECT_EQ(0, status_counter(st.out, "events_lost"));

	ASSERT_EQ(0, JCTL(&ev, "events"));
	ASSERT_EQ(5, count_lines(ev.out)) TH_LOG("%s", ev.out);
	line = ev.out;
	for (size_t i = 0; i < 5; i++) {
		char *end = strchr(line, '\n');

		*end = '\0';
		snprintf(want, sizeof(want), "] deny rule=%s ", rules[i]);
		EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
		snprintf(want, sizeof(want), " pid=%s ", self->pid);
		EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
		/* The executable by path; fields that do not apply left out. */
		EXPECT_NE(NULL, strstr(line, exe)) TH_LOG("%s", line);
		EXPECT_EQ(NULL, strstr(line, " target=")) TH_LOG("%s", line);
		if (strstr(line, " op=mmap "))
			EXPECT_EQ(NULL, strstr(line, " addr=")) TH_LOG("%s", line);
		line = end + 1;
	}
	/* Reading consumes them. */
	ASSERT_EQ(0, JCTL(&ev, "events"));
	EXPECT_STREQ("", ev.out);
}

/* Read from @fd into @buf until it holds @want, for up to 20 s. */
static bool read_until(int fd, char *buf, size_t len, const char *want)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t used = strlen(buf);

	for (int i = 0; i < 200 && !strstr(buf, want); i++) {
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, buf + used, len - 1 - used);
		if (n <= 0)
			break;
		used += n;
		buf[used] = '\0';
	}
	return strstr(buf, want) != NULL;
}

/* events --follow prints as they come, and stops at release. */
TEST_F(mode, events_follow)
{
	struct jctl_out r;
	char out[4096] = "", want[64];
	int p[2], status;
	pid_t pid;

	NEED_CHILD();
	ASSERT_EQ(0, JCTL(&r, "enforce", "--pid", self->pid));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execl(JITSEALCTL, "jitsealctl", "events", "--follow", NULL);
		_exit(127);
	}
	close(p[1]);
	EXPECT_EQ(EACCES, child_run(&self->child, "mmap_rwx"));
	snprintf(want, sizeof(want), "] deny rule=wx op=mmap pid=%s ", self->pid);
	EXPECT_TRUE(read_until(p[0], out, sizeof(out), want)) TH_LOG("%s", out);
	ASSERT_EQ(0, JCTL(&r, "release"));
	/* It notices the release and exits on its own. */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(p[0]);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_HARNESS_MAIN
