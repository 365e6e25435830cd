// SPDX-License-Identifier: GPL-2.0
/*
 * libjitseal under enforcement: its sealed backend works in a confined
 * process and the demo JIT (examples/jitcalc, jitcalc) runs, while the fallback
 * backends that W^X exists to stop are refused.
 */
#include <stdint.h>
#include <jitseal.h>
#include <linux/jitseal.h>

#include "wxtest.h"

FIXTURE(lib) {
	pid_t pid;
};

FIXTURE_SETUP(lib)
{
	NEED_JITSEALCTL();
	release_quietly();
}

FIXTURE_TEARDOWN(lib)
{
	release_quietly();
}

/*
 * Fork a child, confine it with --pid, run @fn in it and return its exit
 * status (128 + signal if killed).
 */
static int run_confined(int (*fn)(const void *), const void *arg)
{
	int go[2], status;
	char c, pid[16];
	struct jctl_out r;
	pid_t p;

	if (pipe(go))
		return -1;
	p = fork();
	if (p < 0)
		return -1;
	if (p == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(SETUP_FAILED);
		_exit(fn(arg));
	}
	close(go[0]);
	snprintf(pid, sizeof(pid), "%d", p);
	if (JCTL(&r, "enforce", "--pid", pid) || write(go[1], "g", 1) != 1) {
		fprintf(stderr, "# enforce --pid %s: %s", pid, r.err);
		kill(p, SIGKILL);
	}
	close(go[1]);
	if (waitpid(p, &status, 0) != p)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* mov eax, imm32; ret */
static void emit_ret(uint8_t *p, uint32_t v)
{
	p[0] = 0xb8;
	memcpy(p + 1, &v, 4);
	p[5] = 0xc3;
}

static int pool_roundtrip(const void *arg)
{
	enum jitseal_backend backend = *(const enum jitseal_backend *)arg;
	JITSEAL_OPTS(jitseal_pool_opts, opts, .backend = backend,
		     .sealing = backend == JITSEAL_BACKEND_KMOD ?
				JITSEAL_SEALED_ONLY : JITSEAL_SEALED_PREFERRED);
	struct jitseal_pool *p = jitseal_pool_create(&opts);
	struct jitseal_mem m;
	int rc;

	if (!p)
		return errno;
	if (jitseal_alloc(p, 6, 16, JITSEAL_CODE, &m))
		return SETUP_FAILED;
	emit_ret((uint8_t *)m.stage, 42);
	rc = jitseal_finalize(p, NULL);
	if (!rc)
		rc = ((int (*)(void))m.addr)() == 42 ? 0 : WRONG_RESULT;
	else
		rc = -rc;
	jitseal_pool_destroy(p);
	return rc;
}

TEST_F(lib, sealed_backend_works)
{
	enum jitseal_backend b = JITSEAL_BACKEND_KMOD;

	if (access(JITSEAL_DEVICE, F_OK))
		SKIP(return, "no %s (module not loaded)", JITSEAL_DEVICE);
	EXPECT_EQ(0, run_confined(pool_roundtrip, &b));
}

/* The toggle and dual-map fallbacks are exactly what is forbidden. */
TEST_F(lib, mprotect_backend_refused)
{
	enum jitseal_backend b = JITSEAL_BACKEND_MPROTECT;

	EXPECT_EQ(EACCES, run_confined(pool_roundtrip, &b));
}

TEST_F(lib, memfd_backend_refused)
{
	enum jitseal_backend b = JITSEAL_BACKEND_MEMFD;

	EXPECT_EQ(EACCES, run_confined(pool_roundtrip, &b));
}

static int run_demo(const void *arg)
{
	int null = open("/dev/null", O_WRONLY);

	(void)arg;
	dup2(null, STDOUT_FILENO);
	execl(JITSEAL_DEMO, JITSEAL_DEMO, NULL);
	return 127;
}

TEST_F(lib, demo_jit_runs)
{
	if (access(JITSEAL_DEVICE, F_OK))
		SKIP(return, "no %s (module not loaded)", JITSEAL_DEVICE);
	if (access(JITSEAL_DEMO, X_OK))
		SKIP(return, "no %s (make)", JITSEAL_DEMO);
	EXPECT_EQ(0, run_confined(run_demo, NULL));
}

TEST_HARNESS_MAIN
