// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: the architecture-specific steps of sealing code.
 *
 * - Space that was never loaded holds trap instructions, so a stray jump
 *   into a pool stops at once.
 * - After the kernel writes code through its own alias of a page, the
 *   instruction caches must see it before user space can run it.
 * - On request (JITSEAL_LOAD_SYNC_CORE) every CPU executes a
 *   context-synchronising instruction before LOAD returns, for JITs that
 *   patch code other threads may have prefetched.
 */
#include <linux/smp.h>
#include <linux/string.h>

#include "jitseal.h"

#if defined(CONFIG_X86)
#include <asm/sync_core.h>

#define JITSEAL_TRAP_BYTE	0xcc	/* int3 */

void jitseal_arch_fill_trap(void *addr, size_t len)
{
	memset(addr, JITSEAL_TRAP_BYTE, len);
}

void jitseal_arch_flush_icache(void *addr, size_t len)
{
	/* x86 instruction caches are coherent with data stores. */
}

static void jitseal_sync_core_ipi(void *unused)
{
	sync_core();
}

#elif defined(CONFIG_ARM64)
#include <asm/byteorder.h>
#include <asm/barrier.h>
#include <asm/cacheflush.h>

#define JITSEAL_TRAP_INSN	0xd4200000U	/* brk #0 */

void jitseal_arch_fill_trap(void *addr, size_t len)
{
	/* Instructions are little-endian; only called for whole pages. */
	memset32(addr, (__force u32)cpu_to_le32(JITSEAL_TRAP_INSN), len / 4);
}

void jitseal_arch_flush_icache(void *addr, size_t len)
{
	/*
	 * Clean D-cache and invalidate I-cache to the point of unification for
	 * the kernel alias; the same physical lines back the user mapping.
	 */
	flush_icache_range((unsigned long)addr, (unsigned long)addr + len);
}

static void jitseal_sync_core_ipi(void *unused)
{
	isb();
}

#else
#error "jitseal: no trap pattern and cache maintenance for this architecture"
#endif

void jitseal_arch_sync_core(void)
{
	on_each_cpu(jitseal_sync_core_ipi, NULL, 1);
}
