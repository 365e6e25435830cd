// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal: the architecture-specific steps of sealing code.
 *
 * - Space that was never loaded holds trap instructions, so a stray jump
 *   into a pool stops at once.
 * - After the kernel writes code through its own alias of a page, the
 *   instruction caches must see it before user space can run it:
 *   jitseal_arch_flush_icache() for each range written, then
 *   jitseal_arch_sync_icache() once, before the new code is published;
 *   where it returns true, jitseal_arch_sync_core() before LOAD returns.
 * - On request (JITSEAL_LOAD_SYNC_CORE) every CPU that may run the pool's
 *   code executes a context-synchronising instruction before LOAD returns,
 *   for JITs that patch code other threads may have prefetched.  Like
 *   membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE), only the CPUs
 *   of the caller's mm are interrupted when the pool is mapped by no other
 *   mm (@mine); a pool shared with other processes interrupts every CPU,
 *   as the module cannot tell where those run.
 */
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
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

bool jitseal_arch_sync_icache(void)
{
	/* Instruction fetch snoops stores: nothing to do. */
	return false;
}

static void jitseal_sync_core_ipi(void *unused)
{
	sync_core();
}

/*
 * x86 keeps in mm_cpumask() every CPU that has the mm loaded, lazily
 * too; any other CPU writes CR3, which serialises, before it runs the
 * mm's code.
 */
static bool jitseal_mm_cpus(struct cpumask *mask)
{
	cpumask_copy(mask, mm_cpumask(current->mm));
	return true;
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
	 * flush_icache_range() without its IPI, which jitseal_arch_sync_core()
	 * sends once per LOAD, to the CPUs that may run the code: clean the
	 * D-cache and invalidate the I-cache to the point of unification, by
	 * the kernel's address of the page.
	 */
	caches_clean_inval_pou(start, start + len);
}

bool jitseal_arch_sync_icache(void)
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
	/* CPUs that run the code must synchronise context: sync_core. */
	return true;
}

static void jitseal_sync_core_ipi(void *unused)
{
	isb();
}

/*
 * arm64 does not maintain mm_cpumask(): the CPUs a thread of the caller
 * runs on now.  A thread that is not on a CPU now returns to user space
 * through an exception return, which synchronises context, after the
 * maintenance above completed (DSB ISH).  The full barrier pairs with the
 * scheduler's between setting on_cpu and running the task, so a thread
 * that starts running is either seen here or sees the new code.  An mm
 * shared with another process (CLONE_VM without CLONE_THREAD) has users
 * beyond the thread group: false, every CPU then.
 */
static bool jitseal_mm_cpus(struct cpumask *mask)
{
	struct task_struct *t;

	if (atomic_read(&current->mm->mm_users) > get_nr_threads(current))
		return false;
	cpumask_clear(mask);
	/* Orders the maintenance before the reads of on_cpu: see above. */
	smp_mb();
	rcu_read_lock();
	for_each_thread(current, t)
		if (READ_ONCE(t->on_cpu))
			cpumask_set_cpu(task_cpu(t), mask);
	rcu_read_unlock();
	return true;
}

#else
#error "jitseal: no trap pattern and cache maintenance for this architecture"
#endif

/**
 * jitseal_arch_sync_core - a context synchronisation event on every CPU
 *	that may run the pool's code, this one included
 * @mine: the pool is mapped by the caller's mm only
 *
 * Without memory for a mask, every CPU, as when @mine is false.
 */
void jitseal_arch_sync_core(bool mine)
{
	cpumask_var_t mask;

	if (!mine || !zalloc_cpumask_var(&mask, GFP_KERNEL)) {
		on_each_cpu(jitseal_sync_core_ipi, NULL, 1);
		return;
	}
	preempt_disable();
	if (!jitseal_mm_cpus(mask))
		cpumask_copy(mask, cpu_online_mask);
	smp_call_function_many(mask, jitseal_sync_core_ipi, NULL, true);
	jitseal_sync_core_ipi(NULL);
	preempt_enable();
	free_cpumask_var(mask);
}
