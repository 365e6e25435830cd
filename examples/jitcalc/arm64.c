// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 code generation for jitcalc: the same stack machine as x86.c, on
 * x0.  Each function gets a frame (x29, x30) with its register arguments
 * spilled below x29; temporaries are pushed 16 bytes each, so sp stays
 * 16-byte aligned; calls pass arguments in x0..x5 (AAPCS64).  Calls are
 * BL (+-128 MiB), rodata constants and the data counter ADRP + ADD
 * (+-4 GiB): fixups patched once final addresses are known.  Division
 * needs no branch: SDIV gives 0 for a zero divisor and wraps INT64_MIN /
 * -1, as the interpreter says.
 */
#include <string.h>

#include "jitcalc.h"

#define RET		0xd65f03c0U
#define PUSH_X0		0xf81f0fe0U	/* str x0, [sp, #-16]! */
#define POP(r)		(0xf84107e0U | (r))	/* ldr xR, [sp], #16 */
#define MOV_X1_X0	0xaa0003e1U
#define CMP_X0_X1	0xeb01001fU
#define NEG_X0		0xcb0003e0U	/* sub x0, xzr, x0 */
#define ADRP_X16	0x90000010U
#define ADD_X16_LO12	0x91000210U	/* add x16, x16, #lo12 */

enum { EQ = 0, NE = 1, GE = 10, LT = 11, GT = 12, LE = 13 };

static void insn(struct gen *g, uint32_t w)
{
	gen_put(g, &w, 4);	/* little-endian, as instructions are */
}

static uint32_t *at_insn(struct gen *g, size_t off)
{
	return (uint32_t *)(g->c->code.p + off);
}

/* x16 = the address of a rodata constant or the counter (a fixup). */
static void addr_x16(struct gen *g, int kind, int target)
{
	gen_fixup(g, kind, target);
	insn(g, ADRP_X16);
	insn(g, ADD_X16_LO12);
}

/* ldur/stur xR, [x29, #-8(i+1)] */
static uint32_t frame_slot(uint32_t op, int i, int r)
{
	return op | ((uint32_t)(-8 * (i + 1)) & 0x1ff) << 12 | 29 << 5 | (uint32_t)r;
}

static void gen_expr(struct gen *g, const struct node *n);

static void gen_binary(struct gen *g, const struct node *n)
{
	static const uint8_t cond[] = {
		[N_LT] = LT, [N_LE] = LE, [N_GT] = GT, [N_GE] = GE,
		[N_EQ] = EQ, [N_NE] = NE,
	};

	gen_expr(g, n->kid[0]);
	insn(g, PUSH_X0);
	g->depth++;
	gen_expr(g, n->kid[1]);
	insn(g, MOV_X1_X0);
	insn(g, POP(0));
	g->depth--;
	switch (n->kind) {
	case N_ADD: insn(g, 0x8b010000U); return;	/* add x0, x0, x1 */
	case N_SUB: insn(g, 0xcb010000U); return;	/* sub x0, x0, x1 */
	case N_MUL: insn(g, 0x9b017c00U); return;	/* mul x0, x0, x1 */
	case N_DIV: insn(g, 0x9ac10c00U); return;	/* sdiv x0, x0, x1 */
	case N_MOD:
		insn(g, 0x9ac10c02U);		/* sdiv x2, x0, x1 */
		insn(g, 0x9b018040U);		/* msub x0, x2, x1, x0 */
		insn(g, 0xf100003fU);		/* cmp x1, #0 */
		insn(g, 0x9a8003e0U);		/* csel x0, xzr, x0, eq */
		return;
	default:
		break;
	}
	insn(g, CMP_X0_X1);
	/* cset x0, cond: csinc x0, xzr, xzr, !cond */
	insn(g, 0x9a9f07e0U | (uint32_t)(cond[n->kind] ^ 1) << 12);
}

static void gen_call(struct gen *g, const struct node *n)
{
	int i;

	for (i = 0; i < n->nargs; i++) {
		gen_expr(g, n->args[i]);
		insn(g, PUSH_X0);
		g->depth++;
	}
	for (i = n->nargs - 1; i >= 0; i--) {
		insn(g, POP((uint32_t)i));
		g->depth--;
	}
	gen_fixup(g, FIX_CALL, n->index);
	insn(g, 0x94000000U);			/* bl */
}

/* x0 = @v: movz/movk of the low 32 bits, sign-extended; else rodata. */
static void gen_num(struct gen *g, int64_t v)
{
	uint32_t u = (uint32_t)v;

	if (v < INT32_MIN || v > INT32_MAX) {
		addr_x16(g, FIX_RODATA, gen_const(g, v));
		insn(g, 0xf9400200U);		/* ldr x0, [x16] */
		return;
	}
	insn(g, 0x52800000U | (u & 0xffff) << 5);	/* movz w0, #lo */
	insn(g, 0x72a00000U | (u >> 16) << 5);		/* movk w0, #hi, lsl 16 */
	insn(g, 0x93407c00U);				/* sxtw x0, w0 */
}

static void gen_if(struct gen *g, const struct node *n)
{
	size_t cbz, b;

	gen_expr(g, n->kid[0]);
	cbz = g->c->code.len;
	insn(g, 0xb4000000U);			/* cbz x0, else */
	gen_expr(g, n->kid[1]);
	b = g->c->code.len;
	insn(g, 0x14000000U);			/* b end */
	if (g->err)
		return;
	*at_insn(g, cbz) |= (uint32_t)((g->c->code.len - cbz) / 4 & 0x7ffff) << 5;
	gen_expr(g, n->kid[2]);
	if (!g->err)
		*at_insn(g, b) |= (uint32_t)((g->c->code.len - b) / 4 & 0x3ffffff);
}

static void gen_expr(struct gen *g, const struct node *n)
{
	if (g->err)
		return;
	switch (n->kind) {
	case N_NUM:
		gen_num(g, n->num);
		return;
	case N_VAR:
		insn(g, frame_slot(0xf8400000U, n->index, 0));	/* ldur x0 */
		return;
	case N_NEG:
		gen_expr(g, n->kid[0]);
		insn(g, NEG_X0);
		return;
	case N_CALL:
		gen_call(g, n);
		return;
	case N_IF:
		gen_if(g, n);
		return;
	default:
		gen_binary(g, n);
		return;
	}
}

/*
 * Compile @body as a function with @f's parameters (f NULL: no
 * parameters, no call counting: a top-level print).
 */
int gen_function(const struct func *f, const struct node *body,
		 struct cfunc *out, struct consts *k)
{
	struct gen g = { .c = out, .k = k };
	int i, np = f ? f->nparams : 0;

	memset(out, 0, sizeof(*out));
	insn(&g, 0xa9bf7bfdU);			/* stp x29, x30, [sp, #-16]! */
	insn(&g, 0x910003fdU);			/* mov x29, sp */
	if (np)					/* sub sp, sp, #16*ceil(np/2) */
		insn(&g, 0xd10003ffU | (uint32_t)(8 * (np + (np & 1))) << 10);
	for (i = 0; i < np; i++)		/* stur xI, [x29, #-8(i+1)] */
		insn(&g, frame_slot(0xf8000000U, i, i));
	if (f) {				/* the call counter, +1 */
		addr_x16(&g, FIX_DATA, 0);
		insn(&g, 0xf9400211U);		/* ldr x17, [x16] */
		insn(&g, 0x91000631U);		/* add x17, x17, #1 */
		insn(&g, 0xf9000211U);		/* str x17, [x16] */
	}
	gen_expr(&g, body);
	insn(&g, 0x910003bfU);			/* mov sp, x29 */
	insn(&g, 0xa8c17bfdU);			/* ldp x29, x30, [sp], #16 */
	insn(&g, RET);
	return g.err;
}

int patch_fixup(uint8_t *code, const struct fixup *f, uintptr_t at,
		uintptr_t to)
{
	int64_t d = (int64_t)(to - at), pages;
	uint32_t w[2];

	memcpy(w, code + f->at, 8);
	if (f->kind == FIX_CALL) {
		if (d < -(1LL << 27) || d >= 1LL << 27)
			return -1;
		w[0] |= (uint32_t)(d / 4) & 0x3ffffff;
	} else {
		pages = (int64_t)(to >> 12) - (int64_t)(at >> 12);
		if (pages < -(1LL << 20) || pages >= 1LL << 20)
			return -1;
		w[0] |= ((uint32_t)pages & 3) << 29 | ((uint32_t)((uint64_t)pages >> 2) & 0x7ffff) << 5;
		w[1] |= (uint32_t)(to & 0xfff) << 10;
	}
	memcpy(code + f->at, w, f->kind == FIX_CALL ? 4 : 8);
	return 0;
}
