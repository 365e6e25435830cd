// SPDX-License-Identifier: GPL-2.0
/*
 * The install loop every workload is built on, and W1 / W2.
 *
 * Install figure: from "the JIT has the code in mind" to "the code is
 * executable at its final address": allocate, emit (write the function
 * into the staging memory the method gives), finalize.  Emitting is the
 * same few stores for every method.  The first call of every function is
 * timed separately, after all installs of the run, and every return
 * value is checked; then the installed bytes are compared with a fresh
 * emit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static uint32_t next_id = 1;
static __thread char why_buf[160];

static const char *fail(const char *what, int err)
{
	snprintf(why_buf, sizeof(why_buf), "%s: %s", what, strerror(-err));
	return why_buf;
}

uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

void run_release(const struct method *m, struct run_out *o)
{
	if (o->pool)
		m->pool_destroy(o->pool);
	free(o->fns);
	o->pool = NULL;
	o->fns = NULL;
}

int run_install(const struct run_cfg *c, struct run_out *o, const char **why)
{
	const struct method *m = c->m;
	unsigned int batch = c->batch ? c->batch : 1;
	struct pool_params pp = { 0 };
	struct mstager *st = NULL;
	struct mpool *pool = NULL;
	uint64_t seed = c->seed | 1, t0, t1, fin = 0, ld = 0;
	size_t total = 0, i;
	struct fn *fns;
	int err;

	memset(o, 0, sizeof(*o));
	fns = calloc(c->n, sizeof(*fns));
	if (!fns) {
		*why = "out of memory";
		return -1;
	}
	for (i = 0; i < c->n; i++) {
		fns[i].len = c->size ? c->size :
			FN_MIN + xorshift(&seed) % (4096 - FN_MIN + 1);
		fns[i].id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
		total += fn_reserve(fns[i].len);
		o->code_bytes += fns[i].len;
	}
	pp.code_bytes = total + (64 << 10);
	pp.stage_bytes = (size_t)batch * fn_reserve(c->size ? c->size : 4096);
	if (pp.stage_bytes > total)
		pp.stage_bytes = total;
	pp.stage_bytes += 4096;

	err = m->pool_create(&pp, &pool);
	if (err) {
		*why = fail("pool create", err);
		goto out;
	}
	err = m->stager_create(pool, &st);
	if (err) {
		*why = fail("stager create", err);
		goto out;
	}

	settle();
	t0 = clock_ns(CLK_MONO);
	for (i = 0; i < c->n; i++) {
		err = m->alloc(st, &fns[i]);
		if (err) {
			*why = fail("alloc", err);
			goto out;
		}
		code_emit(&fns[i]);
		if ((i + 1) % batch == 0 || i + 1 == c->n) {
			uint64_t f0 = c->time_finalize ? clock_ns(CLK_MONO) : 0;
			uint64_t l0 = load_ns_thread();

			err = m->finalize(st);
			ld += load_ns_thread() - l0;
			if (err) {
				*why = fail("finalize", err);
				goto out;
			}
			if (c->time_finalize)
				fin += clock_ns(CLK_MONO) - f0;
		}
	}
	t1 = clock_ns(CLK_MONO);
	o->install_ns = c->time_finalize ? (double)fin : (double)(t1 - t0);
	o->load_ns = (double)ld;

	t0 = clock_ns(CLK_MONO);
	err = code_call_all(fns, c->n, why);
	t1 = clock_ns(CLK_MONO);
	if (err)
		goto out;
	o->first_call_ns = (double)(t1 - t0);
	if (code_verify_bytes(fns, c->n)) {
		*why = "installed bytes differ from the emitted ones";
		err = -1;
		goto out;
	}
out:
	if (st)
		m->stager_destroy(st);
	if (!err && c->keep) {
		o->pool = pool;
		o->fns = fns;
		return 0;
	}
	if (pool)
		m->pool_destroy(pool);
	free(fns);
	return err ? -1 : 0;
}

static const size_t w1_sizes[4] = { 16, 256, 4096, 65536 };

int w1_run(const struct bench_opts *o)
{
	double inst[4][16][64], call[4][16][64], load[4][16][64];
	bool bad[16] = { false };
	unsigned int si, r, mi, reps = o->reps > 64 ? 64 : o->reps;
	char param[32];
	int ret = 0;

	for (si = 0; si < 4; si++) {
		if (o->w1_size && o->w1_size != w1_sizes[si])
			continue;
		for (r = 0; r < reps; r++) {
			for (mi = 0; mi < nr_methods; mi++) {
				struct run_cfg c = {
					.m = methods[mi],
					.size = w1_sizes[si],
					.n = o->w1_fns[si],
					.batch = 1,
				};
				struct run_out out;
				const char *why = "";

				if (!method_selected(o, methods[mi]) || bad[mi])
					continue;
				snprintf(param, sizeof(param), "size=%zu",
					 w1_sizes[si]);
				if (run_install(&c, &out, &why)) {
					report_fail("W1", methods[mi], param, why);
					bad[mi] = true;
					ret = -1;
					continue;
				}
				inst[si][mi][r] = out.install_ns / c.n;
				call[si][mi][r] = out.first_call_ns / c.n;
				load[si][mi][r] = out.load_ns / c.n;
			}
		}
		for (mi = 0; mi < nr_methods; mi++) {
			if (!method_selected(o, methods[mi]) || bad[mi])
				continue;
			snprintf(param, sizeof(param), "size=%zu", w1_sizes[si]);
			emit_stat(o, "W1", methods[mi]->name, param, "install_per_fn",
				  "ns", inst[si][mi], reps);
			emit_stat(o, "W1", methods[mi]->name, param,
				  "first_call_per_fn", "ns", call[si][mi], reps);
			emit_stat(o, "W1", methods[mi]->name, param,
				  "load_per_fn", "ns", load[si][mi], reps);
		}
	}
	return ret;
}

static const unsigned int w2_batches[4] = { 1, 10, 100, 1000 };

int w2_run(const struct bench_opts *o)
{
	double inst[4][16][64], call[4][16][64], load[4][16][64];
	bool bad[16] = { false };
	unsigned int bi, r, mi, reps = o->reps > 64 ? 64 : o->reps;
	char param[32];
	int ret = 0;

	for (bi = 0; bi < 4; bi++) {
		for (r = 0; r < reps; r++) {
			for (mi = 0; mi < nr_methods; mi++) {
				struct run_cfg c = {
					.m = methods[mi],
					.size = 256,
					.n = o->w2_fns,
					.batch = w2_batches[bi],
				};
				struct run_out out;
				const char *why = "";

				if (!method_selected(o, methods[mi]) || bad[mi])
					continue;
				snprintf(param, sizeof(param), "size=256 batch=%u",
					 w2_batches[bi]);
				if (run_install(&c, &out, &why)) {
					report_fail("W2", methods[mi], param, why);
					bad[mi] = true;
					ret = -1;
					continue;
				}
				inst[bi][mi][r] = out.install_ns / c.n;
				call[bi][mi][r] = out.first_call_ns / c.n;
				load[bi][mi][r] = out.load_ns / c.n;
			}
		}
		for (mi = 0; mi < nr_methods; mi++) {
			if (!method_selected(o, methods[mi]) || bad[mi])
				continue;
			snprintf(param, sizeof(param), "size=256 batch=%u",
				 w2_batches[bi]);
			emit_stat(o, "W2", methods[mi]->name, param, "install_per_fn",
				  "ns", inst[bi][mi], reps);
			emit_stat(o, "W2", methods[mi]->name, param,
				  "first_call_per_fn", "ns", call[bi][mi], reps);
			emit_stat(o, "W2", methods[mi]->name, param,
				  "load_per_fn", "ns", load[bi][mi], reps);
		}
	}
	return ret;
}
