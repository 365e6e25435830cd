/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* arm64: included by lib/arch.h only. */
#ifndef JS_ARCH_AARCH64_H
#define JS_ARCH_AARCH64_H

#define JS_ARCH_TRAP_WORD	0xd4200000d4200000ULL	/* brk #0 x 2, as kmod */
#define JS_ARCH_ELF_MACH	EM_AARCH64
#define JS_ARCH_INSN_ALIGN	4	/* the PC is always 4-aligned */

static inline void js_arch_relax(void)
{
	__asm__ __volatile__("yield");
}

/*
 * The GDB interface describes no frames here (GDB's own prologue
 * analysis covers arm64 JIT code); the CIE is the leaf-function rule:
 * CFA = sp (DWARF 31), return address in x30 and unchanged, code
 * alignment 4, data alignment -8.
 */
static const uint8_t js_arch_cie[24] = {
	20, 0, 0, 0,			/* length */
	0xff, 0xff, 0xff, 0xff,		/* CIE id */
	1, 0, 4, 0x78, 30,		/* version, "", 4, -8, ra */
	0x0c, 31, 0,			/* DW_CFA_def_cfa sp, 0 */
	0x08, 30,			/* DW_CFA_same_value x30 */
	0, 0, 0, 0, 0, 0,		/* DW_CFA_nop */
};

static inline int js_arch_fp_prologue(const uint8_t *p, size_t len)
{
	(void)p;
	(void)len;
	return 0;
}

static inline void js_arch_fde_cfi(uint8_t *f, const uint8_t *code,
				   size_t len)
{
	(void)f;
	(void)code;
	(void)len;
}

#endif
