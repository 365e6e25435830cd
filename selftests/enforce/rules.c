// SPDX-License-Identifier: GPL-2.0
/*
 * Each W^X rule, one test each, in both modes: a child confined with
 * `jitsealctl enforce --cgroup` tries one way to get executable memory.
 * enforce: refused with the rule's errno; audit: allowed.  In both modes the
 * rule's counter is exactly 1, every other rule counter 0, and there is
 * exactly one event naming the rule.  Then what must stay allowed.
 */
#include "wxtest.h"

/*
 * One enforcement per mode for the whole program (loading the programs
 * costs seconds under emulation): scope is a cgroup each test's child
 * joins.  The destructor of the main process releases it.
 */
#define CG "/sys/fs/cgroup/jitseal-wx-rules"

static pid_t main_pid;

__attribute__((constructor)) static void remember_main(void)
{
	main_pid = getpid();
}

__attribute__((destructor)) static void release_at_exit(void)
{
	if (getpid() != main_pid)
		return;
	release_quietly();
	rmdir(CG);
}

static int ensure_enforced(bool audit)
{
	struct wx_config cfg;
	struct jctl_out r;

	if (!config_read(&cfg) && cfg.scope == WX_SCOPE_CGROUP &&
	    !strcmp(cfg.scope_path, CG) &&
	    (cfg.mode == WX_MODE_AUDIT) == audit)
		return 0;
	release_quietly();
	if (mkdir(CG, 0755) && errno != EEXIST)
		return -1;
	return JCTL(&r, "enforce", "--cgroup", CG, audit ? "--audit" : NULL);
}

FIXTURE(wx) {
	struct wx_child child;
	__u64 before[WX_NR_COUNTERS];
	bool ready;
};

FIXTURE_VARIANT(wx) {
	bool audit;
};

FIXTURE_VARIANT_ADD(wx, enforce) { .audit = false };
FIXTURE_VARIANT_ADD(wx, audit) { .audit = true };

FIXTURE_SETUP(wx)
{
	NEED_JITSEALCTL();
	ASSERT_EQ(0, ensure_enforced(variant->audit));
	ASSERT_EQ(0, events_drain());
	ASSERT_EQ(0, counters_read(self->before));
	ASSERT_EQ(0, child_start_in(&self->child, CG));
	self->ready = true;
}

FIXTURE_TEARDOWN(wx)
{
	child_stop(&self->child);
}

/* The 6.1 harness runs the body after a SKIP() in setup. */
#define NEED_READY() do {						\
	if (!self->ready)						\
		SKIP(return, "not set up");				\
} while (0)

/* Every rule counter went up by @want[rule]. */
static void counted(struct __test_metadata *_metadata,
		    FIXTURE_DATA(wx) *self, int rule)
{
	__u64 after[WX_NR_COUNTERS];

	ASSERT_EQ(0, counters_read(after));
	for (int i = 0; i < WX_NR_RULES; i++) {
		__u64 delta = after[i] - self->before[i];

		EXPECT_EQ(i == rule, delta) TH_LOG("counter %s", rule_name_of(i));
	}
	EXPECT_EQ(0, after[WX_CNT_EVENTS_LOST]);
}

/*
 * Run @attempt confined.  @err: its result under enforce mode; @rule: the
 * rule that must count it; @own: the event comes from the child itself
 * (not from a process it forked).
 */
static void refused(struct __test_metadata *_metadata,
		    FIXTURE_DATA(wx) *self, const FIXTURE_VARIANT(wx) *variant,
		    const char *attempt, int err, int rule, const char *name,
		    bool own)
{
	struct jctl_out ev;
	char want[64];

	EXPECT_EQ(variant->audit ? 0 : err, child_run(&self->child, attempt));
	counted(_metadata, self, rule);
	ASSERT_EQ(0, JCTL(&ev, "events"));
	EXPECT_EQ(1, count_lines(ev.out)) TH_LOG("events:\n%s", ev.out);
	snprintf(want, sizeof(want), "] %s rule=%s ",
		 variant->audit ? "audit" : "deny", name);
	EXPECT_NE(NULL, strstr(ev.out, want)) TH_LOG("events:\n%s", ev.out);
	snprintf(want, sizeof(want), " pid=%d ", self->child.pid);
	if (own)
		EXPECT_NE(NULL, strstr(ev.out, want)) TH_LOG("events:\n%s", ev.out);
}

/* Allowed in both modes, and nothing counted. */
static void allowed(struct __test_metadata *_metadata,
		    FIXTURE_DATA(wx) *self, const char *attempt)
{
	struct jctl_out ev;

	EXPECT_EQ(0, child_run(&self->child, attempt));
	counted(_metadata, self, -1);
	ASSERT_EQ(0, JCTL(&ev, "events"));
	EXPECT_STREQ("", ev.out);
}

#define REFUSED(name, err, rule, own)					\
	TEST_F(wx, name)						\
	{								\
		NEED_READY();						\
		refused(_metadata, self, variant, #name, err,		\
			WX_RULE_##rule, rule_name_of(WX_RULE_##rule), own); \
	}

#define ALLOWED(name)							\
	TEST_F(wx, name)						\
	{								\
		NEED_READY();						\
		allowed(_metadata, self, #name);			\
	}

/* W+X at once. */
REFUSED(mmap_rwx, EACCES, WX, true)
REFUSED(mprotect_rwx, EACCES, WX, true)
/* Exec on anonymous memory: the mprotect JIT, and mmap. */
REFUSED(mprotect_jit, EACCES, EXEC_ANON, true)
REFUSED(mmap_anon_exec, EACCES, EXEC_ANON, true)
/* A private file page written (text relocation), then made exec. */
REFUSED(file_written_exec, EACCES, EXEC_WRITTEN, true)
/* A file open for writing elsewhere: temp file, memfd dual map. */
REFUSED(tempfile_writer_open, EACCES, EXEC_WRITER, true)
REFUSED(memfd_dual_map, EACCES, EXEC_WRITER, true)
/* A memfd without F_SEAL_WRITE is always writable through itself. */
REFUSED(memfd_unsealed, EACCES, EXEC_MEMFD, true)
/* Devices other than /dev/jitseal. */
REFUSED(dev_zero_exec, EACCES, EXEC_DEVICE, true)
/* A file mapped exec gets no new writer. */
REFUSED(file_exec_then_write, EACCES, WRITE_EXEC, true)
/* FOLL_FORCE writes into text: /proc/PID/mem and ptrace. */
REFUSED(proc_mem_write, EACCES, PROC_MEM, true)
REFUSED(ptrace_attach, EACCES, PTRACE, true)
REFUSED(ptrace_traceme, EACCES, PTRACE, false)
/* READ_IMPLIES_EXEC: brk() would be RWX; brk fails with ENOMEM. */
REFUSED(brk_implied_exec, ENOMEM, IMPLIED_EXEC, true)
/* An executable stack: killed at exec. */
REFUSED(execstack, 128 + SIGKILL, IMPLIED_EXEC, false)
/* userfaultfd fills pages of any mapping, exec ones too. */
REFUSED(userfaultfd, EACCES, USERFAULTFD, true)
/* The same rules after fork and exec (the scope is inherited). */
REFUSED(exec_mprotect_jit, EACCES, EXEC_ANON, false)

/* ld.so's way: a clean private file mapping made read+exec. */
ALLOWED(file_clean_exec)
/* Writing a file and mapping it once the writer is closed. */
ALLOWED(tempfile_writer_closed)
/* runc's way: a write-sealed memfd. */
ALLOWED(memfd_sealed)
/* jitseal's way: SETUP, mmap read+exec, LOAD, call. */
ALLOWED(jitseal_raw)
ALLOWED(jitseal_raw_twice)
/* Normal programs. */
ALLOWED(python)
ALLOWED(shell)
ALLOWED(dlopen)
ALLOWED(exec_dlopen)

/*
 * Fileless execution, execveat() of an unsealed memfd: the ELF loader's
 * first mapping is refused after the point of no return, so the kernel
 * kills the task (SIGSEGV).  Audit mode reports every segment, so this
 * one is not in the table above.
 */
FIXTURE(fileless) {
	struct wx_child child;
};

FIXTURE_SETUP(fileless)
{
	NEED_JITSEALCTL();
	ASSERT_EQ(0, ensure_enforced(false));
	ASSERT_EQ(0, child_start_in(&self->child, CG));
}

FIXTURE_TEARDOWN(fileless)
{
	child_stop(&self->child);
}

TEST_F(fileless, memfd_execveat)
{
	__u64 before[WX_NR_COUNTERS], after[WX_NR_COUNTERS];

	if (!self->child.pid)
		SKIP(return, "not set up");
	ASSERT_EQ(0, counters_read(before));
	EXPECT_EQ(128 + SIGSEGV, child_run(&self->child, "memfd_execveat"));
	ASSERT_EQ(0, counters_read(after));
	EXPECT_EQ(1, after[WX_RULE_EXEC_MEMFD] - before[WX_RULE_EXEC_MEMFD]);
	/* Unconfined, the same program runs. */
	EXPECT_EQ(0, run_attempt("memfd_execveat"));
}

TEST_HARNESS_MAIN
