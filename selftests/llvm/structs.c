// SPDX-License-Identifier: GPL-2.0
/* Structs by value, varargs, unions, bit fields. */
#include <stdarg.h>
#include <stdio.h>

struct vec3 {
	double x, y, z;
};

struct small {
	char c;
	short s;
	int i;
};

struct flags {
	unsigned a : 3, b : 5, c : 1;
};

__attribute__((noinline)) static struct vec3 cross(struct vec3 a, struct vec3 b)
{
	return (struct vec3){ a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z,
			      a.x * b.y - a.y * b.x };
}

__attribute__((noinline)) static struct small bump(struct small s)
{
	s.c++;
	s.s *= 2;
	s.i -= 1;
	return s;
}

__attribute__((noinline)) static long sum(int n, ...)
{
	va_list ap;
	long s = 0;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		s += i % 2 ? (long)va_arg(ap, double) : va_arg(ap, int);
	va_end(ap);
	return s;
}

int main(void)
{
	struct vec3 c = cross((struct vec3){ 1, 2, 3 }, (struct vec3){ 4, 5, 6 });
	struct small s = bump((struct small){ 'a', 21, 100 });
	struct flags f = { 5, 17, 1 };
	union {
		float f;
		unsigned int u;
	} pun = { .f = 1.0f };

	printf("cross=%g,%g,%g\n", c.x, c.y, c.z);
	printf("small=%c,%d,%d\n", s.c, s.s, s.i);
	printf("sum=%ld\n", sum(6, 1, 2.5, 3, 4.5, 5, 6.5));
	printf("flags=%u,%u,%u pun=%08x\n", f.a, f.b, f.c, pun.u);
	return 0;
}
