// SPDX-License-Identifier: GPL-2.0
/* Floating point: arithmetic, libm, conversions, constants in rodata. */
#include <stdio.h>
#include <math.h>

__attribute__((noinline)) static double integrate(double (*f)(double), double a,
						  double b, int n)
{
	double h = (b - a) / n, s = 0.5 * (f(a) + f(b));

	for (int i = 1; i < n; i++)
		s += f(a + i * h);
	return s * h;
}

static double gauss(double x)
{
	return exp(-x * x);
}

int main(void)
{
	float f = 1.0f;
	double x = 2.0;

	for (int i = 0; i < 10; i++)
		f = f * 1.5f + 0.25f;
	for (int i = 0; i < 5; i++)
		x = x - (x * x - 2.0) / (2.0 * x);
	printf("f=%.6f sqrt2=%.15f libm=%.15f\n", f, x, sqrt(2.0));
	printf("sin=%.12f cos=%.12f atan2=%.12f\n", sin(1.0), cos(1.0), atan2(1.0, 3.0));
	printf("integral=%.10f pow=%.6g\n", integrate(gauss, -3, 3, 10000), pow(2.5, 7.25));
	printf("conv=%d %lld %.3f\n", (int)-7.9, (long long)1e15, (double)(1LL << 53));
	printf("nan=%d inf=%d\n", isnan(NAN), isinf(1.0 / 0.0 > 0 ? INFINITY : 0));
	return 0;
}
