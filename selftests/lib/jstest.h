/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the libjitseal tests: pool creation that honours
 * JITSEAL_BACKEND, tiny code emitters (jsarch.h), and fault probes.
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

#include "jsarch.h"
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

/*
 * The code emitters are the architecture's (selftests/include/jsarch.h):
 * whole functions, each *_LEN bytes at most, placed at multiples of
 * INSN_ALIGN.  Fills: ret_fill() (every aligned entry returns), nop_fill(),
 * trap_fill() (as the library fills gaps), each by the staging address,
 * which keeps the final address's page offset.
 */
#define RET_LEN		JS_ARCH_RET_LEN
#define AFFINE_LEN	JS_ARCH_AFFINE_LEN
#define LOAD_LEN	JS_ARCH_LOAD_LEN
#define ADD_LEN		JS_ARCH_ADD_LEN
#define CALL_LEN	JS_ARCH_CALL_LEN
#define INSN_ALIGN	JS_ARCH_INSN_ALIGN

static inline size_t emit_ret_imm(uint8_t *p, uint32_t v)
{
	return js_arch_emit_ret(p, v);
}

static inline size_t emit_affine(uint8_t *p, int32_t a, int32_t b)
{
	return js_arch_emit_affine(p, a, b);
}

/* Return the int at @to; @at is the final address. */
static inline size_t emit_load_rip(uint8_t *p, const uint8_t *at, const void *to)
{
	return js_arch_emit_load(p, at, to);
}

/* Add the argument to the int at @to and return the sum. */
static inline size_t emit_add_rip(uint8_t *p, const uint8_t *at, const void *to)
{
	return js_arch_emit_add(p, at, to);
}

/* Call @to and return its value. */
static inline size_t emit_call(uint8_t *p, const uint8_t *at, const void *to)
{
	return js_arch_emit_call(p, at, to);
}

static inline void ret_fill(void *p, size_t len)
{
	js_arch_fill(p, len, JS_ARCH_RET_INSN);
}

static inline void nop_fill(void *p, size_t len)
{
	js_arch_fill(p, len, JS_ARCH_NOP_INSN);
}

static inline void trap_fill(void *p, size_t len)
{
	js_arch_fill(p, len, JS_ARCH_TRAP_INSN);
}

/* The trap fill's byte at address @at. */
static inline uint8_t trap_byte(const volatile void *at)
{
	return js_arch_fill_byte((uintptr_t)at, JS_ARCH_TRAP_INSN);
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
		*(volatile uint8_t *)addr = 0;
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
