// SPDX-License-Identifier: GPL-2.0
/*
 * W0: reference costs, per call, to read the install figures against:
 *   getppid          the cheapest system call
 *   ioctl-enotty     an unknown ioctl on /dev/jitseal: syscall, fd lookup,
 *                    LSM hook and the module's dispatch, no work
 *   ioctl-info       JITSEAL_IOC_INFO: the same plus a struct in and out
 *   load-16          JITSEAL_IOC_LOAD of 16 bytes (mostly into a page that
 *                    already holds code)
 *   load-256-newpage JITSEAL_IOC_LOAD of 256 bytes at the start of a page
 *                    never used before (page allocation, trap fill)
 *   memcpy-256       copying 256 bytes in user space
 *   mprotect-pair    mprotect RW then RX of one page with code, no copy
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/jitseal.h>

#include "bench.h"

#define REF_N	1000

static int load_one(int fd, const void *src, size_t off, size_t len)
{
	struct jitseal_segment seg = {
		.src = (uintptr_t)src, .offset = off, .len = len,
		.prot = JITSEAL_PROT_RX,
	};
	struct jitseal_load ld = {
		.size = sizeof(ld), .segments = (uintptr_t)&seg,
		.nr_segments = 1, .segment_size = sizeof(seg),
	};

	return ioctl(fd, JITSEAL_IOC_LOAD, &ld) ? -errno : 0;
}

/* Runs @what REF_N times; returns ns per call or a negative value. */
static double ref_one(const char *what, bool module)
{
	static uint8_t src[4096], dst[4096];
	uint64_t t0 = 0, t1 = 0;
	void *map = NULL;
	size_t cap = (size_t)REF_N * 4096;
	int fd = -1, i, err = 0;

	if (module) {
		fd = jsdev_open_pool(cap, &map);
		if (fd < 0)
			return -1;
	}
	memset(src, 0xc3, sizeof(src));
	settle();
	if (!strcmp(what, "getppid")) {
		t0 = clock_ns(CLK_MONO);
		for (i = 0; i < REF_N; i++)
			getppid();
		t1 = clock_ns(CLK_MONO);
	} else if (!strcmp(what, "ioctl-enotty")) {
		t0 = clock_ns(CLK_MONO);
		for (i = 0; i < REF_N; i++)
			if (ioctl(fd, _IO(JITSEAL_IOC_MAGIC, 0x7f)) == 0)
				err = -1;
		t1 = clock_ns(CLK_MONO);
	} else if (!strcmp(what, "ioctl-info")) {
		struct jitseal_pool_info info = { .size = sizeof(info) };

		t0 = clock_ns(CLK_MONO);
		for (i = 0; i < REF_N && !err; i++)
			err = ioctl(fd, JITSEAL_IOC_INFO, &info);
		t1 = clock_ns(CLK_MONO);
	} else if (!strcmp(what, "load-16")) {
		t0 = clock_ns(CLK_MONO);
		for (i = 0; i < REF_N && !err; i++)
			err = load_one(fd, src, (size_t)i * 16, 16);
		t1 = clock_ns(CLK_MONO);
	} else if (!strcmp(what, "load-256-newpage")) {
		t0 = clock_ns(CLK_MONO);
		for (i = 0; i < REF_N && !err; i++)
			err = load_one(fd, src, (size_t)i * 4096, 256);
		t1 = clock_ns(CLK_MONO);
	} else if (!strcmp(what, "memcpy-256")) {
		t0 = clock_ns(CLK_MONO);
		for (i = 0; i < REF_N; i++) {
			memcpy(dst + (i & 15) * 256, src, 256);
			__asm__ volatile("" : : "r"(dst) : "memory");
		}
		t1 = clock_ns(CLK_MONO);
	} else if (!strcmp(what, "mprotect-pair")) {
		uint8_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -1;
		p[0] = 0xc3;
		t0 = clock_ns(CLK_MONO);
		for (i = 0; i < REF_N && !err; i++)
			err = mprotect(p, 4096, PROT_READ | PROT_WRITE) ||
			      mprotect(p, 4096, PROT_READ | PROT_EXEC);
		t1 = clock_ns(CLK_MONO);
		munmap(p, 4096);
	}
	if (map)
		munmap(map, cap);
	if (fd >= 0)
		close(fd);
	return err ? -1 : (double)(t1 - t0) / REF_N;
}

int w0_run(const struct bench_opts *o)
{
	static const struct {
		const char *name;
		bool module;
	} refs[] = {
		{ "getppid", false }, { "ioctl-enotty", true },
		{ "ioctl-info", true }, { "load-16", true },
		{ "load-256-newpage", true }, { "memcpy-256", false },
		{ "mprotect-pair", false },
	};
	unsigned int i, r, reps = o->reps > 64 ? 64 : o->reps;
	bool have_module = method_selected(o, &method_ioctl);
	double v[64];
	int ret = 0;

	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		if (refs[i].module && !have_module)
			continue;
		for (r = 0; r < reps; r++) {
			v[r] = ref_one(refs[i].name, refs[i].module);
			if (v[r] < 0)
				break;
		}
		if (r < reps) {
			out_note("W0 %s failed", refs[i].name);
			ret = -1;
			continue;
		}
		emit_stat(o, "W0", refs[i].name, "per-call", "cost", "ns", v,
			  reps);
	}
	return ret;
}
