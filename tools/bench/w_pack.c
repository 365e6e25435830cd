// SPDX-License-Identifier: GPL-2.0
/*
 * W4: W4 functions (10,000 by default) of random size between 16 B and
 * 4 KiB from a fixed seed, one per finalize, in one pool.  Reported:
 *   density    code bytes / bytes of the pages that hold them
 *   vmas       distinct VMAs that hold functions
 *   rss        Rss of those VMAs
 *   cg_*       what the memory cgroup was charged between before the pool
 *              was created and after every function ran once: in total,
 *              as kernel memory, as anonymous memory (staging buffers, the
 *              mprotect pages) and as file memory (memfd, temp files)
 */
#include "bench.h"

#define W4_SEED	0x6a697473ULL	/* "jits" */

static double kib(long long a, long long b)
{
	return (double)(b - a) / 1024.0;
}

static void one(const struct bench_opts *o, const char *m, const char *metric,
		const char *unit, double v)
{
	emit_stat(o, "W4", m, "random=16..4096", metric, unit, &v, 1);
}

int w4_run(const struct bench_opts *o)
{
	unsigned int mi;
	int ret = 0;

	for (mi = 0; mi < nr_methods; mi++) {
		const struct method *m = methods[mi];
		struct run_cfg c = {
			.m = m,
			.size = 0,
			.n = o->w4_fns,
			.batch = 1,
			.seed = W4_SEED,
			.keep = true,
		};
		struct memsnap before, after;
		struct vmastat vs;
		struct run_out out;
		const char *why = "";

		if (!method_selected(o, m))
			continue;
		memstat_snap(&before);
		if (run_install(&c, &out, &why)) {
			report_fail("W4", m, "random=16..4096", why);
			ret = -1;
			continue;
		}
		memstat_snap(&after);
		if (memstat_vmas(out.fns, c.n, &vs)) {
			report_fail("W4", m, "random=16..4096",
				    "cannot read /proc/self/smaps");
			run_release(m, &out);
			ret = -1;
			continue;
		}
		one(o, m->name, "density", "%",
		    vs.pages ? 100.0 * (double)out.code_bytes /
			       ((double)vs.pages * 4096) : 0);
		one(o, m->name, "vmas", "count", (double)vs.vmas);
		one(o, m->name, "code", "KiB", (double)out.code_bytes / 1024);
		one(o, m->name, "pages", "KiB", (double)vs.pages * 4);
		one(o, m->name, "rss", "KiB", (double)vs.rss_bytes / 1024);
		one(o, m->name, "install_per_fn", "ns", out.install_ns / c.n);
		if (before.cg_ok && after.cg_ok) {
			one(o, m->name, "cg_total", "KiB",
			    kib(before.cg_current, after.cg_current));
			if (after.cg_kernel >= 0)
				one(o, m->name, "cg_kernel", "KiB",
				    kib(before.cg_kernel, after.cg_kernel));
			one(o, m->name, "cg_anon", "KiB",
			    kib(before.cg_anon, after.cg_anon));
			one(o, m->name, "cg_file", "KiB",
			    kib(before.cg_file, after.cg_file));
			one(o, m->name, "cg_pagetables", "KiB",
			    kib(before.cg_pagetables, after.cg_pagetables));
		}
		run_release(m, &out);
	}
	return ret;
}
