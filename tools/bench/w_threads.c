// SPDX-License-Identifier: GPL-2.0
/*
 * W5: W1 at 256 B while 0, 1 or 2 other threads keep calling code of the
 * same pool: 64 functions installed first, whose pages the installs never
 * touch (the first new function starts on a fresh page, so that the
 * mprotect method can toggle without faulting the executors).  Any TLB
 * shootdown or page-table change an install causes lands on the installer.
 *
 * W6: 1, 2 or 4 installer threads, each with its own pool, or all in one
 * shared pool (one stager each: a libjitseal batch, a staging arena).
 *
 * Both time the installing thread with CLOCK_THREAD_CPUTIME_ID: under
 * --icount (one CPU) the executors' own instructions are not the
 * installer's; under TCG with several CPUs, waiting for other CPUs (IPI
 * acknowledgements) is.  W6 also reports the wall clock per function of
 * all threads together.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define W5_PRE		64
#define W5_SIZE		256

struct exec_arg {
	const struct fn *fns;
	size_t n;
	volatile bool *stop;
	unsigned long loops;
	bool wrong;
};

static void *executor(void *p)
{
	struct exec_arg *a = p;
	const char *why;

	while (!*a->stop) {
		if (code_call_all(a->fns, a->n, &why)) {
			a->wrong = true;
			break;
		}
		__atomic_store_n(&a->loops, a->loops + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static int install_loop(const struct method *m, struct mstager *st,
			struct fn *fns, size_t n, unsigned int batch)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = m->alloc(st, &fns[i]);
		if (err)
			return err;
		code_emit(&fns[i]);
		if ((i + 1) % batch == 0 || i + 1 == n) {
			err = m->finalize(st);
			if (err)
				return err;
		}
	}
	return 0;
}

static uint32_t ids = 0x50000000;

static struct fn *new_fns(size_t n, size_t len)
{
	struct fn *f = calloc(n, sizeof(*f));
	size_t i;

	for (i = 0; f && i < n; i++) {
		f[i].len = len;
		f[i].id = __atomic_fetch_add(&ids, 1, __ATOMIC_RELAXED);
	}
	return f;
}

/* One W5 run: returns the installer's thread-CPU ns per function. */
static int w5_one(const struct method *m, unsigned int n, unsigned int nexec,
		  double *per_fn, double *wall_per_fn, const char **why)
{
	struct pool_params pp = {
		.code_bytes = (W5_PRE + n) * fn_reserve(W5_SIZE) + (64 << 10),
		.stage_bytes = W5_PRE * fn_reserve(W5_SIZE) + 8192,
	};
	struct exec_arg args[2];
	pthread_t th[2];
	volatile bool stop = false;
	struct fn *pre = new_fns(W5_PRE, W5_SIZE), *fns = new_fns(n, W5_SIZE);
	struct mpool *pool = NULL;
	struct mstager *st = NULL;
	unsigned int started = 0, i;
	uint64_t t0, t1, w0, w1;
	int err = -ENOMEM;

	*why = "out of memory";
	if (!pre || !fns)
		goto out;
	*why = "pool or stager create failed";
	err = m->pool_create(&pp, &pool);
	if (err)
		goto out;
	err = m->stager_create(pool, &st);
	if (err)
		goto out;
	*why = "installing the executors' functions failed";
	err = install_loop(m, st, pre, W5_PRE, W5_PRE);
	if (err)
		goto out;
	err = code_call_all(pre, W5_PRE, why);
	if (err)
		goto out;
	for (i = 0; i < nexec; i++) {
		args[i] = (struct exec_arg){ pre, W5_PRE, &stop, 0, false };
		if (pthread_create(&th[i], NULL, executor, &args[i])) {
			*why = "pthread_create failed";
			err = -EAGAIN;
			goto stop;
		}
		started++;
	}
	for (i = 0; i < started; i++)	/* every executor is running code */
		while (!__atomic_load_n(&args[i].loops, __ATOMIC_ACQUIRE) &&
		       !args[i].wrong)
			;
	fns[0].align = 4096;
	*why = "install failed";
	settle();
	w0 = clock_ns(CLK_MONO);
	t0 = clock_ns(CLK_THREAD);
	err = install_loop(m, st, fns, n, 1);
	t1 = clock_ns(CLK_THREAD);
	w1 = clock_ns(CLK_MONO);
	*per_fn = (double)(t1 - t0) / n;
	*wall_per_fn = (double)(w1 - w0) / n;
stop:
	stop = true;
	for (i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		if (args[i].wrong && !err) {
			*why = "an executor got a wrong value";
			err = -1;
		}
	}
	if (!err)
		err = code_call_all(fns, n, why);
	if (!err && code_verify_bytes(fns, n)) {
		*why = "installed bytes differ from the emitted ones";
		err = -1;
	}
out:
	if (st)
		m->stager_destroy(st);
	if (pool)
		m->pool_destroy(pool);
	free(pre);
	free(fns);
	return err ? -1 : 0;
}

int w5_run(const struct bench_opts *o)
{
	static double v[3][16][64], w[3][16][64];
	bool bad[16] = { false };
	unsigned int e, r, mi, reps = o->reps > 64 ? 64 : o->reps;
	char param[32];
	int ret = 0;

	for (e = 0; e < 3; e++) {
		snprintf(param, sizeof(param), "size=256 executors=%u", e);
		for (r = 0; r < reps; r++)
			for (mi = 0; mi < nr_methods; mi++) {
				const char *why = "";

				if (!method_selected(o, methods[mi]) || bad[mi])
					continue;
				if (w5_one(methods[mi], o->w5_fns, e,
					   &v[e][mi][r], &w[e][mi][r], &why)) {
					report_fail("W5", methods[mi], param, why);
					bad[mi] = true;
					ret = -1;
				}
			}
		for (mi = 0; mi < nr_methods; mi++) {
			if (!method_selected(o, methods[mi]) || bad[mi])
				continue;
			emit_stat(o, "W5", methods[mi]->name, param,
				  "install_per_fn", "ns", v[e][mi], reps);
			emit_stat(o, "W5", methods[mi]->name, param,
				  "wall_per_fn", "ns", w[e][mi], reps);
		}
	}
	return ret;
}

struct inst_arg {
	const struct method *m;
	struct mpool *pool;
	struct fn *fns;
	size_t n;
	pthread_barrier_t *bar;
	double ns;
	uint64_t start, end;	/* CLOCK_MONOTONIC */
	int err;
};

static void *installer(void *p)
{
	struct inst_arg *a = p;
	struct mstager *st = NULL;
	uint64_t t0;

	a->err = a->m->stager_create(a->pool, &st);
	pthread_barrier_wait(a->bar);
	if (a->err)
		return NULL;
	a->start = clock_ns(CLK_MONO);
	t0 = clock_ns(CLK_THREAD);
	a->err = install_loop(a->m, st, a->fns, a->n, 1);
	a->ns = (double)(clock_ns(CLK_THREAD) - t0);
	a->end = clock_ns(CLK_MONO);
	a->m->stager_destroy(st);
	return NULL;
}

/* One W6 run with @nt threads; per-thread ns per function into @per. */
static int w6_one(const struct method *m, unsigned int nt, bool shared,
		  unsigned int n, double *per, double *wall_per_fn,
		  const char **why)
{
	struct pool_params pp = {
		.code_bytes = (size_t)n * fn_reserve(W5_SIZE) * (shared ? nt : 1) +
			      (64 << 10),
		.stage_bytes = fn_reserve(W5_SIZE) + 4096,
		.shared = shared,
	};
	struct inst_arg a[4];
	struct mpool *pools[4] = { NULL };
	pthread_t th[4];
	pthread_barrier_t bar;
	unsigned int i, started = 0;
	uint64_t t0, t1;
	int err = 0;

	memset(a, 0, sizeof(a));
	pthread_barrier_init(&bar, NULL, nt + 1);
	for (i = 0; i < nt && !err; i++) {
		if (!shared || !i)
			err = m->pool_create(&pp, &pools[i]);
		else
			pools[i] = pools[0];
		a[i] = (struct inst_arg){ .m = m, .pool = pools[i],
					  .fns = new_fns(n, W5_SIZE), .n = n,
					  .bar = &bar };
		if (!a[i].fns)
			err = -ENOMEM;
	}
	if (err) {
		*why = "pool create failed";
		/* release the barrier's count by not starting anything */
		goto out;
	}
	settle();
	for (i = 0; i < nt; i++) {
		if (pthread_create(&th[i], NULL, installer, &a[i]))
			break;
		started++;
	}
	if (started < nt) {
		/* cannot happen with 4 threads; the barrier would hang */
		*why = "pthread_create failed";
		abort();
	}
	pthread_barrier_wait(&bar);
	for (i = 0; i < nt; i++)
		pthread_join(th[i], NULL);
	/* from the first thread's start to the last one's end */
	t0 = a[0].start;
	t1 = a[0].end;
	for (i = 1; i < nt; i++) {
		t0 = a[i].start < t0 ? a[i].start : t0;
		t1 = a[i].end > t1 ? a[i].end : t1;
	}
	*wall_per_fn = (double)(t1 - t0) / (nt * n);
	for (i = 0; i < nt; i++) {
		if (a[i].err && !err) {
			*why = "install failed in a thread";
			err = a[i].err;
		}
		per[i] = a[i].ns / n;
	}
	for (i = 0; i < nt && !err; i++) {
		err = code_call_all(a[i].fns, n, why);
		if (!err && code_verify_bytes(a[i].fns, n)) {
			*why = "installed bytes differ from the emitted ones";
			err = -1;
		}
	}
out:
	for (i = 0; i < nt; i++) {
		free(a[i].fns);
		if (pools[i] && (!shared || !i))
			m->pool_destroy(pools[i]);
	}
	pthread_barrier_destroy(&bar);
	return err ? -1 : 0;
}

static const unsigned int w6_threads[3] = { 1, 2, 4 };

int w6_run(const struct bench_opts *o)
{
	static double per[16][64 * 4], wall[16][64];
	bool bad[16] = { false };
	unsigned int ti, sh, r, mi, reps = o->reps > 64 ? 64 : o->reps;
	char param[40];
	int ret = 0;

	for (sh = 0; sh < 2; sh++)
		for (ti = 0; ti < 3; ti++) {
			unsigned int nt = w6_threads[ti];

			if (sh && nt == 1)
				continue;	/* the same as its own pool */
			snprintf(param, sizeof(param), "threads=%u pool=%s", nt,
				 sh ? "shared" : "own");
			for (r = 0; r < reps; r++)
				for (mi = 0; mi < nr_methods; mi++) {
					const char *why = "";

					if (!method_selected(o, methods[mi]) ||
					    bad[mi])
						continue;
					if (w6_one(methods[mi], nt, sh, o->w6_fns,
						   &per[mi][r * nt], &wall[mi][r],
						   &why)) {
						report_fail("W6", methods[mi],
							    param, why);
						bad[mi] = true;
						ret = -1;
					}
				}
			for (mi = 0; mi < nr_methods; mi++) {
				if (!method_selected(o, methods[mi]) || bad[mi])
					continue;
				emit_stat(o, "W6", methods[mi]->name, param,
					  "install_per_fn", "ns", per[mi],
					  reps * nt);
				emit_stat(o, "W6", methods[mi]->name, param,
					  "wall_per_fn", "ns", wall[mi], reps);
			}
		}
	return ret;
}
