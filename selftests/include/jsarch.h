/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine code the selftests emit, for the architecture they are built
 * for: the only file of selftests/ that knows an instruction encoding (the
 * tests of selftests/jitseal and selftests/lib use it through util.h and
 * jstest.h).  Every emitter writes a whole function that follows the C
 * calling convention, so a test calls it as int (*)(...) and checks the
 * value.  Fills are by address, as the module and the library fill: the
 * byte at address A is byte A % 4 of an arm64 instruction word.
 *
 *   js_arch_emit_ret(p, v)     return v (any 32 bits)
 *   js_arch_emit_affine(p, a, b)   int f(int x) { return x * a + b; }
 *   js_arch_emit_load(p, at, to)   int f(void) { return *(int *)to; }
 *   js_arch_emit_add(p, at, to)    int f(int x) { return *(int *)to += x; }
 *   js_arch_emit_call(p, at, to)   int f(void) { return to(); }
 * @at is the address the code will run at (staging is elsewhere); every
 * target is within the library's span of one pool (+-2 GiB).
 */
#ifndef JS_SELFTEST_ARCH_H
#define JS_SELFTEST_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)

#define JS_ARCH_INSN_ALIGN	1
#define JS_ARCH_RET_LEN		6	/* mov eax, imm32; ret */
#define JS_ARCH_AFFINE_LEN	14
#define JS_ARCH_LOAD_LEN	7
#define JS_ARCH_ADD_LEN		12
#define JS_ARCH_CALL_LEN	14
#define JS_ARCH_JMP_SLOT_LEN	12
#define JS_ARCH_JMP_SLOT_REL_LEN	6
#define JS_ARCH_RET_INSN	0xc3U
#define JS_ARCH_NOP_INSN	0x90U
#define JS_ARCH_TRAP_INSN	0xccU	/* int3 */
#define JS_ARCH_INSN_LEN	1

static inline int32_t js_arch_rel32(const void *next, const void *to)
{
	return (int32_t)((intptr_t)to - (intptr_t)next);
}

/* The value a function of js_arch_emit_ret() returns, if @p holds one. */
static inline bool js_arch_ret_value(const uint8_t *p, uint32_t *v)
{
	if (p[0] != 0xb8 || p[5] != 0xc3)
		return false;
	memcpy(v, p + 1, 4);
	return true;
}

static inline size_t js_arch_emit_ret(uint8_t *p, uint32_t v)
{
	p[0] = 0xb8;
	memcpy(p + 1, &v, 4);
	p[5] = 0xc3;
	return JS_ARCH_RET_LEN;
}

/* mov eax,edi; imul eax,eax,a; add eax,b; ret */
static inline size_t js_arch_emit_affine(uint8_t *p, int32_t a, int32_t b)
{
	p[0] = 0x89; p[1] = 0xf8;
	p[2] = 0x69; p[3] = 0xc0; memcpy(p + 4, &a, 4);
	p[8] = 0x05; memcpy(p + 9, &b, 4);
	p[13] = 0xc3;
	return JS_ARCH_AFFINE_LEN;
}

/* mov eax, [rip + to]; ret */
static inline size_t js_arch_emit_load(uint8_t *p, const uint8_t *at,
				       const void *to)
{
	int32_t d = js_arch_rel32(at + 6, to);

	p[0] = 0x8b; p[1] = 0x05; memcpy(p + 2, &d, 4);
	p[6] = 0xc3;
	return JS_ARCH_LOAD_LEN;
}

/* lea rax,[rip+to]; add [rax],edi; mov eax,[rax]; ret */
static inline size_t js_arch_emit_add(uint8_t *p, const uint8_t *at,
				      const void *to)
{
	int32_t d = js_arch_rel32(at + 7, to);

	p[0] = 0x48; p[1] = 0x8d; p[2] = 0x05; memcpy(p + 3, &d, 4);
	p[7] = 0x01; p[8] = 0x38;
	p[9] = 0x8b; p[10] = 0x00;
	p[11] = 0xc3;
	return JS_ARCH_ADD_LEN;
}

/* sub rsp,8; call rel32 to; add rsp,8; ret */
static inline size_t js_arch_emit_call(uint8_t *p, const uint8_t *at,
				       const void *to)
{
	int32_t d = js_arch_rel32(at + 9, to);

	p[0] = 0x48; p[1] = 0x83; p[2] = 0xec; p[3] = 0x08;
	p[4] = 0xe8;
	memcpy(p + 5, &d, 4);
	p[9] = 0x48; p[10] = 0x83; p[11] = 0xc4; p[12] = 0x08;
	p[13] = 0xc3;
	return JS_ARCH_CALL_LEN;
}

/* movabs rax, slot; jmp qword ptr [rax]: a tail call through a slot */
static inline size_t js_arch_emit_jmp_slot(uint8_t *p, uint64_t slot)
{
	p[0] = 0x48;
	p[1] = 0xb8;
	memcpy(p + 2, &slot, 8);
	p[10] = 0xff;
	p[11] = 0x20;
	return JS_ARCH_JMP_SLOT_LEN;
}

/* jmp qword ptr [rip + disp32]: the same from code at @at, 2 GiB reach */
static inline size_t js_arch_emit_jmp_slot_rel(uint8_t *p, const uint8_t *at,
					       const void *slot)
{
	int32_t d = js_arch_rel32(at + 6, slot);

	p[0] = 0xff;
	p[1] = 0x25;
	memcpy(p + 2, &d, 4);
	return JS_ARCH_JMP_SLOT_REL_LEN;
}

#elif defined(__aarch64__)

#define JS_ARCH_INSN_ALIGN	4
#define JS_ARCH_RET_LEN		12	/* movz w0; movk w0, lsl 16; ret */
#define JS_ARCH_AFFINE_LEN	28
#define JS_ARCH_LOAD_LEN	16
#define JS_ARCH_ADD_LEN		28
#define JS_ARCH_CALL_LEN	24
#define JS_ARCH_JMP_SLOT_LEN	24
#define JS_ARCH_JMP_SLOT_REL_LEN	12
#define JS_ARCH_RET_INSN	0xd65f03c0U	/* ret */
#define JS_ARCH_NOP_INSN	0xd503201fU	/* nop */
#define JS_ARCH_TRAP_INSN	0xd4200000U	/* brk #0, as the module fills */
#define JS_ARCH_INSN_LEN	4

static inline void js_arch_put(uint8_t *p, size_t *n, uint32_t insn)
{
	memcpy(p + *n, &insn, 4);	/* instructions are little-endian */
	*n += 4;
}

/* movz wD, #lo16; movk wD, #hi16, lsl #16 */
static inline void js_arch_mov32(uint8_t *p, size_t *n, unsigned int rd,
				 uint32_t v)
{
	js_arch_put(p, n, 0x52800000U | (v & 0xffff) << 5 | rd);
	js_arch_put(p, n, 0x72a00000U | (v >> 16) << 5 | rd);
}

/* adrp x16, to; add x16, x16, #:lo12:to */
static inline void js_arch_addr(uint8_t *p, size_t *n, const uint8_t *at,
				const void *to)
{
	int64_t pages = ((intptr_t)to >> 12) - ((intptr_t)(at + *n) >> 12);
	uint32_t lo = (uint32_t)pages & 3;
	uint32_t hi = (uint32_t)((uint64_t)pages >> 2) & 0x7ffff;

	js_arch_put(p, n, 0x90000000U | lo << 29 | hi << 5 | 16);
	js_arch_put(p, n, 0x91000000U | ((uint32_t)(uintptr_t)to & 0xfff) << 10 |
			  16 << 5 | 16);
}

static inline size_t js_arch_emit_ret(uint8_t *p, uint32_t v)
{
	size_t n = 0;

	js_arch_mov32(p, &n, 0, v);
	js_arch_put(p, &n, JS_ARCH_RET_INSN);
	return n;
}

/* The value a function of js_arch_emit_ret() returns, if @p holds one. */
static inline bool js_arch_ret_value(const uint8_t *p, uint32_t *v)
{
	uint32_t w[3];

	memcpy(w, p, sizeof(w));
	if ((w[0] & 0xffe0001f) != 0x52800000U ||
	    (w[1] & 0xffe0001f) != 0x72a00000U || w[2] != JS_ARCH_RET_INSN)
		return false;
	*v = (w[0] >> 5 & 0xffff) | (w[1] >> 5 & 0xffff) << 16;
	return true;
}

/* w1 = a; w0 = w0 * w1; w1 = b; w0 = w0 + w1; ret */
static inline size_t js_arch_emit_affine(uint8_t *p, int32_t a, int32_t b)
{
	size_t n = 0;

	js_arch_mov32(p, &n, 1, (uint32_t)a);
	js_arch_put(p, &n, 0x1b017c00U);	/* mul w0, w0, w1 */
	js_arch_mov32(p, &n, 1, (uint32_t)b);
	js_arch_put(p, &n, 0x0b010000U);	/* add w0, w0, w1 */
	js_arch_put(p, &n, JS_ARCH_RET_INSN);
	return n;
}

/* x16 = to; ldr w0, [x16]; ret */
static inline size_t js_arch_emit_load(uint8_t *p, const uint8_t *at,
				       const void *to)
{
	size_t n = 0;

	js_arch_addr(p, &n, at, to);
	js_arch_put(p, &n, 0xb9400200U);	/* ldr w0, [x16] */
	js_arch_put(p, &n, JS_ARCH_RET_INSN);
	return n;
}

/* x16 = to; ldr w1, [x16]; add w1, w1, w0; str w1, [x16]; mov w0, w1; ret */
static inline size_t js_arch_emit_add(uint8_t *p, const uint8_t *at,
				      const void *to)
{
	size_t n = 0;

	js_arch_addr(p, &n, at, to);
	js_arch_put(p, &n, 0xb9400201U);	/* ldr w1, [x16] */
	js_arch_put(p, &n, 0x0b000021U);	/* add w1, w1, w0 */
	js_arch_put(p, &n, 0xb9000201U);	/* str w1, [x16] */
	js_arch_put(p, &n, 0x2a0103e0U);	/* mov w0, w1 */
	js_arch_put(p, &n, JS_ARCH_RET_INSN);
	return n;
}

/* stp x29, x30, [sp, #-16]!; x16 = to; blr x16; ldp x29, x30, [sp], #16; ret */
static inline size_t js_arch_emit_call(uint8_t *p, const uint8_t *at,
				       const void *to)
{
	size_t n = 0;

	js_arch_put(p, &n, 0xa9bf7bfdU);
	js_arch_addr(p, &n, at, to);
	js_arch_put(p, &n, 0xd63f0200U);	/* blr x16 */
	js_arch_put(p, &n, 0xa8c17bfdU);
	js_arch_put(p, &n, JS_ARCH_RET_INSN);
	return n;
}

/*
 * movz/movk x16 (the slot's address, 4 x 16 bits); ldr x16, [x16];
 * br x16: a tail call through a slot
 */
static inline size_t js_arch_emit_jmp_slot(uint8_t *p, uint64_t slot)
{
	size_t n = 0;
	unsigned int hw;

	for (hw = 0; hw < 4; hw++)
		js_arch_put(p, &n, (hw ? 0xf2800000U : 0xd2800000U) | hw << 21 |
				   (uint32_t)(slot >> 16 * hw & 0xffff) << 5 | 16);
	js_arch_put(p, &n, 0xf9400210U);	/* ldr x16, [x16] */
	js_arch_put(p, &n, 0xd61f0200U);	/* br x16 */
	return n;
}

/*
 * adrp x16, slot; ldr x16, [x16, #:lo12:slot]; br x16: the same from
 * code at @at, 4 GiB reach (the slot is 8-byte aligned)
 */
static inline size_t js_arch_emit_jmp_slot_rel(uint8_t *p, const uint8_t *at,
					       const void *slot)
{
	int64_t pages = ((intptr_t)slot >> 12) - ((intptr_t)at >> 12);
	uint32_t lo = (uint32_t)pages & 3;
	uint32_t hi = (uint32_t)((uint64_t)pages >> 2) & 0x7ffff;
	uint32_t off = ((uint32_t)(uintptr_t)slot & 0xfff) >> 3;
	size_t n = 0;

	js_arch_put(p, &n, 0x90000000U | lo << 29 | hi << 5 | 16);
	js_arch_put(p, &n, 0xf9400000U | off << 10 | 16 << 5 | 16);
	js_arch_put(p, &n, 0xd61f0200U);
	return n;
}

#else
#error "selftests: no code emitters (selftests/include/jsarch.h) for this target"
#endif

/* The byte at address @at of a fill with instruction @insn. */
static inline uint8_t js_arch_fill_byte(uintptr_t at, uint32_t insn)
{
	return (uint8_t)(insn >> 8 * (at % JS_ARCH_INSN_LEN));
}

/*
 * Fill [@p, @p + @len) with @insn (JS_ARCH_RET_INSN, _NOP_INSN,
 * _TRAP_INSN) as code at @at would hold it; @at is @p itself for code
 * staged at its own page offset, as the library and the module keep it.
 */
static inline void js_arch_fill_at(void *p, uintptr_t at, size_t len,
				   uint32_t insn)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = js_arch_fill_byte(at + i, insn);
}

static inline void js_arch_fill(void *p, size_t len, uint32_t insn)
{
	js_arch_fill_at(p, (uintptr_t)p, len, insn);
}

/* True if every byte of [@p, @p + @len) is the trap fill at its address. */
static inline bool js_arch_is_trap(const void *p, size_t len)
{
	const volatile uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != js_arch_fill_byte((uintptr_t)p + i, JS_ARCH_TRAP_INSN))
			return false;
	return true;
}

/* @n rounded up to a whole instruction. */
static inline size_t js_arch_insn_up(size_t n)
{
	return (n + JS_ARCH_INSN_ALIGN - 1) & ~(size_t)(JS_ARCH_INSN_ALIGN - 1);
}

#endif
