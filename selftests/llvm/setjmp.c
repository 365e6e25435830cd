// SPDX-License-Identifier: GPL-2.0
/* setjmp/longjmp across JIT frames. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
static int depth_reached;

__attribute__((noinline)) static void dive(int n)
{
	if (n == 0)
		longjmp(env, 42);
	depth_reached++;
	dive(n - 1);
	printf("never printed\n");
}

__attribute__((noinline)) static int guarded(int n)
{
	jmp_buf here;
	int r = setjmp(here);

	if (r)
		return r;
	if (n > 3)
		longjmp(here, n * 10);
	return -1;
}

int main(void)
{
	int r = setjmp(env);

	if (r == 0) {
		printf("first pass\n");
		dive(500);
	}
	printf("longjmp returned %d after %d frames\n", r, depth_reached);
	printf("guarded(2)=%d guarded(7)=%d\n", guarded(2), guarded(7));
	return 0;
}
