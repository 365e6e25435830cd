// SPDX-License-Identifier: GPL-2.0
/*
 * W3: bulk install, W3 bytes of code (16 MiB by default) as 4 KiB
 * functions in one finalize.  Only the finalize is timed, and compared
 * with memcpy of the same number of bytes: into memory already faulted in
 * ("memcpy", the target's baseline) and into fresh anonymous memory whose
 * page faults are part of the copy ("memcpy-cold").
 *
 * P3 is judged on cost per byte (under --icount: instructions per byte)
 * against the memfd alias's copy of the same bytes, not on throughput
 * against memcpy: icount counts every iteration of the kernel's rep movsb
 * and rep stosb, so a throughput ratio against a user-space vector copy
 * says nothing about hardware.  For the jitseal methods the finalize is
 * also split into the LOAD ioctls (timed by loadtime.c) and the rest of
 * the finalize around them (the library's own work and its other system
 * calls, such as releasing the staging mirror).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"

static double mb_per_s(size_t bytes, double ns)
{
	return ns > 0 ? (double)bytes / ns * 1000.0 : 0;
}

static int memcpy_runs(const struct bench_opts *o, size_t bytes,
		       const char *param)
{
	double warm[64], cold[64], warm_ns[64], cold_ns[64];
	unsigned int r, reps = o->reps > 64 ? 64 : o->reps;
	uint8_t *src, *dst;
	uint64_t t0, t1;

	src = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	dst = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (src == MAP_FAILED || dst == MAP_FAILED)
		return -1;
	memset(src, 0xcc, bytes);
	memset(dst, 0, bytes);
	for (r = 0; r < reps; r++) {
		uint8_t *fresh;

		settle();
		t0 = clock_ns(CLK_MONO);
		memcpy(dst, src, bytes);
		t1 = clock_ns(CLK_MONO);
		warm_ns[r] = (double)(t1 - t0);
		warm[r] = mb_per_s(bytes, warm_ns[r]);

		fresh = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (fresh == MAP_FAILED)
			return -1;
		settle();
		t0 = clock_ns(CLK_MONO);
		memcpy(fresh, src, bytes);
		t1 = clock_ns(CLK_MONO);
		cold_ns[r] = (double)(t1 - t0);
		cold[r] = mb_per_s(bytes, cold_ns[r]);
		munmap(fresh, bytes);
	}
	munmap(src, bytes);
	munmap(dst, bytes);
	emit_stat(o, "W3", "memcpy", param, "throughput", "MB/s",
		  warm, reps);
	emit_stat(o, "W3", "memcpy", param, "finalize", "ns",
		  warm_ns, reps);
	for (r = 0; r < reps; r++) {
		warm_ns[r] /= (double)bytes;
		cold_ns[r] /= (double)bytes;
	}
	emit_stat(o, "W3", "memcpy", param, "cost_per_byte", "ns",
		  warm_ns, reps);
	emit_stat(o, "W3", "memcpy-cold", param, "cost_per_byte", "ns",
		  cold_ns, reps);
	emit_stat(o, "W3", "memcpy-cold", param, "throughput", "MB/s",
		  cold, reps);
	emit_stat(o, "W3", "memcpy-cold", param, "finalize", "ns",
		  cold_ns, reps);
	return 0;
}

int w3_run(const struct bench_opts *o)
{
	double tp[16][64], ns[16][64], call[16][64], pb[16][64], lpb[16][64],
		upb[16][64];
	bool loads[16] = { false };
	bool bad[16] = { false };
	unsigned int r, mi, reps = o->reps > 64 ? 64 : o->reps;
	unsigned int n = o->w3_bytes / 4096;
	char param[32];
	int ret = 0;

	snprintf(param, sizeof(param), n % 256 ? "bytes=%uKiB" : "bytes=%uMiB",
		 n % 256 ? n * 4 : n / 256);
	if (memcpy_runs(o, (size_t)n * 4096, param)) {
		out_note("W3: memcpy baseline failed");
		ret = -1;
	}
	for (r = 0; r < reps; r++) {
		for (mi = 0; mi < nr_methods; mi++) {
			struct run_cfg c = {
				.m = methods[mi],
				.size = 4096,
				.n = n,
				.batch = n,
				.time_finalize = true,
			};
			struct run_out out;
			const char *why = "";

			if (!method_selected(o, methods[mi]) || bad[mi])
				continue;
			if (run_install(&c, &out, &why)) {
				report_fail("W3", methods[mi], param, why);
				bad[mi] = true;
				ret = -1;
				continue;
			}
			ns[mi][r] = out.install_ns;
			tp[mi][r] = mb_per_s(out.code_bytes, out.install_ns);
			call[mi][r] = out.first_call_ns / n;
			pb[mi][r] = out.install_ns / out.code_bytes;
			lpb[mi][r] = out.load_ns / out.code_bytes;
			upb[mi][r] = (out.install_ns - out.load_ns) / out.code_bytes;
			loads[mi] |= out.load_ns > 0;
		}
	}
	for (mi = 0; mi < nr_methods; mi++) {
		if (!method_selected(o, methods[mi]) || bad[mi])
			continue;
		emit_stat(o, "W3", methods[mi]->name, param, "throughput",
			  "MB/s", tp[mi], reps);
		emit_stat(o, "W3", methods[mi]->name, param, "finalize",
			  "ns", ns[mi], reps);
		emit_stat(o, "W3", methods[mi]->name, param,
			  "first_call_per_fn", "ns", call[mi], reps);
		emit_stat(o, "W3", methods[mi]->name, param, "cost_per_byte",
			  "ns", pb[mi], reps);
		if (!loads[mi])
			continue;
		emit_stat(o, "W3", methods[mi]->name, param, "load_per_byte",
			  "ns", lpb[mi], reps);
		emit_stat(o, "W3", methods[mi]->name, param, "rest_per_byte",
			  "ns", upb[mi], reps);
	}
	return ret;
}
