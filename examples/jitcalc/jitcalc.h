/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jitcalc: a small expression language, its interpreter and a JIT for
 * x86-64 (x86.c) and arm64 (arm64.c).
 */
#ifndef JITCALC_H
#define JITCALC_H

#include <stddef.h>
#include <stdint.h>

enum node_kind {
	N_NUM, N_VAR, N_CALL, N_IF, N_NEG,
	N_ADD, N_SUB, N_MUL, N_DIV, N_MOD,
	N_LT, N_LE, N_GT, N_GE, N_EQ, N_NE,
};

struct node {
	enum node_kind kind;
	int64_t num;		/* N_NUM */
	int index;		/* N_VAR: parameter; N_CALL: function */
	int nargs;		/* N_CALL */
	struct node *kid[3];	/* operands, or if/then/else */
	struct node **args;	/* N_CALL */
};

#define MAX_PARAMS	6	/* passed in registers (SysV, AAPCS64) */

struct func {
	char name[32];
	int nparams;
	char params[MAX_PARAMS][32];
	struct node *body;
	int line;
};

struct prog {
	struct func *funcs;
	int nfuncs;
	struct node **prints;	/* top-level "print expr" */
	char **print_src;
	int nprints;
};

/* lang.c */
int parse_program(const char *src, struct prog *p, char *err, size_t errlen);
void free_program(struct prog *p);
int64_t interp(const struct prog *p, const struct node *n, const int64_t *env,
	       uint64_t *calls);

/* gen.c: code generation into a growable buffer */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

struct fixup {
	size_t at;		/* offset of the reference in the function's code */
	int kind;		/* FIX_CALL, FIX_RODATA, FIX_DATA */
	int target;		/* function index, or rodata constant index */
};
#define FIX_CALL	0
#define FIX_RODATA	1
#define FIX_DATA	2

struct cfunc {
	struct buf code;
	struct fixup *fix;
	int nfix, capfix;
};

/* Constants that do not fit an imm32 go to rodata. */
struct consts {
	int64_t *v;
	int n, cap;
};

struct gen {
	struct cfunc *c;
	struct consts *k;
	int depth;		/* temporaries pushed */
	int err;
};

void gen_put(struct gen *g, const void *bytes, size_t n);
/* Note a reference to patch at the current end of the code. */
void gen_fixup(struct gen *g, int kind, int target);
/* The rodata index of constant @v (added if new). */
int gen_const(struct gen *g, int64_t v);
void free_cfunc(struct cfunc *c);

/* x86.c or arm64.c, the target's */
int gen_function(const struct func *f, const struct node *body,
		 struct cfunc *out, struct consts *k);
/*
 * Patch the reference @f in @code (staging) of a function whose fixup
 * location runs at @at, to @to: 0, or -1 when @to is out of its reach.
 */
int patch_fixup(uint8_t *code, const struct fixup *f, uintptr_t at,
		uintptr_t to);

#endif
