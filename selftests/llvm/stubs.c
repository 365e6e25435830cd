// SPDX-License-Identifier: GPL-2.0
/*
 * The attack sealed slots stop: under jitseal-lli --lazy a function's
 * address is its ORC stub, which jumps through a code pointer.  Find that
 * pointer from the stub (x86-64 "jmp *disp(%rip)") and overwrite it with
 * another function's address, as an attacker with a write primitive
 * would.  On sealed slots the write faults and the call still reaches
 * good(); with --rw-stubs it lands in evil().  Not compared with a native
 * run (natively there is no stub): run_vm checks its output.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf env;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(env, 1);
}

__attribute__((noinline)) int good(void)
{
	return 1;
}

__attribute__((noinline)) int evil(void)
{
	return 666;
}

int main(void)
{
	int (*volatile f)(void) = good;
	const unsigned char *p = (const unsigned char *)f;
	volatile uint64_t *ptr;
	int32_t d;

#if defined(__x86_64__)
	if (p[0] != 0xff || p[1] != 0x25) {
		printf("no stub\n");
		return 2;
	}
	memcpy(&d, p + 2, 4);
	ptr = (volatile uint64_t *)(uintptr_t)(p + 6 + d);
	signal(SIGSEGV, on_segv);
	if (sigsetjmp(env, 1)) {
		printf("stub pointer: write refused (SIGSEGV); call gives %d\n",
		       f());
		return 0;
	}
	*ptr = (uintptr_t)evil;
	printf("stub pointer overwritten: call gives %d\n", f());
	return 1;
#else
	(void)p;
	(void)ptr;
	(void)d;
	printf("x86-64 only\n");
	return 2;
#endif
}
