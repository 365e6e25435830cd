/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the libjitseal tests: pool creation that honours
 * JITSEAL_BACKEND, tiny x86-64 code emitters, and fault probes.
 * Every functional test runs unchanged on kmod, memfd and mprotect.
 */
#ifndef JSTEST_H
#define JSTEST_H

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jitseal.h>

#include "kselftest_harness.h"

typedef int (*fn_ii)(int);
typedef int (*fn_v)(void);

static inline struct jitseal_pool *test_pool_flags(size_t code, size_t ro,
						   size_t data,
						   unsigned int flags)
{
	JITSEAL_OPTS(jitseal_pool_opts, o,
		     .code_size = code, .rodata_size = ro, .data_size = data,
		     .sealing = JITSEAL_SEALED_PREFERRED, .flags = flags);
	return jitseal_pool_create(&o);
}

static inline struct jitseal_pool *test_pool(void)
{
	return test_pool_flags(0, 0, 0, 0);
}

static inline const char *test_backend(struct jitseal_pool *p)
{
	return jitseal_backend_name(jitseal_pool_backend(p));
}

static inline size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* mov eax, imm32; ret  (6 bytes) */
static inline size_t emit_ret_imm(uint8_t *p, uint32_t v)
{
	p[0] = 0xb8;
	memcpy(p + 1, &v, 4);
	p[5] = 0xc3;
	return 6;
}

/* f(x) = x * a + b: mov eax,edi; imul eax,eax,a; add eax,b; ret (14 bytes) */
#define AFFINE_LEN 14
static inline size_t emit_affine(uint8_t *p, int32_t a, int32_t b)
{
	p[0] = 0x89; p[1] = 0xf8;
	p[2] = 0x69; p[3] = 0xc0; memcpy(p + 4, &a, 4);
	p[8] = 0x05; memcpy(p + 9, &b, 4);
	p[13] = 0xc3;
	return AFFINE_LEN;
}

static inline int32_t rel32(const void *from_next_insn, const void *to)
{
	return (int32_t)((intptr_t)to - (intptr_t)from_next_insn);
}

/* mov eax, [rip + to]; ret   (7 bytes), @at is the final address */
static inline size_t emit_load_rip(uint8_t *p, const uint8_t *at, const void *to)
{
	int32_t d = rel32(at + 6, to);

	p[0] = 0x8b; p[1] = 0x05; memcpy(p + 2, &d, 4);
	p[6] = 0xc3;
	return 7;
}

/* lea rax,[rip+to]; add [rax],edi; mov eax,[rax]; ret  (12 bytes) */
static inline size_t emit_add_rip(uint8_t *p, const uint8_t *at, const void *to)
{
	int32_t d = rel32(at + 7, to);

	p[0] = 0x48; p[1] = 0x8d; p[2] = 0x05; memcpy(p + 3, &d, 4);
	p[7] = 0x01; p[8] = 0x38;
	p[9] = 0x8b; p[10] = 0x00;
	p[11] = 0xc3;
	return 12;
}

/* sub rsp,8; call rel32 to; add rsp,8; ret  (14 bytes) */
static inline size_t emit_call(uint8_t *p, const uint8_t *at, const void *to)
{
	int32_t d;

	p[0] = 0x48; p[1] = 0x83; p[2] = 0xec; p[3] = 0x08;
	p[4] = 0xe8;
	d = rel32(at + 9, to);
	memcpy(p + 5, &d, 4);
	p[9] = 0x48; p[10] = 0x83; p[11] = 0xc4; p[12] = 0x08;
	p[13] = 0xc3;
	return 14;
}

/* Allocate, emit f(x)=x*a+b, return its final address (not yet sealed). */
static inline fn_ii stage_affine(struct jitseal_pool *p, int32_t a, int32_t b)
{
	struct jitseal_mem m;

	if (jitseal_alloc(p, AFFINE_LEN, 16, JITSEAL_CODE, &m))
		return NULL;
	emit_affine(m.stage, a, b);
	return (fn_ii)m.addr;
}

/* Does a one-byte write to @addr fault?  Probed in a child. */
static inline int write_faults(void *addr)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		*(volatile uint8_t *)addr = 0x90;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) &&
	       (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);
}

/* Does reading @addr fault? */
static inline int read_faults(const void *addr)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		(void)*(const volatile uint8_t *)addr;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status);
}

static inline struct jitseal_pool_stats test_stats(struct jitseal_pool *p)
{
	struct jitseal_pool_stats st = { .sz = sizeof(st) };

	jitseal_pool_stats(p, &st);
	return st;
}

#endif /* JSTEST_H */
