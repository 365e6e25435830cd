// SPDX-License-Identifier: MIT
/*
 * hello: a complete, minimal JIT on libjitseal.  It compiles
 * f(x) = K * x + C into machine code, runs it and gives it back:
 * allocate, emit, shrink, name, finalize, call, free.
 *
 *   hello [--allow-unsealed] K C X
 *
 * Sealed (the kmod backend, /dev/jitseal) unless --allow-unsealed lets the
 * library fall back to an unsealed backend on a host without the module.
 * See examples/README.md for the build lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jitseal.h>

/* Emit f(x) = k * x + c at @p; returns its length in bytes. */
static size_t emit(uint8_t *p, int32_t k, int32_t c)
{
#if defined(__x86_64__)
	p[0] = 0x69; p[1] = 0xc7; memcpy(p + 2, &k, 4);	/* imul eax, edi, k */
	p[6] = 0x05; memcpy(p + 7, &c, 4);			/* add eax, c */
	p[11] = 0xc3;						/* ret */
	return 12;
#elif defined(__aarch64__)
	uint32_t insn[] = {
		0x52800001 | ((uint32_t)k & 0xffff) << 5,	/* movz w1, k lo */
		0x72a00001 | ((uint32_t)k >> 16) << 5,		/* movk w1, k hi */
		0x1b017c00,					/* mul w0, w0, w1 */
		0x52800001 | ((uint32_t)c & 0xffff) << 5,	/* movz w1, c lo */
		0x72a00001 | ((uint32_t)c >> 16) << 5,		/* movk w1, c hi */
		0x0b010000,					/* add w0, w0, w1 */
		0xd65f03c0,					/* ret */
	};

	memcpy(p, insn, sizeof(insn));
	return sizeof(insn);
#else
#error "hello: no code generator for this architecture"
#endif
}

int main(int argc, char **argv)
{
	int unsealed = argc > 1 && !strcmp(argv[1], "--allow-unsealed");
	JITSEAL_OPTS(jitseal_pool_opts, opts,
		     .sealing = unsealed ? JITSEAL_SEALED_PREFERRED : JITSEAL_SEALED_ONLY);
	struct jitseal_pool *pool;
	struct jitseal_mem mem;
	int (*f)(int);
	size_t len;
	int err;

	if (argc != 4 + unsealed) {
		fprintf(stderr, "usage: hello [--allow-unsealed] K C X\n");
		return 2;
	}
	argv += unsealed;
	pool = jitseal_pool_create(&opts);
	if (!pool) {	/* one line that says what to do */
		fprintf(stderr, "hello: %s\n", jitseal_pool_error());
		return 1;
	}
	/* Room for the longest code we emit; write at .stage, run at .addr. */
	err = jitseal_alloc(pool, 64, 16, JITSEAL_CODE, &mem);
	if (!err) {
		len = emit(mem.stage, atoi(argv[1]), atoi(argv[2]));
		err = jitseal_shrink(pool, &mem, len);	/* the rest goes back */
	}
	if (!err)	/* for perf and gdb, when JITSEAL_PERF asks */
		err = jitseal_symbol(pool, mem.addr, len, "f");
	if (!err)	/* sealed from here on: read+exec only */
		err = jitseal_finalize(pool, NULL);
	if (err) {
		fprintf(stderr, "hello: %s\n", strerror(-err));
		jitseal_pool_destroy(pool);
		return 1;
	}
	f = (int (*)(int))mem.addr;
	printf("f(x) = %s * x + %s, %zu bytes at %p on the %s backend: f(%s) = %d\n",
	       argv[1], argv[2], len, mem.addr,
	       jitseal_backend_name(jitseal_pool_backend(pool)), argv[3],
	       f(atoi(argv[3])));
	err = jitseal_free(pool, mem.addr);	/* its page goes back */
	if (!err)
		err = jitseal_pool_destroy(pool);
	return err ? 1 : 0;
}
