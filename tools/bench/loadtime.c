// SPDX-License-Identifier: GPL-2.0
/*
 * Where the time of a finalize goes.  The program is linked with
 * -Wl,--wrap=ioctl, so every ioctl() it makes -- libjitseal's (lib/kdev.c)
 * and the raw-ioctl method's -- comes through __wrap_ioctl.  For
 * JITSEAL_IOC_LOAD it adds the call's duration to a per-thread total (W3
 * splits a finalize into its LOADs and the user side around them) and,
 * while the thread has a log attached, records when the LOAD started and
 * ended (P10: did an allocation wait for another thread's LOAD?).
 */
#include <stdarg.h>
#include <sys/ioctl.h>

#include <linux/jitseal.h>

#include "bench.h"

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

static __thread uint64_t load_total;
static __thread struct span_log *load_log;

void load_log_attach(struct span_log *l)
{
	load_log = l;
}

uint64_t load_ns_thread(void)
{
	return load_total;
}

void span_add(struct span_log *l, uint64_t t0, uint64_t t1)
{
	if (l->n < l->cap)
		l->v[l->n++] = (struct span){ t0, t1 };
	else
		l->dropped++;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	uint64_t n0, k0;
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req != JITSEAL_IOC_LOAD)
		return __real_ioctl(fd, req, arg);
	n0 = clock_ns(CLK_MONO);
	k0 = tick();
	ret = __real_ioctl(fd, req, arg);
	if (load_log)
		span_add(load_log, k0, tick());
	load_total += clock_ns(CLK_MONO) - n0;
	return ret;
}
