// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64 code generation for jitcalc: a stack machine on rax.  Each
 * function gets a frame (push rbp) with its register arguments spilled;
 * temporaries are pushed; calls pass arguments in rdi..r9 and keep rsp
 * 16-byte aligned.  Calls, rodata constants and the data counter are
 * rel32 (RIP-relative) fixups, patched once final addresses are known.
 * The code buffer, fixup list and constants are gen.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "jitcalc.h"

#define PUT(g, ...) do {						\
	static const uint8_t _b[] = { __VA_ARGS__ };			\
	gen_put(g, _b, sizeof(_b));					\
} while (0)

static void put8(struct gen *g, int v)
{
	uint8_t b = (uint8_t)v;

	gen_put(g, &b, 1);
}

static void put32(struct gen *g, int32_t v)
{
	gen_put(g, &v, 4);
}

/* A rel32 to patch once final addresses are known (patch_fixup()). */
static void fixup(struct gen *g, int kind, int target)
{
	gen_fixup(g, kind, target);
	put32(g, 0);
}

/* Patch a rel8 jump at @at to land at the current end. */
static void land8(struct gen *g, size_t at)
{
	g->c->code.p[at] = (uint8_t)(g->c->code.len - (at + 1));
}

static void land32(struct gen *g, size_t at)
{
	int32_t d = (int32_t)(g->c->code.len - (at + 4));

	memcpy(g->c->code.p + at, &d, 4);
}

static void gen_expr(struct gen *g, const struct node *n);

static void gen_binary(struct gen *g, const struct node *n)
{
	size_t zero, neg, end1, end2;

	gen_expr(g, n->kid[0]);
	PUT(g, 0x50);				/* push rax */
	g->depth++;
	gen_expr(g, n->kid[1]);
	PUT(g, 0x48, 0x89, 0xc1);		/* mov rcx, rax */
	PUT(g, 0x58);				/* pop rax */
	g->depth--;
	switch (n->kind) {
	case N_ADD: PUT(g, 0x48, 0x01, 0xc8); return;		/* add rax, rcx */
	case N_SUB: PUT(g, 0x48, 0x29, 0xc8); return;		/* sub rax, rcx */
	case N_MUL: PUT(g, 0x48, 0x0f, 0xaf, 0xc1); return;	/* imul rax, rcx */
	case N_DIV:
	case N_MOD:
		PUT(g, 0x48, 0x85, 0xc9);		/* test rcx, rcx */
		PUT(g, 0x74, 0x00);			/* jz zero */
		zero = g->c->code.len - 1;
		PUT(g, 0x48, 0x83, 0xf9, 0xff);		/* cmp rcx, -1 */
		PUT(g, 0x74, 0x00);			/* je neg */
		neg = g->c->code.len - 1;
		PUT(g, 0x48, 0x99);			/* cqo */
		PUT(g, 0x48, 0xf7, 0xf9);		/* idiv rcx */
		if (n->kind == N_MOD)
			PUT(g, 0x48, 0x89, 0xd0);	/* mov rax, rdx */
		PUT(g, 0xeb, 0x00);			/* jmp end */
		end1 = g->c->code.len - 1;
		if (g->err)
			return;
		land8(g, neg);
		if (n->kind == N_DIV) {
			PUT(g, 0x48, 0xf7, 0xd8);	/* neg rax */
			PUT(g, 0xeb, 0x00);		/* jmp end */
			end2 = g->c->code.len - 1;
			if (g->err)
				return;
			land8(g, zero);
			PUT(g, 0x31, 0xc0);		/* xor eax, eax */
			if (!g->err)
				land8(g, end2);
		} else {
			land8(g, zero);
			PUT(g, 0x31, 0xc0);		/* xor eax, eax */
		}
		if (!g->err)
			land8(g, end1);
		return;
	default:
		break;
	}
	PUT(g, 0x48, 0x39, 0xc8);			/* cmp rax, rcx */
	switch (n->kind) {
	case N_LT: PUT(g, 0x0f, 0x9c, 0xc0); break;	/* setl al */
	case N_LE: PUT(g, 0x0f, 0x9e, 0xc0); break;	/* setle al */
	case N_GT: PUT(g, 0x0f, 0x9f, 0xc0); break;	/* setg al */
	case N_GE: PUT(g, 0x0f, 0x9d, 0xc0); break;	/* setge al */
	case N_EQ: PUT(g, 0x0f, 0x94, 0xc0); break;	/* sete al */
	default:   PUT(g, 0x0f, 0x95, 0xc0); break;	/* setne al */
	}
	PUT(g, 0x48, 0x0f, 0xb6, 0xc0);			/* movzx rax, al */
}

static void gen_call(struct gen *g, const struct node *n)
{
	static const uint8_t pops[MAX_PARAMS][2] = {
		{ 0x5f }, { 0x5e }, { 0x5a }, { 0x59 },	/* rdi rsi rdx rcx */
		{ 0x41, 0x58 }, { 0x41, 0x59 },		/* r8 r9 */
	};
	int i, pad;

	for (i = 0; i < n->nargs; i++) {
		gen_expr(g, n->args[i]);
		PUT(g, 0x50);				/* push rax */
		g->depth++;
	}
	for (i = n->nargs - 1; i >= 0; i--) {
		gen_put(g, pops[i], i >= 4 ? 2 : 1);
		g->depth--;
	}
	pad = g->depth & 1;
	if (pad)
		PUT(g, 0x48, 0x83, 0xec, 0x08);		/* sub rsp, 8 */
	PUT(g, 0xe8);					/* call rel32 */
	fixup(g, FIX_CALL, n->index);
	if (pad)
		PUT(g, 0x48, 0x83, 0xc4, 0x08);		/* add rsp, 8 */
}

static void gen_expr(struct gen *g, const struct node *n)
{
	size_t jz, jmp;

	if (g->err)
		return;
	switch (n->kind) {
	case N_NUM:
		if (n->num >= INT32_MIN && n->num <= INT32_MAX) {
			PUT(g, 0x48, 0xc7, 0xc0);	/* mov rax, simm32 */
			put32(g, (int32_t)n->num);
		} else {
			PUT(g, 0x48, 0x8b, 0x05);	/* mov rax, [rip+k] */
			fixup(g, FIX_RODATA, gen_const(g, n->num));
		}
		return;
	case N_VAR:
		PUT(g, 0x48, 0x8b, 0x45);		/* mov rax, [rbp-8(i+1)] */
		put8(g, -8 * (n->index + 1));
		return;
	case N_NEG:
		gen_expr(g, n->kid[0]);
		PUT(g, 0x48, 0xf7, 0xd8);		/* neg rax */
		return;
	case N_CALL:
		gen_call(g, n);
		return;
	case N_IF:
		gen_expr(g, n->kid[0]);
		PUT(g, 0x48, 0x85, 0xc0);		/* test rax, rax */
		PUT(g, 0x0f, 0x84);			/* jz else */
		jz = g->c->code.len;
		put32(g, 0);
		gen_expr(g, n->kid[1]);
		PUT(g, 0xe9);				/* jmp end */
		jmp = g->c->code.len;
		put32(g, 0);
		if (g->err)
			return;
		land32(g, jz);
		gen_expr(g, n->kid[2]);
		if (!g->err)
			land32(g, jmp);
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
	static const uint8_t spill[MAX_PARAMS][3] = {
		{ 0x48, 0x89, 0x7d }, { 0x48, 0x89, 0x75 },	/* rdi rsi */
		{ 0x48, 0x89, 0x55 }, { 0x48, 0x89, 0x4d },	/* rdx rcx */
		{ 0x4c, 0x89, 0x45 }, { 0x4c, 0x89, 0x4d },	/* r8 r9 */
	};
	struct gen g = { .c = out, .k = k };
	int i, np = f ? f->nparams : 0;

	memset(out, 0, sizeof(*out));
	PUT(&g, 0x55);					/* push rbp */
	PUT(&g, 0x48, 0x89, 0xe5);			/* mov rbp, rsp */
	if (np) {
		PUT(&g, 0x48, 0x83, 0xec);		/* sub rsp, 16*ceil(np/2) */
		put8(&g, 8 * (np + (np & 1)));
	}
	for (i = 0; i < np; i++) {			/* mov [rbp-8(i+1)], reg */
		gen_put(&g, spill[i], 3);
		put8(&g, -8 * (i + 1));
	}
	if (f) {
		PUT(&g, 0x48, 0xff, 0x05);		/* inc qword [rip+calls] */
		fixup(&g, FIX_DATA, 0);
	}
	gen_expr(&g, body);
	PUT(&g, 0xc9, 0xc3);				/* leave; ret */
	return g.err;
}

int patch_fixup(uint8_t *code, const struct fixup *f, uintptr_t at,
		uintptr_t to)
{
	int64_t d = (int64_t)(to - (at + 4));

	/* one reservation: every target is within +-2 GiB */
	if (d != (int32_t)d)
		return -1;
	memcpy(code + f->at, &(int32_t){ (int32_t)d }, 4);
	return 0;
}
