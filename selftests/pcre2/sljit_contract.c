// SPDX-License-Identifier: GPL-2.0
/*
 * sljit's allocator contract on <jitseal/sljit.h>, with sljit itself
 * (PCRE2's copy, compiled into this program from the fetched source):
 * sizes known late, the executable offset, the install at
 * SLJIT_UPDATE_WX_FLAGS, frees by executable address, the probe PCRE2
 * makes (allocate, free without installing), writes after the install,
 * unknown frees, and the module absent.
 */
#define SLJIT_CONFIG_AUTO 1
#define SLJIT_CONFIG_STATIC 1
#define SLJIT_VERBOSE 0
#define SLJIT_DEBUG 0
#include "sljitLir.c"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

typedef sljit_sw (*fn_w)(sljit_sw);

/* f(x) = x + 42, with a forward jump sljit shortens (its size estimate
 * counts the long form).  @k, if set, receives a rewritable constant. */
static void *gen(struct sljit_compiler **cp, struct sljit_const **k)
{
	struct sljit_compiler *c = sljit_create_compiler(NULL, NULL);
	struct sljit_jump *j;

	sljit_emit_enter(c, 0, SLJIT_ARGS1(W, W), 2, 1, 0, 0, 0);
	sljit_emit_op2(c, SLJIT_ADD, SLJIT_R0, 0, SLJIT_S0, 0, SLJIT_IMM, 42);
	j = sljit_emit_jump(c, SLJIT_JUMP);
	sljit_emit_op2(c, SLJIT_ADD, SLJIT_R0, 0, SLJIT_R0, 0, SLJIT_IMM, 1000);
	sljit_set_label(j, sljit_emit_label(c));
	if (k)
		*k = sljit_emit_const(c, SLJIT_R1, 0, 5);
	sljit_emit_return(c, SLJIT_MOV, SLJIT_R0, 0);
	*cp = c;
	return sljit_generate_code(c);
}

static void stats(struct jitseal_pool_stats *st)
{
	st->sz = sizeof(*st);
	jitseal_pool_stats(jitseal_sljit_pool(), st);
}

/* Run this program with @mode in a child; 1 if it died of SIGABRT with
 * exactly one stderr line containing @want. */
static int dies_with(const char *mode, const char *want)
{
	char buf[512] = "";
	int p[2], st, lines = 0;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(p))
		return 0;
	pid = fork();
	if (!pid) {
		dup2(p[1], 2);
		if (!strcmp(mode, "no-module"))
			unsetenv("JITSEAL_BACKEND");
		execl("/proc/self/exe", "sljit_contract", mode, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	close(p[0]);
	waitpid(pid, &st, 0);
	for (n = 0; n < got; n++)
		lines += buf[n] == '\n';
	if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT && lines == 1 && strstr(buf, want))) {
		printf("# child status %#x, stderr: %s\n", st, buf);
		return 0;
	}
	return 1;
}

/* The modes dies_with() runs; each should end in abort(). */
static int child_mode(const char *mode)
{
	static char not_code[64];
	struct sljit_compiler *c;
	struct sljit_const *k;

	if (!strcmp(mode, "set-const")) {
		if (gen(&c, &k))
			sljit_set_const(sljit_get_const_addr(k), 7, sljit_get_executable_offset(c));
	} else if (!strcmp(mode, "free-unknown")) {
		if (jitseal_sljit_pool())
			SLJIT_FREE_EXEC(not_code + 16, NULL);
	} else if (!strcmp(mode, "no-module")) {
		errno = 0;
		if (!SLJIT_MALLOC_EXEC(64, NULL) && errno == ENODEV)
			abort();	/* the status dies_with() looks for */
	}
	return 1;
}

/* A forked child runs its parent's code, compiles into a pool of its
 * own, and its free of the parent's code leaves the parent's pool be. */
static int fork_child(void *parent_code)
{
	struct sljit_compiler *c;
	int st;
	pid_t pid = fork();

	if (!pid) {
		fn_w f = (fn_w)gen(&c, NULL);
		int ok = f && f(2) == 44 && ((fn_w)parent_code)(3) == 45;

		sljit_free_code(parent_code, NULL);
		if (f)
			sljit_free_code((void *)f, NULL);
		_exit(ok ? 0 : 1);
	}
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st);
}

int main(int argc, char **argv)
{
	struct jitseal_pool_stats a, b;
	struct sljit_compiler *c;
	sljit_uw size;
	void *code, *p;
	fn_w f;

	if (argc > 1)
		return child_mode(argv[1]);
	if (!access("/dev/jitseal", F_OK)) {
		tap_check(1, "# SKIP module absent: /dev/jitseal exists");
	} else {
		tap_check(dies_with("no-module", "/dev/jitseal is missing"),
			  "module absent, sealing required: SLJIT_MALLOC_EXEC gives NULL (ENODEV) and one line");
	}

	stats(&a);
	code = gen(&c, NULL);
	size = sljit_get_generated_code_size(c);
	stats(&b);
	f = (fn_w)code;
	if (!tap_check(code && jitseal_sljit_pool(), "sljit generated code on the pool (%s)",
		       jitseal_sljit_pool() ? jitseal_backend_name(jitseal_pool_backend(jitseal_sljit_pool())) : "none"))
		return tap_end();
	tap_check(f(1) == 43, "the function runs from its final address: f(1) = %ld", (long)f(1));
	tap_check(sljit_get_executable_offset(c) != 0,
		  "SLJIT_EXEC_OFFSET: written at stage, runs at stage + %#lx",
		  (unsigned long)sljit_get_executable_offset(c));
	tap_check(b.finalizes == a.finalizes + 1 && b.pending == 0,
		  "installed at SLJIT_UPDATE_WX_FLAGS(..., 1): one finalize, nothing pending");
	tap_check(b.used[JITSEAL_CODE] - a.used[JITSEAL_CODE] == size && size < c->size,
		  "size known late: %lu bytes of the %lu allocated kept (used +%zu), the tail given back",
		  (unsigned long)size, (unsigned long)c->size,
		  b.used[JITSEAL_CODE] - a.used[JITSEAL_CODE]);
	sljit_free_compiler(c);
	sljit_free_code(code, NULL);
	stats(&a);
	tap_check(a.frees == b.frees + 1, "sljit_free_code with the executable address: jitseal_free");

	p = SLJIT_MALLOC_EXEC(32, NULL);
	SLJIT_FREE_EXEC((sljit_u8 *)p + SLJIT_EXEC_OFFSET(p), NULL);
	stats(&b);
	tap_check(p && b.discards == a.discards + 1 && b.pending == 0 && b.frees == a.frees,
		  "PCRE2's probe (allocate, free the final address, never installed): discarded");

	code = gen(&c, NULL);
	tap_check(code && fork_child(code) && ((fn_w)code)(0) == 42,
		  "fork: the child runs the parent's code, compiles its own, frees the parent's harmlessly");
	tap_check(dies_with("set-const", "cannot be written again"),
		  "sljit_set_const after the install: the process ends with one line");
	tap_check(dies_with("free-unknown", "SLJIT_FREE_EXEC of an address"),
		  "SLJIT_FREE_EXEC of an address jitseal did not give: one line, abort");
	return tap_end();
}
