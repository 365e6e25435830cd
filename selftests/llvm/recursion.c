// SPDX-License-Identifier: GPL-2.0
/* Recursion, mutual recursion and a deep call chain in JIT code. */
#include <stdio.h>

static unsigned long ack(unsigned long m, unsigned long n)
{
	if (!m)
		return n + 1;
	if (!n)
		return ack(m - 1, 1);
	return ack(m - 1, ack(m, n - 1));
}

__attribute__((noinline)) static int is_odd(unsigned int n);

__attribute__((noinline)) static int is_even(unsigned int n)
{
	return n == 0 ? 1 : is_odd(n - 1);
}

__attribute__((noinline)) static int is_odd(unsigned int n)
{
	return n == 0 ? 0 : is_even(n - 1);
}

/* Not a tail call: every level keeps a frame. */
__attribute__((noinline)) static long depth(long n, volatile long *sink)
{
	long r;

	if (n == 0)
		return 0;
	r = depth(n - 1, sink) + 1;
	*sink += r;
	return r;
}

static unsigned long fib(unsigned int n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(void)
{
	volatile long sink = 0;

	printf("ack(2,3)=%lu ack(3,5)=%lu\n", ack(2, 3), ack(3, 5));
	printf("even(10001)=%d odd(7777)=%d\n", is_even(10001), is_odd(7777));
	printf("depth=%ld sink=%ld\n", depth(20000, &sink), (long)sink);
	printf("fib(24)=%lu\n", fib(24));
	return 0;
}
