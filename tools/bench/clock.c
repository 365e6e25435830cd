// SPDX-License-Identifier: GPL-2.0
/*
 * Clock and statistics.  Under `vm-run --icount` the guest clock advances
 * one nanosecond per executed instruction, so CLOCK_MONOTONIC differences
 * are instruction counts (kernel included) and CLOCK_THREAD_CPUTIME_ID
 * differences are the instructions one thread executed.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

uint64_t clock_ns(enum clock_kind k)
{
	struct timespec ts;

	clock_gettime(k == CLK_THREAD ? CLOCK_THREAD_CPUTIME_ID :
		      CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Before a timed region: write back dirty file data and let the kernel's
 * deferred work (writeback, journal commits, RCU callbacks freeing what
 * the previous run released) run now, not inside the next measurement.
 * Under --icount (sleep=off) the idle time costs nothing.
 */
void settle(void)
{
	sync();
	usleep(5000);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void stat3_of(double *v, unsigned int n, struct stat3 *out)
{
	out->n = n;
	if (!n) {
		out->median = out->min = out->max = 0;
		return;
	}
	qsort(v, n, sizeof(*v), cmp_double);
	out->min = v[0];
	out->max = v[n - 1];
	out->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
