// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: the architecture-specific steps of sealing code.
 *
 * - Space that was never loaded holds trap instructions, so a stray jump
 *   into a pool stops at once.
 * - After the kernel writes code through its own alias of a page, the
 *   instruction caches must see it before user space can run it:
 *   jitseal_arch_flush_icache() for each range written, then
 *   jitseal_arch_sync_icache() once, before the new code is published.
 * - On request (JITSEAL_LOAD_SYNC_CORE) every CPU executes a
 *   context-synchronising instruction before LOAD returns, for JITs that
 *   patch code other threads may have prefetched.
 */
#include <linux/smp.h>
#include <linux/string.h>

#include "jitseal.h"

#if defined(CONFIG_X86)
#include <asm/sync_core.h>

#define JITSEAL_TRAP_WORD	0xccccccccccccccccULL	/* int3 x 8 */

void jitseal_arch_fill_trap(void *addr, size_t len)
{
	/*
	 * Only called for whole pages.  Eight bytes per store: memset()
	 * would be rep stosb, one iteration per byte.
	 */
	memset64(addr, JITSEAL_TRAP_WORD, len / 8);
}

void jitseal_arch_flush_icache(void *addr, size_t len)
{
	/* x86 instruction caches are coherent with data stores. */
}

void jitseal_arch_sync_icache(void)
{
	/* Instruction fetch snoops stores: nothing to do. */
}

static void jitseal_sync_core_ipi(void *unused)
{
	sync_core();
}

#elif defined(CONFIG_ARM64)
#include <asm/barrier.h>
#include <asm/byteorder.h>
#include <asm/cache.h>
#include <asm/cacheflush.h>
#include <asm/cpufeature.h>
#include <asm/sysreg.h>

#define JITSEAL_TRAP_INSN	0xd4200000U	/* brk #0 */
/* CTR_EL0.L1Ip: I-caches that never alias; VIPT (2) may. */
#define JITSEAL_L1IP_VPIPT	0
#define JITSEAL_L1IP_PIPT	3

void jitseal_arch_fill_trap(void *addr, size_t len)
{
	/* Instructions are little-endian; only called for whole pages. */
	memset32(addr, (__force u32)cpu_to_le32(JITSEAL_TRAP_INSN), len / 4);
}

void jitseal_arch_flush_icache(void *addr, size_t len)
{
	unsigned long start = (unsigned long)addr;

	/*
	 * flush_icache_range() without its IPI, which jitseal_arch_sync_icache()
	 * sends once per LOAD: clean the D-cache and invalidate the I-cache to
	 * the point of unification, by the kernel's address of the page.
	 */
	caches_clean_inval_pou(start, start + len);
}

void jitseal_arch_sync_icache(void)
{
	u64 ctr = read_sanitised_ftr_reg(SYS_CTR_EL0);

	/*
	 * A VIPT I-cache may alias: lines fetched through the user's address
	 * escape invalidation by the kernel's.  Like sync_icache_aliases(),
	 * invalidate all of it then.
	 */
	if (CTR_L1IP(ctr) != JITSEAL_L1IP_PIPT &&
	    CTR_L1IP(ctr) != JITSEAL_L1IP_VPIPT)
		icache_inval_all_pou();
	/* Every CPU takes a context synchronisation event and refetches. */
	kick_all_cpus_sync();
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
