// SPDX-License-Identifier: GPL-2.0
/*
 * The debugger's target: two JIT functions with frame-pointer prologues,
 * jit_outer() calling jit_inner() calling abort(), named with
 * jitseal_symbol() and sealed by one finalize.  run_vm runs it under gdb
 * with JITSEAL_PERF=gdb: "bt" at the abort must show jit_inner and
 * jit_outer between abort and main, and a breakpoint on jit_inner set
 * before the code exists must stop there.
 *
 *   jitabort [--allow-fallback]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jitseal.h>

/* push %rbp; mov %rsp,%rbp */
static size_t prologue(uint8_t *p)
{
	static const uint8_t b[] = { 0x55, 0x48, 0x89, 0xe5 };

	memcpy(p, b, sizeof(b));
	return sizeof(b);
}

/* leave; ret */
static size_t epilogue(uint8_t *p)
{
	p[0] = 0xc9;
	p[1] = 0xc3;
	return 2;
}

int main(int argc, char **argv)
{
	JITSEAL_OPTS(jitseal_pool_opts, o, .code_size = 64 << 10);
	struct jitseal_mem inner, outer;
	struct jitseal_pool *pool;
	void (*abort_fn)(void) = abort;
	uint8_t *p;
	int32_t rel;
	int err;

	if (argc > 1 && !strcmp(argv[1], "--allow-fallback"))
		o.sealing = JITSEAL_SEALED_PREFERRED;
	pool = jitseal_pool_create(&o);
	if (!pool) {
		fprintf(stderr, "jitabort: jitseal_pool_create: %s\n",
			strerror(errno));
		return 1;
	}
	if (jitseal_alloc(pool, 32, 16, JITSEAL_CODE, &inner) ||
	    jitseal_alloc(pool, 32, 16, JITSEAL_CODE, &outer))
		return 1;
	/* jit_inner: movabs $abort, %rax; call *%rax */
	p = inner.stage;
	p += prologue(p);
	*p++ = 0x48;
	*p++ = 0xb8;
	memcpy(p, &abort_fn, 8);
	p += 8;
	*p++ = 0xff;
	*p++ = 0xd0;
	p += epilogue(p);
	memset(p, 0xcc, 32 - (size_t)(p - (uint8_t *)inner.stage));
	/* jit_outer: call jit_inner */
	p = outer.stage;
	p += prologue(p);
	*p++ = 0xe8;
	rel = (int32_t)((char *)inner.addr - ((char *)outer.addr + 9));
	memcpy(p, &rel, 4);
	p += 4;
	p += epilogue(p);
	memset(p, 0xcc, 32 - (size_t)(p - (uint8_t *)outer.stage));
	err = jitseal_symbol(pool, inner.addr, 20, "jit_inner");
	if (!err)
		err = jitseal_symbol(pool, outer.addr, 11, "jit_outer");
	if (!err)
		err = jitseal_finalize(pool, NULL);
	if (err) {
		fprintf(stderr, "jitabort: %s\n", strerror(-err));
		return 1;
	}
	printf("jitabort: calling jit_outer at %p, jit_inner at %p\n",
	       outer.addr, inner.addr);
	fflush(stdout);
	((void (*)(void))outer.addr)();
	return 0;
}
