// SPDX-License-Identifier: GPL-2.0
/*
 * Scopes: --pid (a process and its descendants, across fork, threads and
 * exec), --cgroup (a subtree) and --all; tasks outside the scope are not
 * affected.  Each test enforces and releases on its own.
 */
#include <sys/stat.h>

#include "wxtest.h"

#define CG	"/sys/fs/cgroup/jitseal-wx-scopes"
#define CG_SUB	CG "/sub"

FIXTURE(scope) {
	struct wx_child in, out;
};

FIXTURE_SETUP(scope)
{
	NEED_JITSEALCTL();
	release_quietly();
}

FIXTURE_TEARDOWN(scope)
{
	child_stop(&self->in);
	child_stop(&self->out);
	release_quietly();
	rmdir(CG_SUB);
	rmdir(CG);
}

#define NEED_ROOT() do {						\
	if (geteuid())							\
		SKIP(return, "needs root");				\
} while (0)

/* --pid: the process is confined, its sibling is not. */
TEST_F(scope, pid_only_that_process)
{
	NEED_ROOT();
	ASSERT_EQ(0, child_start(&self->in));
	ASSERT_EQ(0, child_start(&self->out));
	ASSERT_EQ(0, enforce_pid(self->in.pid, false));
	EXPECT_EQ(EACCES, child_run(&self->in, "mprotect_jit"));
	EXPECT_EQ(0, child_run(&self->out, "mprotect_jit"));
	EXPECT_EQ(0, run_attempt("mprotect_jit"));	/* nor this test */
}

/* --pid: inherited by a child, through its exec. */
TEST_F(scope, pid_fork_exec)
{
	NEED_ROOT();
	ASSERT_EQ(0, child_start(&self->in));
	ASSERT_EQ(0, enforce_pid(self->in.pid, false));
	EXPECT_EQ(EACCES, child_run(&self->in, "exec_mprotect_jit"));
}

/* --pid: descendants that existed before enforcement started. */
TEST_F(scope, pid_existing_descendant)
{
	NEED_ROOT();
	ASSERT_EQ(0, child_start(&self->in));
	ASSERT_EQ(0, child_run(&self->in, "fork_waiter"));
	ASSERT_EQ(0, enforce_pid(self->in.pid, false));
	EXPECT_EQ(EACCES, child_run(&self->in, "waiter_jit"));
}

/* --pid: threads, also those created before enforcement started. */
TEST_F(scope, pid_threads)
{
	NEED_ROOT();
	ASSERT_EQ(0, child_start(&self->in));
	ASSERT_EQ(0, enforce_pid(self->in.pid, false));
	EXPECT_EQ(EACCES, child_run(&self->in, "thread_mprotect_jit"));
}

/* --pid: exec by a thread that is not the leader keeps the scope. */
TEST_F(scope, pid_thread_exec)
{
	NEED_ROOT();
	ASSERT_EQ(0, child_start(&self->in));
	ASSERT_EQ(0, enforce_pid(self->in.pid, false));
	EXPECT_EQ(EACCES, child_run(&self->in, "thread_exec"));
}

/* --cgroup: the subtree (nested cgroups too), nothing outside it. */
TEST_F(scope, cgroup_subtree)
{
	struct jctl_out r;

	NEED_ROOT();
	ASSERT_EQ(0, mkdir(CG, 0755));
	ASSERT_EQ(0, mkdir(CG_SUB, 0755));
	ASSERT_EQ(0, child_start_in(&self->in, CG_SUB));
	ASSERT_EQ(0, child_start(&self->out));
	ASSERT_EQ(0, JCTL(&r, "enforce", "--cgroup", CG "/../" "jitseal-wx-scopes"))
		TH_LOG("%s", r.err);
	ASSERT_EQ(0, JCTL(&r, "status"));
	EXPECT_NE(NULL, strstr(r.out, "\n  scope: cgroup " CG " (id "))
		TH_LOG("%s", r.out);
	EXPECT_EQ(EACCES, child_run(&self->in, "mprotect_jit"));
	EXPECT_EQ(EACCES, child_run(&self->in, "exec_mprotect_jit"));
	EXPECT_EQ(0, child_run(&self->out, "mprotect_jit"));
	EXPECT_EQ(0, run_attempt("mprotect_jit"));
}

/*
 * --all: every task, this test too; normal programs keep working, so the
 * suite cannot lock itself out, and release gives the old behaviour back.
 */
TEST_F(scope, all_tasks)
{
	struct jctl_out r;

	NEED_ROOT();
	ASSERT_EQ(0, child_start(&self->out));
	ASSERT_EQ(0, JCTL(&r, "enforce", "--all")) TH_LOG("%s", r.err);
	EXPECT_EQ(EACCES, child_run(&self->out, "mprotect_jit"));
	EXPECT_EQ(EACCES, run_attempt("mmap_rwx"));
	EXPECT_EQ(0, run_attempt("python"));
	EXPECT_EQ(0, run_attempt("shell"));
	EXPECT_EQ(0, run_attempt("exec_dlopen"));
	EXPECT_EQ(0, run_attempt("jitseal_raw"));
	ASSERT_EQ(0, JCTL(&r, "release")) TH_LOG("%s", r.err);
	EXPECT_EQ(0, child_run(&self->out, "mprotect_jit"));
}

TEST_HARNESS_MAIN
