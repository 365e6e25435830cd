/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the W^X enforcement tests: run jitsealctl, and drive a child
 * process that the tests confine (the test process itself never is, except
 * in the --all test) and that runs workloads of attempts.c on request.
 */
#ifndef ENFORCE_WXTEST_H
#define ENFORCE_WXTEST_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "attempts.h"
#include "wxorx.h"

#ifndef JITSEALCTL
#error "build with -DJITSEALCTL=path"
#endif

#define OUT_MAX	16384

struct jctl_out {
	int status;		/* exit status, 128 + signal, or -1 */
	char out[OUT_MAX];
	char err[OUT_MAX];
};

static void read_all(int fd, char *buf, size_t len)
{
	size_t used = 0;
	ssize_t n;

	while (used < len - 1 && (n = read(fd, buf + used, len - 1 - used)) > 0)
		used += n;
	buf[used] = '\0';
}

/* Run jitsealctl with the NULL-terminated arguments. */
static int jctl_argv(struct jctl_out *r, char *const argv[])
{
	int out[2], err[2], status;
	pid_t pid;

	r->status = -1;
	r->out[0] = r->err[0] = '\0';
	if (pipe(out) || pipe(err))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		execv(JITSEALCTL, argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	/* Outputs are small: stdout first, then stderr. */
	read_all(out[0], r->out, sizeof(r->out));
	read_all(err[0], r->err, sizeof(r->err));
	close(out[0]);
	close(err[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status);
	return r->status;
}

#define JCTL(r, ...) ({							\
	char *const __argv[] = { "jitsealctl", __VA_ARGS__, NULL };	\
	jctl_argv(r, __argv);						\
})

/* Leave nothing behind: release whatever a failed test left active. */
static inline void release_quietly(void)
{
	struct jctl_out r;

	JCTL(&r, "release");
}

/* A test child that runs named workloads when asked, one at a time. */
struct wx_child {
	pid_t pid;
	int cmd;	/* parent -> child: attempt name, '\n'-terminated */
	int res;	/* child -> parent: int result */
};

static void child_loop(int cmd, int res)
{
	char name[64];

	for (;;) {
		size_t n = 0;
		int rc;

		while (n < sizeof(name) - 1 && read(cmd, name + n, 1) == 1 &&
		       name[n] != '\n')
			n++;
		if (n == 0)
			_exit(0);
		name[n] = '\0';
		rc = run_attempt(name);
		if (write(res, &rc, sizeof(rc)) != sizeof(rc))
			_exit(1);
	}
}

/* Move the calling process into cgroup @cg (a directory). */
static inline int cgroup_join(const char *cg)
{
	char path[4200];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

/* Start a child; with @cg, it joins that cgroup before anything else. */
static inline int child_start_in(struct wx_child *c, const char *cg)
{
	int cmd[2], res[2], sync[2];
	char ok = 0;

	if (pipe2(cmd, O_CLOEXEC) || pipe2(res, O_CLOEXEC) ||
	    pipe2(sync, O_CLOEXEC))
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		close(cmd[1]);
		close(res[0]);
		close(sync[0]);
		ok = !cg || !cgroup_join(cg);
		if (write(sync[1], &ok, 1) != 1 || !ok)
			_exit(1);
		close(sync[1]);
		child_loop(cmd[0], res[1]);
	}
	close(cmd[0]);
	close(res[1]);
	close(sync[1]);
	c->cmd = cmd[1];
	c->res = res[0];
	if (read(sync[0], &ok, 1) != 1 || !ok) {
		close(sync[0]);
		return -1;
	}
	close(sync[0]);
	return 0;
}

static inline int child_start(struct wx_child *c)
{
	return child_start_in(c, NULL);
}

/* Run one workload in the child: its result, or -1 if the child died. */
static inline int child_run(struct wx_child *c, const char *attempt)
{
	char line[64];
	int rc, len;

	len = snprintf(line, sizeof(line), "%s\n", attempt);
	if (write(c->cmd, line, len) != len ||
	    read(c->res, &rc, sizeof(rc)) != sizeof(rc))
		return -1;
	return rc;
}

static inline void child_stop(struct wx_child *c)
{
	if (c->pid <= 0)
		return;
	close(c->cmd);
	close(c->res);
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	c->pid = 0;
}

static inline int enforce_pid(pid_t pid, bool audit)
{
	struct jctl_out r;
	char p[16];

	snprintf(p, sizeof(p), "%d", pid);
	if (audit)
		return JCTL(&r, "enforce", "--pid", p, "--audit");
	return JCTL(&r, "enforce", "--pid", p);
}

/* The pinned per-rule counters, summed over CPUs, read directly. */
static inline int counters_read(__u64 counts[WX_NR_COUNTERS])
{
	int ncpus = libbpf_num_possible_cpus(), fd;
	__u64 percpu[512];

	if (ncpus < 0 || ncpus > 512)
		return -1;
	fd = bpf_obj_get(WX_PIN_DIR "/counters");
	if (fd < 0)
		return -1;
	for (__u32 i = 0; i < WX_NR_COUNTERS; i++) {
		counts[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, percpu)) {
			close(fd);
			return -1;
		}
		for (int c = 0; c < ncpus; c++)
			counts[i] += percpu[c];
	}
	close(fd);
	return 0;
}

/* Counter by name, as `jitsealctl status` shows it, parsed from @status. */
static inline long status_counter(const char *status, const char *name)
{
	const char *p = strstr(status, "\ncounters:\n");
	char key[64];

	if (!p)
		return -1;
	snprintf(key, sizeof(key), "\n  %s: ", name);
	p = strstr(p, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static int ignore_event(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return 0;
}

/* Throw away queued events, so that the next `events` shows only ours. */
static inline int events_drain(void)
{
	struct ring_buffer *rb;
	int fd, rc;

	fd = bpf_obj_get(WX_PIN_DIR "/events");
	if (fd < 0)
		return -1;
	rb = ring_buffer__new(fd, ignore_event, NULL, NULL);
	rc = rb ? ring_buffer__consume(rb) : -1;
	ring_buffer__free(rb);
	close(fd);
	return rc < 0 ? -1 : 0;
}

/* The pinned configuration, or -1 when enforcement is off. */
static inline int config_read(struct wx_config *cfg)
{
	char value[4096];
	__u32 key = 0;
	int fd, rc;

	fd = bpf_obj_get(WX_PIN_DIR "/config");
	if (fd < 0)
		return -1;
	rc = bpf_map_lookup_elem(fd, &key, value);
	close(fd);
	if (rc)
		return -1;
	memcpy(cfg, value, sizeof(*cfg));
	return 0;
}

/* The rule names jitsealctl prints, written down independently. */
static inline const char *rule_name_of(int rule)
{
	static const char *const names[WX_NR_RULES] = {
		[WX_RULE_WX] = "wx",
		[WX_RULE_EXEC_ANON] = "exec_anon",
		[WX_RULE_EXEC_WRITTEN] = "exec_written",
		[WX_RULE_EXEC_WRITER] = "exec_writer",
		[WX_RULE_EXEC_MEMFD] = "exec_memfd",
		[WX_RULE_EXEC_DEVICE] = "exec_device",
		[WX_RULE_WRITE_EXEC] = "write_exec",
		[WX_RULE_PROC_MEM] = "proc_mem",
		[WX_RULE_PTRACE] = "ptrace",
		[WX_RULE_IMPLIED_EXEC] = "implied_exec",
		[WX_RULE_USERFAULTFD] = "userfaultfd",
	};

	return rule >= 0 && rule < WX_NR_RULES ? names[rule] : "?";
}

static inline int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#define NEED_JITSEALCTL() do {						\
	if (geteuid())							\
		SKIP(return, "needs root");				\
	if (access(JITSEALCTL, X_OK))					\
		SKIP(return, "no %s (make)", JITSEALCTL);		\
} while (0)

#endif /* ENFORCE_WXTEST_H */
