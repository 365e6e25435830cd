// SPDX-License-Identifier: GPL-2.0
/*
 * jitcalc: a small JIT on libjitseal.  It compiles a program of integer
 * functions to x86-64 or arm64, seals the code with one finalize per module (the
 * functions, then the top-level prints, which append into the same
 * pages), runs it, and checks every result against an interpreter.  Then
 * it shows the sealed mappings and tries to write to the code.  Every
 * function is named (jitseal_symbol()), so with JITSEAL_PERF=jitdump,map,gdb
 * perf and gdb show the JIT's functions by name.
 *
 *   jitcalc [--allow-fallback] [--tap] [--repeat N] [FILE]
 *
 * Without --allow-fallback the pool requires the sealed kmod backend.
 * --repeat N runs each print's code N times (a hot loop to profile); the
 * interpreter checks it once.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jitseal.h>

#include "jitcalc.h"

static int tap, ntap, tap_failed;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (tap) {
		printf("%sok %d ", ok ? "" : "not ", ++ntap);
		vprintf(fmt, ap);
		printf("\n");
	} else if (!ok) {
		printf("FAILED: ");
		vprintf(fmt, ap);
		printf("\n");
	}
	va_end(ap);
	if (!ok)
		tap_failed = 1;
}

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (tap)
		printf("# ");
	vprintf(fmt, ap);
	va_end(ap);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			char *ns = realloc(s, cap = len + 8192);

			if (!ns) {
				free(s);
				fclose(f);
				return NULL;
			}
			s = ns;
		}
		n = fread(s + len, 1, 4096, f);
		len += n;
	} while (n);
	fclose(f);
	s[len] = '\0';
	return s;
}

struct module {
	struct cfunc *cf;
	struct jitseal_mem *mem;
	int n;
	struct consts k;
	struct jitseal_mem rodata;
};

/*
 * Name the module's functions for profilers and debuggers: the program's
 * own names, "print#N" for the top-level prints.  The names take effect
 * with the finalize that seals the code.
 */
static int name_module(struct jitseal_pool *pool, const struct module *m,
		       const struct prog *p, int defines)
{
	char name[48];
	int i, err;

	for (i = 0; i < m->n; i++) {
		if (defines)
			snprintf(name, sizeof(name), "%s", p->funcs[i].name);
		else
			snprintf(name, sizeof(name), "print#%d", i + 1);
		err = jitseal_symbol(pool, m->mem[i].addr, m->cf[i].code.len,
				     name);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Allocate every function of the module and its constants, stage the
 * code, patch references to final addresses, name the functions, finalize
 * once.
 * @fn_addr: final addresses of the program's functions (calls go there).
 */
static int build_module(struct jitseal_pool *pool, struct module *m,
			void **fn_addr, int defines,
			const struct jitseal_mem *counter,
			const struct prog *p)
{
	struct jitseal_pool_stats st = { .sz = sizeof(st) };
	int i, j, err;

	for (i = 0; i < m->n; i++) {
		err = jitseal_alloc(pool, m->cf[i].code.len, 16, JITSEAL_CODE,
				    &m->mem[i]);
		if (err)
			return err;
		memcpy(m->mem[i].stage, m->cf[i].code.p, m->cf[i].code.len);
		if (defines)
			fn_addr[i] = m->mem[i].addr;
	}
	memset(&m->rodata, 0, sizeof(m->rodata));
	if (m->k.n) {
		err = jitseal_alloc(pool, (size_t)m->k.n * 8, 8, JITSEAL_RODATA,
				    &m->rodata);
		if (err)
			return err;
		memcpy(m->rodata.stage, m->k.v, (size_t)m->k.n * 8);
	}
	for (i = 0; i < m->n; i++) {
		for (j = 0; j < m->cf[i].nfix; j++) {
			const struct fixup *f = &m->cf[i].fix[j];
			uintptr_t at = (uintptr_t)m->mem[i].addr + f->at;
			const char *to;

			if (f->kind == FIX_CALL)
				to = fn_addr[f->target];
			else if (f->kind == FIX_RODATA)
				to = (char *)m->rodata.addr + 8 * f->target;
			else
				to = counter->addr;
			/* one reservation: every target is in reach */
			if (patch_fixup(m->mem[i].stage, f, at, (uintptr_t)to))
				return -ERANGE;
		}
	}
	err = name_module(pool, m, p, defines);
	if (err) {
		fprintf(stderr, "jitcalc: jitseal_symbol: %s\n", strerror(-err));
		return err;
	}
	err = jitseal_finalize(pool, NULL);
	if (!err && !jitseal_pool_stats(pool, &st))
		say("  finalize: %d function(s), %d constant(s) sealed; %llu finalize(s), %llu install syscall(s) so far\n",
		    m->n, m->k.n, (unsigned long long)st.finalizes,
		    (unsigned long long)st.loads);
	return err;
}

static void show_maps(const void *code, const void *rodata)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	char line[512];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if (((uintptr_t)code >= lo && (uintptr_t)code < hi) ||
		    (rodata && (uintptr_t)rodata >= lo && (uintptr_t)rodata < hi))
			say("  %s", line);
	}
	fclose(f);
}

/* Try to change sealed code three ways, each in a child process. */
static void attack(void *code, int sealed)
{
	void *page = (void *)((uintptr_t)code & ~(uintptr_t)4095);
	char path[64];
	int status, fd, r;
	pid_t pid;

	if (!code)
		return;
	pid = fork();
	if (pid == 0) {
		uint8_t same = *(volatile uint8_t *)code;

		*(volatile uint8_t *)code = same;	/* the byte already there */
		_exit(0);
	}
	waitpid(pid, &status, 0);
	say("  store to the code at %p: %s\n", code,
	    WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "succeeded");
	check(WIFSIGNALED(status), "a store to sealed code faults");

	pid = fork();
	if (pid == 0)
		_exit(mprotect(page, 4096, PROT_READ | PROT_WRITE) ? errno : 0);
	waitpid(pid, &status, 0);
	r = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	say("  mprotect(code, PROT_READ|PROT_WRITE): %s\n",
	    r ? strerror(r) : "succeeded (this backend does not seal)");
	if (sealed)
		check(r == EACCES, "mprotect(+W) on sealed code fails with EACCES");

	snprintf(path, sizeof(path), "/proc/%d/mem", getpid());
	fd = open(path, O_RDWR);
	r = fd < 0 ? errno : 0;
	if (fd >= 0) {
		/* the byte already there: a backend that does not seal keeps working code */
		uint8_t same = *(volatile uint8_t *)code;

		r = pwrite(fd, &same, 1, (off_t)(uintptr_t)code) == 1 ? 0 : errno;
		close(fd);
	}
	say("  write through /proc/self/mem: %s\n", r ? strerror(r) :
	    "succeeded (this backend does not seal)");
	if (sealed)
		check(r != 0, "a write through /proc/self/mem fails");
}

int main(int argc, char **argv)
{
	struct jitseal_pool_opts opts = {
		.sz = sizeof(opts),
		.code_size = 1 << 20,
		.rodata_size = 64 << 10,
		.data_size = 64 << 10,
	};
	const char *file = NULL;
	struct jitseal_pool_stats st = { .sz = sizeof(st) };
	struct module funcs = { 0 }, prints = { 0 };
	struct jitseal_mem counter;
	struct jitseal_pool *pool;
	struct prog prog;
	void **fn_addr;
	char err[256], *src;
	int i, rc = 1, be, repeat = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--allow-fallback"))
			opts.sealing = JITSEAL_SEALED_PREFERRED;
		else if (!strcmp(argv[i], "--tap"))
			tap = 1;
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc &&
			 atoi(argv[i + 1]) > 0)
			repeat = atoi(argv[++i]);
		else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: %s [--allow-fallback] [--tap] [--repeat N] [FILE]\n",
				argv[0]);
			return 2;
		} else
			file = argv[i];
	}
	if (!file) {
		static char here[4096];
		ssize_t n = readlink("/proc/self/exe", here, sizeof(here) - 32);

		if (n > 0) {
			char *slash;

			here[n] = '\0';
			slash = strrchr(here, '/');
			if (slash) {
				static char real[4096];

				snprintf(slash, sizeof(here) - (size_t)(slash - here),
					 "/../sample.calc");
				file = realpath(here, real) ? real : here;
			}
		}
	}
	src = file ? read_file(file) : NULL;
	if (!src) {
		fprintf(stderr, "jitcalc: cannot read %s\n", file ? file : "the sample");
		return 2;
	}
	if (tap)
		printf("TAP version 13\n");
	if (parse_program(src, &prog, err, sizeof(err))) {
		fprintf(stderr, "jitcalc: %s: %s\n", file, err);
		free(src);
		return 2;
	}
	free(src);

	pool = jitseal_pool_create(&opts);
	if (!pool) {
		int e = errno;

		fprintf(stderr, "jitcalc: jitseal_pool_create: %s\n", strerror(e));
		if (e == ENODEV)
			fprintf(stderr, "jitcalc: no /dev/jitseal: load the module (make demo runs it in a VM), or pass --allow-fallback\n");
		free_program(&prog);
		return 1;
	}
	be = jitseal_pool_backend(pool);
	if (tap)
		printf("1..%d\n", prog.nprints + 5 + (prog.nprints > 0) +
		       (be == JITSEAL_BACKEND_KMOD ? 3 : 0));
	say("jitcalc: %s: %d function(s), %d print(s); backend %s%s\n",
	    file, prog.nfuncs, prog.nprints, jitseal_backend_name(be),
	    be == JITSEAL_BACKEND_KMOD ? " (sealed by the kernel)" :
					 " (fallback: NOT sealed)");

	funcs.n = prog.nfuncs;
	funcs.cf = calloc((size_t)prog.nfuncs + 1, sizeof(*funcs.cf));
	funcs.mem = calloc((size_t)prog.nfuncs + 1, sizeof(*funcs.mem));
	prints.n = prog.nprints;
	prints.cf = calloc((size_t)prog.nprints + 1, sizeof(*prints.cf));
	prints.mem = calloc((size_t)prog.nprints + 1, sizeof(*prints.mem));
	fn_addr = calloc((size_t)prog.nfuncs + 1, sizeof(*fn_addr));
	if (!funcs.cf || !funcs.mem || !prints.cf || !prints.mem || !fn_addr)
		goto out;
	/* RW data: a call counter every function increments */
	if (jitseal_alloc(pool, 8, 8, JITSEAL_DATA, &counter))
		goto out;

	/* module 1: the functions; module 2: the prints, which call them */
	for (i = 0; i < prog.nfuncs; i++)
		if (gen_function(&prog.funcs[i], prog.funcs[i].body,
				 &funcs.cf[i], &funcs.k))
			goto out;
	for (i = 0; i < prog.nprints; i++)
		if (gen_function(NULL, prog.prints[i], &prints.cf[i], &prints.k))
			goto out;
	i = build_module(pool, &funcs, fn_addr, 1, &counter, &prog);
	check(!i, "module 1 (functions) sealed in one finalize");
	if (i) {
		fprintf(stderr, "jitcalc: finalize: %s\n", strerror(-i));
		goto out;
	}
	i = build_module(pool, &prints, fn_addr, 0, &counter, &prog);
	check(!i, "module 2 (prints) sealed in one finalize");
	if (i) {
		fprintf(stderr, "jitcalc: finalize: %s\n", strerror(-i));
		goto out;
	}

	say("results (JIT vs interpreter):\n");
	for (i = 0; i < prog.nprints; i++) {
		int64_t (*fn)(void) = (int64_t (*)(void))prints.mem[i].addr;
		uint64_t calls = 0, jit_calls = 0;
		int64_t want, got = 0;
		int r;

		want = interp(&prog, prog.prints[i], NULL, &calls);
		for (r = 0; r < repeat; r++) {
			*(volatile uint64_t *)counter.addr = 0;
			got = fn();
			if (got != want)
				break;
		}
		jit_calls = *(uint64_t *)counter.addr;
		say("  %-32s = %-20lld %s (%llu calls)\n", prog.print_src[i],
		    (long long)got, got == want && calls == jit_calls ?
		    "ok" : "MISMATCH", (unsigned long long)calls);
		check(got == want && calls == jit_calls,
		      "%s = %lld, as the interpreter says (%lld)",
		      prog.print_src[i], (long long)got, (long long)want);
	}

	jitseal_pool_stats(pool, &st);
	say("pool: %llu finalize(s), %llu install syscall(s), %zu page(s) hold %zu code + %zu rodata bytes\n",
	    (unsigned long long)st.finalizes, (unsigned long long)st.loads,
	    st.pages, st.sealed[JITSEAL_CODE], st.sealed[JITSEAL_RODATA]);
	check(st.finalizes == 2, "two finalize calls in all");
	check(st.pending == 0, "nothing left pending");
	if (be == JITSEAL_BACKEND_KMOD)
		check(st.loads == 2, "one LOAD syscall per finalize");
	say("mappings of the code and rodata:\n");
	show_maps(prog.nfuncs ? funcs.mem[0].addr : prints.mem[0].addr,
		  funcs.rodata.addr ? funcs.rodata.addr : prints.rodata.addr);
	say("trying to change sealed code:\n");
	attack(prog.nfuncs ? funcs.mem[0].addr : prints.mem[0].addr,
	       be == JITSEAL_BACKEND_KMOD);
	/* still intact */
	if (prog.nprints) {
		uint64_t calls = 0;
		int64_t want = interp(&prog, prog.prints[0], NULL, &calls);

		int64_t (*fn)(void) = (int64_t (*)(void))prints.mem[0].addr;

		check(fn && fn() == want, "the code still runs unchanged");
	}
	rc = tap_failed;
	if (!tap)
		printf("%s\n", rc ? "jitcalc: FAILED" : "jitcalc: all results match the interpreter");
out:
	for (i = 0; i < funcs.n && funcs.cf; i++)
		free_cfunc(&funcs.cf[i]);
	for (i = 0; i < prints.n && prints.cf; i++)
		free_cfunc(&prints.cf[i]);
	free(funcs.cf);
	free(funcs.mem);
	free(funcs.k.v);
	free(prints.cf);
	free(prints.mem);
	free(prints.k.v);
	free(fn_addr);
	jitseal_pool_destroy(pool);
	free_program(&prog);
	return rc;
}
