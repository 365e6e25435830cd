// SPDX-License-Identifier: GPL-2.0
/*
 * P10: concurrent compilers on one pool.  8 threads, each with its own
 * stager (a jitseal_batch for the library) of ONE shared pool, allocate,
 * emit and finalize batches of 1-50 functions of 16-512 bytes (xorshift,
 * seeded per thread).  Every allocation call is timed on its own; the
 * figures are the mean (of each repetition, and of all repetitions
 * together: alloc_mean_all), p50, p99 and max latency of one allocation, with
 * 8 threads and with 1 thread doing thread 0's part of the same workload
 * alone, in the same run; and, as a control, 8 threads with a pool each
 * (what oversubscribing the CPUs costs without any sharing).
 *
 * Did an allocation wait for another thread's LOAD?  Each allocation
 * records its start and end (tick()), and the voluntary and involuntary
 * context switches of its thread around it (getrusage, outside the timed
 * interval); each thread records when its LOADs ran (the ioctl itself,
 * seen through loadtime.c, or the whole finalize for methods without a
 * LOAD ioctl).  An allocation waited on a LOAD if it slept (a voluntary
 * switch: the pool lock's futex) while another thread was inside a LOAD,
 * or if, without being preempted, it took longer than the threshold (ten
 * times the 1-thread p99, at least 2 us) and another thread's LOAD ended
 * inside it (a spinning waiter).  Of those, waits_faulted page-faulted
 * during the allocation: a sleep there may be on the mm's lock in the
 * fault (held by a LOAD's copy or an mmap), not on the pool lock.  For
 * methods without a LOAD ioctl the window is the whole finalize, so a
 * wait for a preempted finalizer's short hold of the pool lock counts too.  Allocations preempted by the scheduler are counted
 * apart: with 8 threads on 2 CPUs they are what the "own pools" control
 * measures.
 *
 * Wall-clock latencies need CPUs that run concurrently: under --icount
 * (one CPU) every wait is a preemption, so P10 is skipped there.  It runs
 * in the TCG run (2 vCPUs) and natively (make bench-native), where the
 * library runs on its memfd backend (jitseal-memfd).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"

#define P10_THREADS	8
#define P10_MAX_BATCH	50
#define P10_MIN_SIZE	16
#define P10_MAX_SIZE	512
#define P10_MIN_WAIT_NS	2000.0	/* floor of the spin-wait threshold */

struct arec {
	uint64_t t0, t1;	/* tick() around the allocation */
	uint32_t vcsw, ivcsw;	/* context switches of the thread during it */
	uint32_t flt;		/* page faults of the thread during it */
};

struct p10_thread {
	const struct method *m;
	struct mpool *pool;
	pthread_barrier_t *bar;
	struct fn *fns;
	unsigned int nfns;
	unsigned char *blen;	/* functions per batch */
	unsigned int nbatches;
	struct arec *recs;	/* one per function */
	struct span_log loads;	/* LOAD ioctls */
	struct span_log fins;	/* finalize calls */
	int err;
	const char *why;
};

static uint32_t p10_ids = 0x60000000;

/* The plan of thread @t: the same in every run of a figure. */
static int plan(struct p10_thread *a, unsigned int t, unsigned int batches)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL * (t + 1) | 1;
	unsigned int b, i, n = 0;

	a->blen = calloc(batches, 1);
	a->fins.v = calloc(batches, sizeof(struct span));
	a->loads.v = calloc((size_t)batches * 8, sizeof(struct span));
	if (!a->blen || !a->fins.v || !a->loads.v)
		return -ENOMEM;
	a->fins.cap = batches;
	a->loads.cap = (size_t)batches * 8;
	for (b = 0; b < batches; b++) {
		a->blen[b] = (unsigned char)(1 + xorshift(&s) % P10_MAX_BATCH);
		n += a->blen[b];
	}
	a->nbatches = batches;
	a->fns = calloc(n, sizeof(*a->fns));
	a->recs = calloc(n, sizeof(*a->recs));
	if (!a->fns || !a->recs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		a->fns[i].len = P10_MIN_SIZE +
			xorshift(&s) % (P10_MAX_SIZE - P10_MIN_SIZE + 1);
		a->fns[i].id = __atomic_fetch_add(&p10_ids, 1, __ATOMIC_RELAXED);
	}
	a->nfns = n;
	return 0;
}

static void unplan(struct p10_thread *a)
{
	free(a->blen);
	free(a->fins.v);
	free(a->loads.v);
	free(a->fns);
	free(a->recs);
}

static size_t plan_bytes(const struct p10_thread *a)
{
	size_t i, sum = 0;

	for (i = 0; i < a->nfns; i++)
		sum += fn_reserve(a->fns[i].len);
	return sum;
}

/* The thread's voluntary and involuntary switches and page faults. */
static void csw(uint32_t c[3])
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	c[0] = (uint32_t)ru.ru_nvcsw;
	c[1] = (uint32_t)ru.ru_nivcsw;
	c[2] = (uint32_t)(ru.ru_minflt + ru.ru_majflt);
}

static int p10_batches(struct p10_thread *a, struct mstager *st)
{
	unsigned int b, j, i = 0;
	uint32_t c0[3], c1[3];
	uint64_t f0;
	int err;

	for (b = 0; b < a->nbatches; b++) {
		for (j = 0; j < a->blen[b]; j++, i++) {
			struct arec *r = &a->recs[i];

			csw(c0);
			r->t0 = tick();
			err = a->m->alloc(st, &a->fns[i]);
			r->t1 = tick();
			csw(c1);
			if (err) {
				a->why = "alloc failed";
				return err;
			}
			r->vcsw = c1[0] - c0[0];
			r->ivcsw = c1[1] - c0[1];
			r->flt = c1[2] - c0[2];
			code_emit(&a->fns[i]);
		}
		f0 = tick();
		err = a->m->finalize(st);
		span_add(&a->fins, f0, tick());
		if (err) {
			a->why = "finalize failed";
			return err;
		}
	}
	return 0;
}

static void *p10_worker(void *p)
{
	struct p10_thread *a = p;
	struct mstager *st = NULL;

	a->err = a->m->stager_create(a->pool, &st);
	if (a->err)
		a->why = "stager create failed";
	pthread_barrier_wait(a->bar);
	if (a->err)
		return NULL;
	load_log_attach(&a->loads);
	a->err = p10_batches(a, st);
	load_log_attach(NULL);
	a->m->stager_destroy(st);
	return NULL;
}

/* Figures of one run. */
struct p10_fig {
	double mean, p50, p99, max, fin_mean;
	double waits, waits_faulted, slept, preempted, allocs;
};

static int cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/*
 * Did @r run while another thread was inside a LOAD?  With @end_only, did
 * a LOAD of another thread end inside it (a spinning waiter gets the lock
 * when the holder lets go)?
 */
static bool overlaps_load(const struct p10_thread *a, unsigned int nt,
			  unsigned int self, const struct arec *r, bool ioctl,
			  bool end_only)
{
	unsigned int t;
	size_t k;

	for (t = 0; t < nt; t++) {
		const struct span_log *l = ioctl ? &a[t].loads : &a[t].fins;

		if (t == self)
			continue;
		for (k = 0; k < l->n; k++)
			if (end_only ? l->v[k].t1 > r->t0 && l->v[k].t1 <= r->t1 :
			    l->v[k].t0 < r->t1 && l->v[k].t1 > r->t0)
				return true;
	}
	return false;
}

static int p10_figures(const struct p10_thread *a, unsigned int nt,
		       double ns_per_tick, double wait_ns, struct p10_fig *f)
{
	unsigned int t, i, n = 0, nfin = 0;
	bool ioctl = false;
	double *lat, sum = 0, fsum = 0;

	for (t = 0; t < nt; t++) {
		n += a[t].nfns;
		ioctl |= a[t].loads.n > 0;
	}
	lat = malloc(n * sizeof(*lat));
	if (!lat)
		return -ENOMEM;
	memset(f, 0, sizeof(*f));
	for (n = 0, t = 0; t < nt; t++) {
		for (i = 0; i < a[t].nfns; i++, n++) {
			const struct arec *r = &a[t].recs[i];
			double ns = (double)(r->t1 - r->t0) * ns_per_tick;

			lat[n] = ns;
			sum += ns;
			f->slept += r->vcsw > 0;
			f->preempted += !r->vcsw && r->ivcsw;
			if (r->vcsw ?
			    overlaps_load(a, nt, t, r, ioctl, false) :
			    !r->ivcsw && ns > wait_ns &&
			    overlaps_load(a, nt, t, r, ioctl, true)) {
				f->waits++;
				f->waits_faulted += r->flt > 0;
			}
		}
		for (i = 0; i < a[t].fins.n; i++, nfin++)
			fsum += (double)(a[t].fins.v[i].t1 - a[t].fins.v[i].t0);
	}
	qsort(lat, n, sizeof(*lat), cmp_d);
	f->allocs = n;
	f->mean = sum / n;
	f->p50 = lat[n / 2];
	f->p99 = lat[(size_t)((n - 1) * 0.99)];
	f->max = lat[n - 1];
	f->fin_mean = nfin ? fsum / nfin * ns_per_tick : 0;
	free(lat);
	return 0;
}

struct p10_cfg {
	const struct method *m;
	unsigned int threads, batches;
	bool own;		/* a pool per thread (the control) */
	double wait_ns;		/* spin-wait threshold */
};

static int p10_pools(const struct p10_cfg *c, struct p10_thread *a,
		     struct mpool **pools)
{
	struct pool_params pp = {
		.stage_bytes = P10_MAX_BATCH * fn_reserve(P10_MAX_SIZE) + 4096,
		.shared = true,
	};
	unsigned int t;
	int err = 0;

	for (t = 0; t < c->threads; t++)
		pp.code_bytes += plan_bytes(&a[t]);
	for (t = 0; t < c->threads && !err; t++) {
		if (c->own)
			pp.code_bytes = plan_bytes(&a[t]) + (64 << 10);
		else if (!t)
			pp.code_bytes += 64 << 10;
		if (c->own || !t)
			err = c->m->pool_create(&pp, &pools[t]);
		a[t].pool = c->own ? pools[t] : pools[0];
	}
	return err;
}

static int p10_check(struct p10_thread *a, unsigned int nt, const char **why)
{
	unsigned int t;

	for (t = 0; t < nt; t++) {
		if (a[t].err) {
			*why = a[t].why;
			return a[t].err;
		}
		if (code_call_all(a[t].fns, a[t].nfns, why))
			return -1;
		if (code_verify_bytes(a[t].fns, a[t].nfns)) {
			*why = "installed bytes differ from the emitted ones";
			return -1;
		}
	}
	return 0;
}

static int p10_one(const struct p10_cfg *c, struct p10_fig *f, const char **why)
{
	struct p10_thread a[P10_THREADS];
	struct mpool *pools[P10_THREADS] = { NULL };
	pthread_t th[P10_THREADS];
	pthread_barrier_t bar;
	unsigned int t, nt = c->threads;
	uint64_t m0, k0;
	int err = 0;

	memset(a, 0, sizeof(a));
	*why = "out of memory";
	for (t = 0; t < nt && !err; t++) {
		a[t].m = c->m;
		a[t].bar = &bar;
		err = plan(&a[t], t, c->batches);
	}
	if (!err && p10_pools(c, a, pools)) {
		*why = "pool create failed";
		err = -1;
	}
	if (err)
		goto out;
	pthread_barrier_init(&bar, NULL, nt + 1);
	settle();
	m0 = clock_ns(CLK_MONO);
	k0 = tick();
	for (t = 0; t < nt; t++)
		if (pthread_create(&th[t], NULL, p10_worker, &a[t]))
			abort();	/* the barrier would never open */
	pthread_barrier_wait(&bar);
	for (t = 0; t < nt; t++)
		pthread_join(th[t], NULL);
	err = p10_check(a, nt, why);
	if (!err)
		err = p10_figures(a, nt, (double)(clock_ns(CLK_MONO) - m0) /
				  (double)(tick() - k0), c->wait_ns, f);
	pthread_barrier_destroy(&bar);
out:
	for (t = 0; t < nt; t++) {
		if (pools[t])
			c->m->pool_destroy(pools[t]);
		unplan(&a[t]);
	}
	return err ? -1 : 0;
}

static const struct method *const p10_methods[] = {
	&method_lib, &method_ioctl, &method_lib_memfd, &method_memfd,
	&method_mprotect,
};
#define P10_NM	(sizeof(p10_methods) / sizeof(p10_methods[0]))
#define P10_NCFG 3	/* threads=1, threads=8 shared, threads=8 own */

static const char *const p10_params[P10_NCFG] = {
	"threads=1", "threads=8 pool=shared", "threads=8 pool=own",
};

static void p10_emit(const struct bench_opts *o, const char *m,
		     const char *param, struct p10_fig *f, unsigned int reps)
{
	static const struct {
		const char *metric, *unit;
		size_t off;
	} mets[] = {
		{ "alloc_mean", "ns", offsetof(struct p10_fig, mean) },
		{ "alloc_p50", "ns", offsetof(struct p10_fig, p50) },
		{ "alloc_p99", "ns", offsetof(struct p10_fig, p99) },
		{ "alloc_max", "ns", offsetof(struct p10_fig, max) },
		{ "finalize_mean", "ns", offsetof(struct p10_fig, fin_mean) },
		{ "waits_on_load", "allocs", offsetof(struct p10_fig, waits) },
		{ "waits_faulted", "allocs", offsetof(struct p10_fig, waits_faulted) },
		{ "slept", "allocs", offsetof(struct p10_fig, slept) },
		{ "preempted", "allocs", offsetof(struct p10_fig, preempted) },
		{ "allocs", "allocs", offsetof(struct p10_fig, allocs) },
	};
	double v[64], all = 0;
	unsigned int i, r;

	/* every repetition has the same allocations: the mean of them all */
	for (r = 0; r < reps; r++)
		all += f[r].mean / reps;
	emit_stat(o, "P10", m, param, "alloc_mean_all", "ns", &all, 1);
	for (i = 0; i < sizeof(mets) / sizeof(mets[0]); i++) {
		for (r = 0; r < reps; r++)
			memcpy(&v[r], (const char *)&f[r] + mets[i].off,
			       sizeof(v[r]));
		emit_stat(o, "P10", m, param, mets[i].metric, mets[i].unit,
			  v, reps);
	}
}

int p10_run(const struct bench_opts *o)
{
	static struct p10_fig fig[P10_NM][P10_NCFG][64];
	bool use[P10_NM], bad[P10_NM] = { false };
	unsigned int mi, ci, r, reps = o->reps > 64 ? 64 : o->reps;
	int ret = 0;

	if (o->clock_label && !strcmp(o->clock_label, "icount")) {
		out_note("P10 skipped under icount: one CPU, so every wait is a preemption (see the tcg and native runs)");
		return 0;
	}
	for (mi = 0; mi < P10_NM; mi++)
		use[mi] = method_wanted(o, p10_methods[mi]);
	for (r = 0; r < reps; r++)
		for (mi = 0; mi < P10_NM; mi++)
			for (ci = 0; ci < P10_NCFG && use[mi] && !bad[mi]; ci++) {
				struct p10_cfg c = {
					.m = p10_methods[mi],
					.threads = ci ? P10_THREADS : 1,
					.batches = o->p10_batches,
					.own = ci == 2,
					/* ten times this run's 1-thread p99 */
					.wait_ns = fmax(P10_MIN_WAIT_NS,
							10 * fig[mi][0][r].p99),
				};
				const char *why = "";

				if (p10_one(&c, &fig[mi][ci][r], &why)) {
					report_fail("P10", c.m, p10_params[ci], why);
					bad[mi] = true;
					ret = -1;
				}
			}
	for (mi = 0; mi < P10_NM; mi++)
		for (ci = 0; ci < P10_NCFG && use[mi] && !bad[mi]; ci++)
			p10_emit(o, p10_methods[mi]->name, p10_params[ci],
				 fig[mi][ci], reps);
	return ret;
}
