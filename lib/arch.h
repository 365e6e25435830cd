/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What differs by architecture in libjitseal, and nothing else: where code
 * may start (JS_ARCH_INSN_ALIGN), the word that fills code nobody wrote
 * (the trap the module fills with, see kmod/arch.c), the ELF machine
 * profilers and debuggers are told, the
 * pause of a spin loop, and making freshly written code visible to
 * instruction fetch on the host backends (the module does that itself
 * for the kmod backend).  No other file of lib/ names an architecture.
 */
#ifndef JS_ARCH_H
#define JS_ARCH_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include "arch/x86_64.h"
#elif defined(__aarch64__)
#include "arch/aarch64.h"
#else
#error "libjitseal: no architecture layer (lib/arch/) for this target"
#endif

/*
 * Fill [@p, @p + @n) as code nobody wrote (@code) or as zeroes.  The trap
 * word is laid down by address (little-endian: the byte at @p + i is the
 * word's byte (@p + i) % 8), so every instruction-aligned address holds a
 * whole trap; staging keeps the page offset of the address code runs at,
 * so filling the staging copy fills the code.
 */
static inline void js_arch_fill(char *p, size_t n, int code)
{
	uint64_t w = code ? JS_ARCH_TRAP_WORD : 0, w8[8];
	size_t i = 0, k;

	for (; i < n && ((uintptr_t)(p + i) & 7); i++)
		p[i] = (char)(w >> 8 * ((uintptr_t)(p + i) & 7));
	/*
	 * 64 bytes a step, a few vector stores: a page costs about a hundred
	 * instructions (memset's rep stosb is one counted step per byte
	 * under callgrind and QEMU's icount, the project's cost measures).
	 */
	for (k = 0; k < 8; k++)
		w8[k] = w;
	for (; i + 64 <= n; i += 64)
		memcpy(p + i, w8, 64);
	for (; i + 8 <= n; i += 8)
		memcpy(p + i, &w, 8);
	for (; i < n; i++)
		p[i] = (char)(w >> 8 * ((uintptr_t)(p + i) & 7));
}

/*
 * After code was written through another view (memfd) or moved into
 * place (mprotect), before any thread runs it at @addr: clean the data
 * cache to the point of unification and invalidate the instruction cache
 * for that range (a no-op where fetch is coherent, as on x86).  Threads
 * already running elsewhere only branch to the new code after the
 * finalize that published it returned, which is their context
 * synchronisation event.
 */
static inline void js_arch_sync_code(void *addr, size_t len)
{
	__builtin___clear_cache((char *)addr, (char *)addr + len);
}

#endif
