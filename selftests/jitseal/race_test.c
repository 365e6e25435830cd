// SPDX-License-Identifier: GPL-2.0
/*
 * Races: a thread rewriting the staging buffer during LOAD (C3), and
 * loads, maps, unmaps, forks and closes running at once (C6).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sha256.h"
#include "util.h"

#define ITERATIONS	2000
#define SEG_A		300
#define SEG_B		700
#define PER_LOAD	(SEG_A + SEG_B)
#define POOL_BYTES	(((ITERATIONS * PER_LOAD) + JS_PAGE - 1) & ~(JS_PAGE - 1))

struct flipper {
	volatile uint8_t *buf;
	_Atomic bool stop;
	uint64_t rounds;
};

static void *flip(void *arg)
{
	struct flipper *f = arg;
	uint8_t v = 0;

	while (!atomic_load_explicit(&f->stop, memory_order_relaxed)) {
		size_t i;

		v++;
		for (i = 0; i < PER_LOAD; i++)
			f->buf[i] = v ^ (uint8_t)i;
		f->rounds++;
	}
	return NULL;
}

/*
 * Whatever the racing writer does, each installed segment equals exactly
 * what its returned digest describes: the kernel read the staging buffer
 * once and digested its own copy.
 */
TEST(copy_once_digest_matches_installed_bytes)
{
	static uint8_t staging[PER_LOAD];
	uint8_t dig[2][JITSEAL_DIGEST_SIZE], want[32];
	struct flipper f = { .buf = staging };
	struct jitseal_segment s[2];
	unsigned int i, torn = 0;
	const uint8_t *pool;
	pthread_t t;
	int fd;

	fd = js_pool(POOL_BYTES, 0);
	ASSERT_LE(0, fd);
	pool = js_map(fd, POOL_BYTES, 0, PROT_READ);
	ASSERT_NE(NULL, pool);
	ASSERT_EQ(0, pthread_create(&t, NULL, flip, &f));

	for (i = 0; i < ITERATIONS; i++) {
		uint64_t off = (uint64_t)i * PER_LOAD;
		uint8_t first;
		size_t j;

		/* B before A in the array; both straddle pages at times. */
		s[0] = js_seg(staging + SEG_A, off + SEG_A, SEG_B,
			      JITSEAL_PROT_RX);
		s[1] = js_seg(staging, off, SEG_A, JITSEAL_PROT_RX);
		ASSERT_EQ(0, js_load(fd, s, 2, JITSEAL_LOAD_DIGEST, dig));

		js_sha256(pool + off + SEG_A, SEG_B, want);
		ASSERT_EQ(0, memcmp(want, dig[0], 32))
			TH_LOG("iteration %u: segment B differs from its digest", i);
		js_sha256(pool + off, SEG_A, want);
		ASSERT_EQ(0, memcmp(want, dig[1], 32))
			TH_LOG("iteration %u: segment A differs from its digest", i);

		/* Count loads that caught the writer mid-way (informational). */
		first = pool[off];
		for (j = 1; j < PER_LOAD; j++)
			if ((uint8_t)(pool[off + j] ^ (uint8_t)j) != first) {
				torn++;
				break;
			}
	}
	atomic_store(&f.stop, true);
	pthread_join(t, NULL);
	TH_LOG("%u loads, %llu writer rounds, %u loads saw a torn buffer",
	       ITERATIONS, (unsigned long long)f.rounds, torn);
	EXPECT_LT(0, f.rounds);
	munmap((void *)pool, POOL_BYTES);
	close(fd);
}

#define ROUNDS		40
#define FUNCS		64
#define LIFE_PAGES	4

struct life {
	int fd;
	uint8_t *map;
	_Atomic int loaded;
	_Atomic bool closed;
	int errors;
	int why;	/* the last error, for the log */
};

static void *loader(void *arg)
{
	struct life *l = arg;
	int i;

	/* Function 0 is loaded before the threads start. */
	for (i = 1; i < FUNCS; i++) {
		int ret = js_load_ret(l->fd, i * 64, i);

		if (ret == -EBADF && atomic_load(&l->closed))
			break;	/* the fd went away under us: fine */
		if (ret) {
			l->errors++;
			l->why = 1000 - ret;
			break;
		}
		atomic_store(&l->loaded, i + 1);
	}
	return NULL;
}

static void *mapper(void *arg)
{
	struct life *l = arg;
	int i, j;

	for (i = 0; i < 20; i++) {
		uint8_t *p = js_map(l->fd, LIFE_PAGES * JS_PAGE, 0,
				    PROT_READ | PROT_EXEC);
		int n = atomic_load(&l->loaded);

		if (!p) {
			if (!atomic_load(&l->closed)) {
				l->errors++;
				l->why = 2000 + errno;
			}
			break;
		}
		for (j = 0; j < n; j++)
			if (js_call(p + j * 64) != j) {
				l->errors++;
				l->why = 3000 + j;
			}
		munmap(p, LIFE_PAGES * JS_PAGE);
	}
	return NULL;
}

static void *forker(void *arg)
{
	struct life *l = arg;
	int i, status;

	for (i = 0; i < 3; i++) {
		int n = atomic_load(&l->loaded);
		pid_t pid = fork();

		if (!pid) {
			/* The child inherits the mapping; exits with it. */
			_exit(n && js_call(l->map) != 0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			l->errors++;
			l->why = 4000 + status;
		}
	}
	return NULL;
}

/*
 * Loads, maps, munmaps, forks, exits and close race; afterwards every
 * pool, page and sealed byte is gone again.
 */
TEST(lifetime_races_leak_nothing)
{
	uint64_t pools = js_stat("pools"), bytes = js_stat("sealed_bytes");
	uint64_t pages = js_stat("pages");
	int round;

	for (round = 0; round < ROUNDS; round++) {
		struct life l = { 0 };
		pthread_t t[3];

		l.fd = js_pool(LIFE_PAGES * JS_PAGE, 0);
		ASSERT_LE(0, l.fd);
		ASSERT_EQ(0, js_load_ret(l.fd, 0, 0));
		atomic_store(&l.loaded, 1);
		l.map = js_map(l.fd, JS_PAGE, 0, PROT_READ | PROT_EXEC);
		ASSERT_NE(NULL, l.map);
		ASSERT_EQ(0, pthread_create(&t[0], NULL, loader, &l));
		ASSERT_EQ(0, pthread_create(&t[1], NULL, mapper, &l));
		ASSERT_EQ(0, pthread_create(&t[2], NULL, forker, &l));
		/* Close at a different point in each round. */
		usleep((round % 8) * 500);
		atomic_store(&l.closed, true);
		close(l.fd);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		pthread_join(t[2], NULL);
		EXPECT_EQ(0, l.errors) TH_LOG("round %d: %d", round, l.why);
		/* The mapping outlived the fd. */
		EXPECT_EQ(0, js_call(l.map));
		munmap(l.map, JS_PAGE);
	}
	EXPECT_EQ(pools, js_stat("pools"));
	EXPECT_EQ(bytes, js_stat("sealed_bytes"));
	EXPECT_EQ(pages, js_stat("pages"));
}

#define LOADERS		4
#define SLOTS		256

struct contender {
	int fd;
	int id;
	pthread_barrier_t *start;
	int won;
	int lost;
	int other;
};

/* Every thread tries every slot; a slot can be sealed only once. */
static void *contend(void *arg)
{
	struct contender *c = arg;
	int i;

	pthread_barrier_wait(c->start);
	for (i = 0; i < SLOTS; i++) {
		int slot = (i + c->id * 17) % SLOTS;
		int ret = js_load_ret(c->fd, slot * 16, slot * 16 + c->id);

		if (!ret)
			c->won++;
		else if (ret == -EEXIST)
			c->lost++;
		else
			c->other++;
	}
	return NULL;
}

TEST(concurrent_loads_seal_each_byte_once)
{
	struct contender c[LOADERS];
	pthread_t t[LOADERS];
	pthread_barrier_t start;
	struct jitseal_pool_info info;
	int i, won = 0, fd;
	uint8_t *code;

	fd = js_pool(SLOTS * 16, 0);
	ASSERT_LE(0, fd);
	code = js_map(fd, SLOTS * 16, 0, PROT_READ | PROT_EXEC);
	ASSERT_NE(NULL, code);
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, LOADERS));
	for (i = 0; i < LOADERS; i++) {
		c[i] = (struct contender){ .fd = fd, .id = i, .start = &start };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, contend, &c[i]));
	}
	for (i = 0; i < LOADERS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < LOADERS; i++) {
		EXPECT_EQ(0, c[i].other);
		EXPECT_EQ(SLOTS, c[i].won + c[i].lost);
		won += c[i].won;
	}
	EXPECT_EQ(SLOTS, won);
	ASSERT_EQ(0, js_info(fd, &info));
	EXPECT_EQ(SLOTS * JS_RET_LEN, info.sealed_bytes);
	EXPECT_EQ(SLOTS, info.loads);
	/* Each slot holds one winner's whole function. */
	for (i = 0; i < SLOTS; i++) {
		int v = js_call(code + i * 16) - i * 16;

		EXPECT_TRUE(v >= 0 && v < LOADERS) TH_LOG("slot %d: %d", i, v);
	}
	pthread_barrier_destroy(&start);
	munmap(code, SLOTS * 16);
	close(fd);
}

TEST_HARNESS_MAIN
