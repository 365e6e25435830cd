// SPDX-License-Identifier: GPL-2.0
/*
 * Real x86-64 functions of any size from 16 bytes up:
 *
 *   0        mov  eax, A          b8 A
 *   5        jmp  tail            e9 rel32
 *   10       int3 ...             cc (padding, never executed)
 *   len-6    xor  eax, B          35 B
 *   len-1    ret                  c3
 *
 * A and B both depend on the function's id and A ^ B == id, so a call
 * returns the id only if the first and the last bytes are where they
 * belong.  Three instructions run whatever the size, so calling a 64 KiB
 * function costs what calling a 16 byte one does.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static uint32_t mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void emit_to(uint8_t *p, size_t len, uint32_t id)
{
	uint32_t a = mix(id), b = a ^ id;

	p[0] = 0xb8;
	put32(p + 1, a);
	p[5] = 0xe9;
	put32(p + 6, (uint32_t)(len - 6 - 10));
	if (len > 16)
		memset(p + 10, 0xcc, len - 16);
	p[len - 6] = 0x35;
	put32(p + len - 5, b);
	p[len - 1] = 0xc3;
}

void code_emit(struct fn *f)
{
	emit_to(f->stage, f->len, f->id);
}

uint32_t code_expect(uint32_t id)
{
	return id;
}

typedef uint32_t (*jit_fn)(void);

int code_call_all(const struct fn *fns, size_t n, const char **why)
{
	size_t i;

	for (i = 0; i < n; i++) {
		jit_fn call;

		if (!fns[i].addr) {
			*why = "a function has no final address";
			return -1;
		}
		call = (jit_fn)fns[i].addr;
		if (call() != code_expect(fns[i].id)) {
			*why = "a function returned a wrong value";
			return -1;
		}
	}
	return 0;
}

int code_verify_bytes(const struct fn *fns, size_t n)
{
	size_t i, cap = 0;
	uint8_t *buf = NULL;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		if (fns[i].len > cap) {
			uint8_t *nb = realloc(buf, fns[i].len);

			if (!nb) {
				ret = -1;
				break;
			}
			buf = nb;
			cap = fns[i].len;
		}
		emit_to(buf, fns[i].len, fns[i].id);
		if (memcmp(buf, fns[i].addr, fns[i].len))
			ret = -1;
	}
	free(buf);
	return ret;
}
