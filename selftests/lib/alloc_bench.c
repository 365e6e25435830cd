// SPDX-License-Identifier: GPL-2.0
/*
 * Not a test: the loop behind the "instructions per allocation" figure.
 *   valgrind --tool=callgrind ./build/alloc_bench 100000 48 16 code
 *   callgrind_annotate callgrind.out.* | grep jitseal_alloc
 * divides by N: the fast path's cost (48 bytes, align 16: no gap).
 * Arguments: N SIZE ALIGN code|rodata|data.
 *
 *   ./build/alloc_bench N SIZE ALIGN finalize
 * stages N functions of SIZE bytes and finalizes each one alone, then
 * prints the wall-clock time per alloc+write+finalize.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jitseal.h>

#include "jsarch.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int bench_finalize(long n, size_t size, size_t align)
{
	JITSEAL_OPTS(jitseal_pool_opts, o, .sealing = JITSEAL_SEALED_PREFERRED);
	struct jitseal_pool_stats st = { .sz = sizeof(st) };
	struct jitseal_pool *p = jitseal_pool_create(&o);
	struct jitseal_mem m;
	double t0, t1;
	long i;

	if (!p || size < 1) {
		perror("jitseal_pool_create");
		return 1;
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		if (jitseal_alloc(p, size, align, JITSEAL_CODE, &m))
			return 1;
		js_arch_fill(m.stage, size, JS_ARCH_RET_INSN);
		if (jitseal_finalize(p, NULL))
			return 1;
	}
	t1 = now();
	((void (*)(void))m.addr)();
	jitseal_pool_stats(p, &st);
	printf("%s: %ld functions of %zu bytes, one finalize each: %.0f ns per function; %zu pages, %llu regions\n",
	       jitseal_backend_name(jitseal_pool_backend(p)), n, size,
	       (t1 - t0) / (double)n, st.pages, (unsigned long long)st.regions);
	return jitseal_pool_destroy(p) ? 1 : 0;
}

int main(int argc, char **argv)
{
	JITSEAL_OPTS(jitseal_pool_opts, o, .sealing = JITSEAL_SEALED_PREFERRED,
		     .code_size = 256 << 20, .rodata_size = 256 << 20,
		     .data_size = 256 << 20);
	enum jitseal_kind kind = JITSEAL_CODE;
	struct jitseal_pool *p;
	struct jitseal_mem m;
	size_t size, align;
	long i, n;

	if (argc != 5) {
		fprintf(stderr, "usage: %s N SIZE ALIGN code|rodata|data\n", argv[0]);
		return 2;
	}
	n = atol(argv[1]);
	size = strtoul(argv[2], NULL, 0);
	align = strtoul(argv[3], NULL, 0);
	if (!strcmp(argv[4], "finalize"))
		return bench_finalize(atol(argv[1]), strtoul(argv[2], NULL, 0),
				      strtoul(argv[3], NULL, 0));
	if (!strcmp(argv[4], "rodata"))
		kind = JITSEAL_RODATA;
	else if (!strcmp(argv[4], "data"))
		kind = JITSEAL_DATA;
	p = jitseal_pool_create(&o);
	if (!p) {
		perror("jitseal_pool_create");
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (jitseal_alloc(p, size, align, kind, &m)) {
			fprintf(stderr, "jitseal_alloc failed at %ld\n", i);
			return 1;
		}
	}
	printf("%ld allocations of %zu bytes (align %zu, %s) on %s\n", n, size,
	       align, argv[4], jitseal_backend_name(jitseal_pool_backend(p)));
	jitseal_discard(p);
	return jitseal_pool_destroy(p) ? 1 : 0;
}
