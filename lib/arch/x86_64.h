/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* x86-64: included by lib/arch.h only. */
#ifndef JS_ARCH_X86_64_H
#define JS_ARCH_X86_64_H

#define JS_ARCH_TRAP_WORD	0xccccccccccccccccULL	/* int3 x 8 */
#define JS_ARCH_ELF_MACH	EM_X86_64
#define JS_ARCH_INSN_ALIGN	1	/* code may start at any byte */

static inline void js_arch_relax(void)
{
	__builtin_ia32_pause();
}

/*
 * The GDB interface (gdbjit.c) describes frame-pointer functions to the
 * debugger.  .debug_frame CIE: CFA = rsp + 8, return address at CFA - 8
 * (DWARF registers: 6 rbp, 7 rsp, 16 return address), code alignment 1,
 * data alignment -8; padded to 8 bytes.
 */
static const uint8_t js_arch_cie[24] = {
	20, 0, 0, 0,			/* length */
	0xff, 0xff, 0xff, 0xff,		/* CIE id */
	1, 0, 1, 0x78, 16,		/* version, "", 1, -8, ra */
	0x0c, 7, 8,			/* DW_CFA_def_cfa rsp, 8 */
	0x90, 1,			/* DW_CFA_offset ra, cfa-8 */
	0, 0, 0, 0, 0, 0,		/* DW_CFA_nop */
};

/* push %rbp; mov %rsp,%rbp (either encoding) */
static inline int js_arch_fp_prologue(const uint8_t *p, size_t len)
{
	return len >= 5 && p[0] == 0x55 && p[1] == 0x48 &&
	       ((p[2] == 0x89 && p[3] == 0xe5) || (p[2] == 0x8b && p[3] == 0xec));
}

/*
 * The FDE's instructions (at most 16 bytes) for frame-pointer code: after
 * push %rbp CFA = rsp + 16 and rbp is saved at CFA - 16; after
 * mov %rsp,%rbp CFA = rbp + 16.  A final ret runs with the frame gone:
 * CFA = rsp + 8, rbp restored.
 */
static inline void js_arch_fde_cfi(uint8_t *f, const uint8_t *code,
				   size_t len)
{
	static const uint8_t body[] = {
		0x41, 0x0e, 16, 0x86, 2,	/* loc+1: cfa rsp+16, rbp at -16 */
		0x43, 0x0d, 6,			/* loc+3: cfa rbp+16 */
	};
	uint32_t adv;
	size_t i = sizeof(body);

	memcpy(f, body, sizeof(body));
	if (code[len - 1] == 0xc3) {
		adv = (uint32_t)(len - 1 - 4);
		f[i++] = 0x04;			/* DW_CFA_advance_loc4 */
		memcpy(f + i, &adv, 4);
		i += 4;
		f[i++] = 0x0c;			/* DW_CFA_def_cfa rsp, 8 */
		f[i++] = 7;
		f[i++] = 8;
		f[i++] = 0xc6;			/* DW_CFA_restore rbp */
	}
}

#endif
