// SPDX-License-Identifier: GPL-2.0
/*
 * The device and its ioctl ABI: the node, the version handshake, pool
 * set-up, and (C9) every ioctl against every class of bad input.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sha256.h"
#include "util.h"

TEST(device_node_is_0660_root)
{
	struct stat st;

	ASSERT_EQ(0, stat(JITSEAL_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0660, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
}

TEST(version_reports_api_and_features)
{
	struct jitseal_version v = { .size = sizeof(v) };
	int fd = js_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, JITSEAL_IOC_VERSION, &v));
	EXPECT_EQ(sizeof(v), v.size);
	EXPECT_EQ(JITSEAL_API_VERSION, v.api_version);
	EXPECT_EQ(JITSEAL_FEAT_ALL, v.features);
	EXPECT_EQ(4096, v.max_segments);
	EXPECT_EQ(JS_PAGE, v.page_size);
	EXPECT_EQ(256ULL << 20, v.max_load_bytes);
	EXPECT_EQ(js_stat("max_pool_bytes"), v.max_pool_bytes);
	close(fd);
}

TEST(setup_then_info_reports_pool)
{
	struct jitseal_pool_info info;
	int fd = js_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, js_info(fd, &info));
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(0, info.pool_id);
	EXPECT_EQ(0, info.code_bytes);

	ASSERT_EQ(0, js_setup(fd, 2 * JS_PAGE, JS_PAGE));
	ASSERT_EQ(0, js_info(fd, &info));
	EXPECT_EQ(JITSEAL_INFO_READY, info.flags);
	EXPECT_NE(0, info.pool_id);
	EXPECT_EQ(2 * JS_PAGE, info.code_bytes);
	EXPECT_EQ(JS_PAGE, info.rodata_bytes);
	EXPECT_EQ(0, info.sealed_bytes);
	EXPECT_EQ(0, info.pages);
	EXPECT_EQ(0, info.loads);

	ASSERT_EQ(0, js_load_ret(fd, JS_PAGE - 3, 1));	/* spans two pages */
	ASSERT_EQ(0, js_info(fd, &info));
	EXPECT_EQ(JS_RET_LEN, info.sealed_bytes);
	EXPECT_EQ(2, info.pages);
	EXPECT_EQ(1, info.loads);
	close(fd);
}

TEST(read_only_open_is_map_only)
{
	struct jitseal_version v = { .size = sizeof(v) };
	struct jitseal_pool_info info;
	int fd = open(JITSEAL_DEVICE, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ioctl(fd, JITSEAL_IOC_VERSION, &v));
	ASSERT_EQ(0, js_info(fd, &info));
	EXPECT_EQ(JITSEAL_INFO_MAP_ONLY, info.flags);
	/* Loading rights come with write access to the device. */
	EXPECT_EQ(-EPERM, js_setup(fd, JS_PAGE, 0));
	EXPECT_EQ(-EPERM, js_load_ret(fd, 0, 1));
	close(fd);
}

struct setup_race {
	int fd;
	pthread_barrier_t *start;
	int ret;
};

static void *race_setup(void *arg)
{
	struct setup_race *r = arg;

	pthread_barrier_wait(r->start);
	r->ret = js_setup(r->fd, JS_PAGE, 0);
	return NULL;
}

TEST(concurrent_setup_one_wins)
{
	uint64_t pools = js_stat("pools");
	struct setup_race r[4];
	pthread_barrier_t start;
	pthread_t t[4];
	int i, round, won;

	for (round = 0; round < 50; round++) {
		int fd = js_open();

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 4));
		for (i = 0; i < 4; i++) {
			r[i] = (struct setup_race){ .fd = fd, .start = &start };
			ASSERT_EQ(0, pthread_create(&t[i], NULL, race_setup, &r[i]));
		}
		for (won = 0, i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			if (!r[i].ret)
				won++;
			else
				EXPECT_EQ(-EBUSY, r[i].ret);
		}
		EXPECT_EQ(1, won);
		EXPECT_EQ(pools + 1, js_stat("pools"));
		pthread_barrier_destroy(&start);
		close(fd);
	}
	EXPECT_EQ(pools, js_stat("pools"));
}

TEST(max_segments_in_one_batch)
{
	/* Functions STRIDE bytes apart, with a gap of traps after each. */
	enum { STRIDE = JS_RET_LEN < 8 ? 8 : 16, PAGES = 4096 * STRIDE / JS_PAGE };
	static uint8_t code[4096][JS_RET_LEN], dig[4096][JITSEAL_DIGEST_SIZE];
	static struct jitseal_segment seg[4096];
	struct jitseal_pool_info info;
	uint8_t *p, want[32];
	int fd, i;

	fd = js_pool(PAGES * JS_PAGE, 0);
	ASSERT_LE(0, fd);
	/* In reverse order, STRIDE bytes apart: 4096 functions, one LOAD. */
	for (i = 0; i < 4096; i++) {
		js_emit_ret(code[i], i);
		seg[i] = js_seg(code[i], (4095 - i) * STRIDE, JS_RET_LEN,
				JITSEAL_PROT_RX);
	}
	ASSERT_EQ(0, js_load(fd, seg, 4096, JITSEAL_LOAD_DIGEST, dig));
	ASSERT_EQ(0, js_info(fd, &info));
	EXPECT_EQ(4096 * JS_RET_LEN, info.sealed_bytes);
	EXPECT_EQ(1, info.loads);
	EXPECT_EQ(PAGES, info.pages);
	p = js_map(fd, PAGES * JS_PAGE, 0, PROT_READ | PROT_EXEC);
	ASSERT_NE(NULL, p);
	for (i = 0; i < 4096; i++) {
		ASSERT_EQ(i, js_call(p + (4095 - i) * STRIDE));
		EXPECT_TRUE(js_is_trap(p + (4095 - i) * STRIDE + JS_RET_LEN, 2));
	}
	for (i = 0; i < 4096; i += 511) {
		js_sha256(code[i], JS_RET_LEN, want);
		EXPECT_EQ(0, memcmp(want, dig[i], 32));
	}
	munmap(p, PAGES * JS_PAGE);
	close(fd);
}

TEST(pool_ids_are_distinct)
{
	struct jitseal_pool_info a, b;
	int fa = js_pool(JS_PAGE, 0), fb = js_pool(JS_PAGE, 0);

	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	ASSERT_EQ(0, js_info(fa, &a));
	ASSERT_EQ(0, js_info(fb, &b));
	EXPECT_NE(a.pool_id, b.pool_id);
	close(fa);
	close(fb);
}

TEST(statistics_count_pools_loads_and_bytes)
{
	uint64_t pools = js_stat("pools"), loads = js_stat("loads");
	uint64_t bytes = js_stat("sealed_bytes"), pages = js_stat("pages");
	int fd = js_pool(2 * JS_PAGE, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(pools + 1, js_stat("pools"));
	ASSERT_EQ(0, js_load_ret(fd, 0, 1));
	ASSERT_EQ(0, js_load_ret(fd, JS_PAGE, 2));
	EXPECT_EQ(loads + 2, js_stat("loads"));
	EXPECT_EQ(bytes + 2 * JS_RET_LEN, js_stat("sealed_bytes"));
	EXPECT_EQ(pages + 2, js_stat("pages"));
	close(fd);
	EXPECT_EQ(pools, js_stat("pools"));
	EXPECT_EQ(bytes, js_stat("sealed_bytes"));
	EXPECT_EQ(pages, js_stat("pages"));
	EXPECT_EQ(loads + 2, js_stat("loads"));	/* a running count */
}

/* --- C9: every ioctl against every class of bad input --- */

#define CODE_BYTES	(2 * JS_PAGE)
#define RO_BYTES	JS_PAGE
#define POOL_BYTES	(CODE_BYTES + RO_BYTES)

struct ctx {
	int fd;		/* pool set up, nothing loaded */
	int fresh;	/* opened, no SETUP */
	uint8_t code[JS_RET_LEN];
	/* Room for structs larger than the kernel knows. */
	union {
		uint8_t bytes[2 * 4096];
		uint64_t align;
	} big;
	struct jitseal_segment seg[2];
	struct jitseal_load load;
};

static int sys(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	if (ret < 0)
		return -errno;
	if (cmd == JITSEAL_IOC_MAP_FD)
		close(ret);
	return 0;
}

/*
 * @karg (@ksize bytes) grown to @size bytes in c->big, whose last byte is
 * @tail.  Structs with a size field get @size there; segments have none.
 */
static void *grown_raw(struct ctx *c, const void *karg, size_t ksize,
		       uint32_t size, uint8_t tail)
{
	memset(c->big.bytes, 0, sizeof(c->big.bytes));
	memcpy(c->big.bytes, karg, ksize);
	if (size > ksize)
		c->big.bytes[size - 1] = tail;
	return c->big.bytes;
}

static void *grown(struct ctx *c, const void *karg, size_t ksize,
		   uint32_t size, uint8_t tail)
{
	grown_raw(c, karg, ksize, size, tail);
	memcpy(c->big.bytes, &size, sizeof(size));
	return c->big.bytes;
}

static void good_load(struct ctx *c)
{
	c->seg[0] = js_seg(c->code, 0, js_emit_ret(c->code, 42),
			   JITSEAL_PROT_RX);
	memset(&c->load, 0, sizeof(c->load));
	c->load.size = sizeof(c->load);
	c->load.segments = (uintptr_t)c->seg;
	c->load.nr_segments = 1;
	c->load.segment_size = sizeof(c->seg[0]);
}

/* After a successful good_load(): is the code there, and does it run? */
static int loaded_and_runs(struct ctx *c)
{
	void *p = js_map(c->fd, JS_PAGE, 0, PROT_READ | PROT_EXEC);
	int ret;

	if (!p)
		return -1;
	ret = js_call(p) == 42 ? 0 : -1;
	munmap(p, JS_PAGE);
	return ret;
}

static int load_seg(struct ctx *c, uint64_t offset, uint64_t len, uint32_t prot)
{
	good_load(c);
	c->seg[0].offset = offset;
	c->seg[0].len = len;
	c->seg[0].prot = prot;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

#define IOC_CASE(name) static int name(struct ctx *c)

/* unknown commands */
IOC_CASE(unknown_nr)
{
	return sys(c->fd, _IOC(_IOC_READ | _IOC_WRITE, JITSEAL_IOC_MAGIC, 0x3f,
			       8), c->big.bytes);
}

IOC_CASE(unknown_size_encoding)
{
	return sys(c->fd, _IOC(_IOC_READ | _IOC_WRITE, JITSEAL_IOC_MAGIC, 0x00,
			       JITSEAL_VERSION_SIZE_VER0 + 8), c->big.bytes);
}

IOC_CASE(unknown_direction)
{
	return sys(c->fd, _IOC(_IOC_READ, JITSEAL_IOC_MAGIC, 0x02,
			       JITSEAL_LOAD_SIZE_VER0), c->big.bytes);
}

IOC_CASE(foreign_tty_ioctl)
{
	struct termios t;

	return sys(c->fd, TCGETS, &t);
}

/* VERSION */
IOC_CASE(version_null)
{
	return sys(c->fd, JITSEAL_IOC_VERSION, NULL);
}

IOC_CASE(version_kernel_pointer)
{
	return sys(c->fd, JITSEAL_IOC_VERSION, (void *)0xffff880000000000UL);
}

IOC_CASE(version_size_zero)
{
	struct jitseal_version v = { .size = 0 };

	return sys(c->fd, JITSEAL_IOC_VERSION, &v);
}

IOC_CASE(version_size_below_ver0)
{
	struct jitseal_version v = { .size = JITSEAL_VERSION_SIZE_VER0 - 8 };

	return sys(c->fd, JITSEAL_IOC_VERSION, &v);
}

IOC_CASE(version_larger_nonzero_tail)
{
	struct jitseal_version v = { 0 };

	return sys(c->fd, JITSEAL_IOC_VERSION,
		   grown(c, &v, sizeof(v), sizeof(v) + 8, 1));
}

IOC_CASE(version_larger_zero_tail)
{
	struct jitseal_version v = { 0 };
	uint8_t *p = grown(c, &v, sizeof(v), sizeof(v) + 8, 0);
	int ret = sys(c->fd, JITSEAL_IOC_VERSION, p);

	memcpy(&v, p, sizeof(v));
	if (!ret && (v.api_version != JITSEAL_API_VERSION ||
		     p[sizeof(v)] || v.size != sizeof(v) + 8))
		return -1000;	/* tail touched or not filled */
	return ret;
}

IOC_CASE(version_larger_than_page)
{
	struct jitseal_version v = { 0 };

	return sys(c->fd, JITSEAL_IOC_VERSION,
		   grown(c, &v, sizeof(v), 4096 + 8, 0));
}

/* SETUP */
static int setup(struct ctx *c, int fd, uint32_t size, uint32_t flags,
		 uint64_t code, uint64_t rodata)
{
	struct jitseal_setup s = {
		.size = size, .flags = flags,
		.code_bytes = code, .rodata_bytes = rodata,
	};

	return sys(fd, JITSEAL_IOC_SETUP, grown(c, &s, sizeof(s), size, 0));
}

IOC_CASE(setup_null)
{
	return sys(c->fresh, JITSEAL_IOC_SETUP, NULL);
}

IOC_CASE(setup_size_below_ver0)
{
	return setup(c, c->fresh, JITSEAL_SETUP_SIZE_VER0 - 8, 0, JS_PAGE, 0);
}

IOC_CASE(setup_larger_nonzero_tail)
{
	struct jitseal_setup s = { .code_bytes = JS_PAGE };

	return sys(c->fresh, JITSEAL_IOC_SETUP,
		   grown(c, &s, sizeof(s), sizeof(s) + 16, 0xff));
}

IOC_CASE(setup_larger_zero_tail)
{
	return setup(c, c->fresh, sizeof(struct jitseal_setup) + 16, 0,
		     JS_PAGE, 0);
}

IOC_CASE(setup_unknown_flags)
{
	return setup(c, c->fresh, sizeof(struct jitseal_setup),
		     (uint32_t)~JITSEAL_SETUP_FLAGS, JS_PAGE, 0);
}

IOC_CASE(setup_zero_code)
{
	return setup(c, c->fresh, sizeof(struct jitseal_setup), 0, 0, JS_PAGE);
}

IOC_CASE(setup_unaligned_code)
{
	return setup(c, c->fresh, sizeof(struct jitseal_setup), 0,
		     JS_PAGE + 1, 0);
}

IOC_CASE(setup_unaligned_rodata)
{
	return setup(c, c->fresh, sizeof(struct jitseal_setup), 0,
		     JS_PAGE, 100);
}

IOC_CASE(setup_size_overflow)
{
	return setup(c, c->fresh, sizeof(struct jitseal_setup), 0,
		     -(uint64_t)JS_PAGE, 2 * JS_PAGE);
}

IOC_CASE(setup_over_max_pool_bytes)
{
	return setup(c, c->fresh, sizeof(struct jitseal_setup), 0,
		     js_stat("max_pool_bytes") + JS_PAGE, 0);
}

IOC_CASE(setup_twice)
{
	return setup(c, c->fd, sizeof(struct jitseal_setup), 0, JS_PAGE, 0);
}

/* LOAD */
IOC_CASE(load_null)
{
	return sys(c->fd, JITSEAL_IOC_LOAD, NULL);
}

IOC_CASE(load_size_below_ver0)
{
	good_load(c);
	c->load.size = JITSEAL_LOAD_SIZE_VER0 - 8;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_larger_nonzero_tail)
{
	good_load(c);
	return sys(c->fd, JITSEAL_IOC_LOAD, grown(c, &c->load,
		   sizeof(c->load), sizeof(c->load) + 8, 1));
}

IOC_CASE(load_larger_zero_tail)
{
	int ret;

	good_load(c);
	ret = sys(c->fd, JITSEAL_IOC_LOAD, grown(c, &c->load,
		  sizeof(c->load), sizeof(c->load) + 8, 0));
	if (!ret && loaded_and_runs(c))
		return -1000;
	return ret;
}

IOC_CASE(load_unknown_flags)
{
	good_load(c);
	c->load.flags = 1U << 31;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_zero_segments)
{
	good_load(c);
	c->load.nr_segments = 0;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_too_many_segments)
{
	good_load(c);
	c->load.nr_segments = 4097;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_segment_size_below_ver0)
{
	good_load(c);
	c->load.segment_size = JITSEAL_SEGMENT_SIZE_VER0 - 8;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_segment_size_above_page)
{
	good_load(c);
	c->load.segment_size = 4096 + 8;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_segment_larger_nonzero_tail)
{
	good_load(c);
	c->load.segments = (uintptr_t)grown_raw(c, &c->seg[0], sizeof(c->seg[0]),
					    sizeof(c->seg[0]) + 8, 1);
	c->load.segment_size = sizeof(c->seg[0]) + 8;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_segment_larger_zero_tail)
{
	int ret;

	good_load(c);
	c->load.segments = (uintptr_t)grown_raw(c, &c->seg[0], sizeof(c->seg[0]),
					    sizeof(c->seg[0]) + 8, 0);
	c->load.segment_size = sizeof(c->seg[0]) + 8;
	ret = sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
	if (!ret && loaded_and_runs(c))
		return -1000;
	return ret;
}

IOC_CASE(load_segments_null)
{
	good_load(c);
	c->load.segments = 0;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_segments_kernel_pointer)
{
	good_load(c);
	c->load.segments = 0xffff888000000000ULL;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_source_null)
{
	good_load(c);
	c->seg[0].src = 0;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_source_kernel_pointer)
{
	good_load(c);
	c->seg[0].src = 0xffffffff81000000ULL;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_source_never_loaded_pool_page)
{
	uint8_t *p = js_map(c->fd, CODE_BYTES, 0, PROT_READ | PROT_EXEC);
	int ret;

	if (!p)
		return -1000;
	good_load(c);
	c->seg[0].src = (uintptr_t)(p + JS_PAGE);	/* SIGBUS page */
	ret = sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
	munmap(p, CODE_BYTES);
	return ret;
}

IOC_CASE(load_source_sealed_bytes_of_same_pool)
{
	uint8_t *p = js_map(c->fd, CODE_BYTES, 0, PROT_READ | PROT_EXEC);
	int ret;

	if (!p)
		return -1000;
	good_load(c);
	ret = sys(c->fd, JITSEAL_IOC_LOAD, &c->load);	/* 42 at 0 */
	if (!ret) {
		c->seg[0].src = (uintptr_t)p;
		c->seg[0].offset = JS_PAGE + 8;
		ret = sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
		if (!ret && js_call(p + JS_PAGE + 8) != 42)
			ret = -1001;
	}
	munmap(p, CODE_BYTES);
	return ret;
}

IOC_CASE(load_digests_without_flag)
{
	good_load(c);
	c->load.digests = (uintptr_t)c->big.bytes;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_digest_flag_null_buffer)
{
	good_load(c);
	c->load.flags = JITSEAL_LOAD_DIGEST;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_digest_kernel_pointer)
{
	good_load(c);
	c->load.flags = JITSEAL_LOAD_DIGEST;
	c->load.digests = 0xffff888000000000ULL;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_zero_length)
{
	return load_seg(c, 0, 0, JITSEAL_PROT_RX);
}

IOC_CASE(load_offset_length_overflow)
{
	return load_seg(c, UINT64_MAX - 2, 6, JITSEAL_PROT_RX);
}

IOC_CASE(load_huge_length)
{
	return load_seg(c, 0, UINT64_MAX, JITSEAL_PROT_RX);
}

IOC_CASE(load_beyond_pool)
{
	return load_seg(c, POOL_BYTES, 6, JITSEAL_PROT_R);
}

IOC_CASE(load_past_end_of_pool)
{
	return load_seg(c, POOL_BYTES - 3, 6, JITSEAL_PROT_R);
}

IOC_CASE(load_code_into_rodata)
{
	return load_seg(c, CODE_BYTES, 6, JITSEAL_PROT_RX);
}

IOC_CASE(load_code_straddling_rodata)
{
	return load_seg(c, CODE_BYTES - 3, 6, JITSEAL_PROT_RX);
}

IOC_CASE(load_rodata_into_code)
{
	return load_seg(c, 0, 6, JITSEAL_PROT_R);
}

IOC_CASE(load_prot_zero)
{
	return load_seg(c, 0, 6, 0);
}

IOC_CASE(load_prot_both)
{
	return load_seg(c, 0, 6, JITSEAL_PROT_RX | JITSEAL_PROT_R);
}

IOC_CASE(load_prot_unknown)
{
	return load_seg(c, 0, 6, 4);
}

IOC_CASE(load_segment_flags)
{
	good_load(c);
	c->seg[0].flags = 1;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_segments_overlap_each_other)
{
	good_load(c);
	c->seg[1] = c->seg[0];
	c->seg[1].offset = 5;
	c->load.nr_segments = 2;
	return sys(c->fd, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_before_setup)
{
	good_load(c);
	return sys(c->fresh, JITSEAL_IOC_LOAD, &c->load);
}

IOC_CASE(load_too_many_bytes)
{
	char old[32], big[32];
	uint64_t half = 200ULL << 20;
	int fd, ret;

	/* Two 200 MiB segments in a 512 MiB pool: over the 256 MiB bound. */
	if (js_sysfs_read("max_pool_bytes", old, sizeof(old)))
		return -1000;
	snprintf(big, sizeof(big), "%llu", 512ULL << 20);
	if (js_sysfs_write("max_pool_bytes", big))
		return -1001;
	fd = js_pool(512ULL << 20, 0);
	js_sysfs_write("max_pool_bytes", old);
	if (fd < 0)
		return -1002;
	good_load(c);
	c->seg[0].len = half;
	c->seg[1] = c->seg[0];
	c->seg[1].offset = half;
	c->load.nr_segments = 2;
	ret = sys(fd, JITSEAL_IOC_LOAD, &c->load);
	close(fd);
	return ret;
}

/* INFO */
IOC_CASE(info_null)
{
	return sys(c->fd, JITSEAL_IOC_INFO, NULL);
}

IOC_CASE(info_size_below_ver0)
{
	struct jitseal_pool_info i = { .size = JITSEAL_POOL_INFO_SIZE_VER0 - 8 };

	return sys(c->fd, JITSEAL_IOC_INFO, &i);
}

IOC_CASE(info_larger_nonzero_tail)
{
	struct jitseal_pool_info i = { 0 };

	return sys(c->fd, JITSEAL_IOC_INFO,
		   grown(c, &i, sizeof(i), sizeof(i) + 8, 1));
}

IOC_CASE(info_larger_zero_tail)
{
	struct jitseal_pool_info i = { 0 };
	uint8_t *p = grown(c, &i, sizeof(i), sizeof(i) + 8, 0);
	int ret = sys(c->fd, JITSEAL_IOC_INFO, p);

	memcpy(&i, p, sizeof(i));
	if (!ret && (i.code_bytes != CODE_BYTES || p[sizeof(i)]))
		return -1000;
	return ret;
}

/* MAP_FD */
IOC_CASE(map_fd_null)
{
	return sys(c->fd, JITSEAL_IOC_MAP_FD, NULL);
}

IOC_CASE(map_fd_size_below_ver0)
{
	struct jitseal_map_fd m = { .size = JITSEAL_MAP_FD_SIZE_VER0 - 4 };

	return sys(c->fd, JITSEAL_IOC_MAP_FD, &m);
}

IOC_CASE(map_fd_larger_nonzero_tail)
{
	struct jitseal_map_fd m = { 0 };

	return sys(c->fd, JITSEAL_IOC_MAP_FD,
		   grown(c, &m, sizeof(m), sizeof(m) + 8, 1));
}

IOC_CASE(map_fd_larger_zero_tail)
{
	struct jitseal_map_fd m = { 0 };

	return sys(c->fd, JITSEAL_IOC_MAP_FD,
		   grown(c, &m, sizeof(m), sizeof(m) + 8, 0));
}

IOC_CASE(map_fd_unknown_flags)
{
	struct jitseal_map_fd m = { .size = sizeof(m), .flags = 2 };

	return sys(c->fd, JITSEAL_IOC_MAP_FD, &m);
}

IOC_CASE(map_fd_before_setup)
{
	struct jitseal_map_fd m = { .size = sizeof(m) };

	return sys(c->fresh, JITSEAL_IOC_MAP_FD, &m);
}

/* RETIRE */
static int retire(int fd, uint32_t flags, uint64_t off, uint64_t len)
{
	struct jitseal_retire r = {
		.size = sizeof(r), .flags = flags, .offset = off, .len = len,
	};

	return sys(fd, JITSEAL_IOC_RETIRE, &r);
}

IOC_CASE(retire_null)
{
	return sys(c->fd, JITSEAL_IOC_RETIRE, NULL);
}

IOC_CASE(retire_size_below_ver0)
{
	struct jitseal_retire r = { .size = JITSEAL_RETIRE_SIZE_VER0 - 8 };

	return sys(c->fd, JITSEAL_IOC_RETIRE, &r);
}

IOC_CASE(retire_larger_nonzero_tail)
{
	struct jitseal_retire r = { .len = JS_PAGE };

	return sys(c->fd, JITSEAL_IOC_RETIRE,
		   grown(c, &r, sizeof(r), sizeof(r) + 8, 1));
}

IOC_CASE(retire_larger_zero_tail)
{
	struct jitseal_retire r = { .offset = JS_PAGE, .len = JS_PAGE };
	int ret = js_load_ret(c->fd, JS_PAGE, 1);

	return ret ?: sys(c->fd, JITSEAL_IOC_RETIRE,
			  grown(c, &r, sizeof(r), sizeof(r) + 8, 0));
}

IOC_CASE(retire_unknown_flags)
{
	return retire(c->fd, 1, 0, JS_PAGE);
}

IOC_CASE(retire_zero_length)
{
	return retire(c->fd, 0, 0, 0);
}

IOC_CASE(retire_unaligned_offset)
{
	return retire(c->fd, 0, 100, JS_PAGE);
}

IOC_CASE(retire_unaligned_length)
{
	return retire(c->fd, 0, 0, JS_PAGE + 1);
}

IOC_CASE(retire_beyond_pool)
{
	return retire(c->fd, 0, POOL_BYTES - JS_PAGE, 2 * JS_PAGE);
}

IOC_CASE(retire_offset_length_overflow)
{
	return retire(c->fd, 0, -JS_PAGE, 2 * JS_PAGE);
}

IOC_CASE(retire_never_loaded)
{
	return retire(c->fd, 0, 0, JS_PAGE);
}

IOC_CASE(retire_before_setup)
{
	return retire(c->fresh, 0, 0, JS_PAGE);
}

IOC_CASE(retire_map_only_fd)
{
	int fd = js_map_fd(c->fd, 0), ret;

	if (fd < 0)
		return -1000;
	ret = retire(fd, 0, 0, JS_PAGE);
	close(fd);
	return ret;
}

IOC_CASE(retire_no_retire_pool)
{
	int fd = js_pool_flags(JS_PAGE, 0, JITSEAL_SETUP_NO_RETIRE), ret;

	(void)c;
	if (fd < 0)
		return -1000;
	ret = js_load_ret(fd, 0, 1) ?: retire(fd, 0, 0, JS_PAGE);
	close(fd);
	return ret;
}

IOC_CASE(retire_policy_off)
{
	int ret = js_sysfs_write("retire", "0");

	ret = ret ?: retire(c->fd, 0, 0, JS_PAGE);
	js_sysfs_write("retire", "1");
	return ret;
}

/* mmap */
static int map(int fd, size_t len, off_t off, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

IOC_CASE(mmap_before_setup)
{
	return map(c->fresh, JS_PAGE, 0, PROT_READ | PROT_EXEC);
}

IOC_CASE(mmap_longer_than_pool)
{
	return map(c->fd, POOL_BYTES + JS_PAGE, 0, PROT_READ);
}

IOC_CASE(mmap_offset_past_pool)
{
	return map(c->fd, JS_PAGE, POOL_BYTES, PROT_READ);
}

IOC_CASE(mmap_huge_offset)
{
	return map(c->fd, JS_PAGE, (off_t)1 << 62, PROT_READ);
}

IOC_CASE(mmap_write)
{
	return map(c->fd, JS_PAGE, 0, PROT_READ | PROT_WRITE);
}

IOC_CASE(mmap_rodata_exec)
{
	return map(c->fd, JS_PAGE, CODE_BYTES, PROT_READ | PROT_EXEC);
}

FIXTURE(ioc) {
	struct ctx c;
};

FIXTURE_VARIANT(ioc) {
	int (*call)(struct ctx *c);
	int err;
};

FIXTURE_SETUP(ioc)
{
	self->c.fd = js_pool(CODE_BYTES, RO_BYTES);
	ASSERT_LE(0, self->c.fd);
	self->c.fresh = js_open();
	ASSERT_LE(0, self->c.fresh);
}

FIXTURE_TEARDOWN(ioc)
{
	close(self->c.fd);
	close(self->c.fresh);
}

#define CASE(_name, _err)						\
	FIXTURE_VARIANT_ADD(ioc, _name) { .call = _name, .err = _err }

CASE(unknown_nr, -ENOTTY);
CASE(unknown_size_encoding, -ENOTTY);
CASE(unknown_direction, -ENOTTY);
CASE(foreign_tty_ioctl, -ENOTTY);
CASE(version_null, -EFAULT);
CASE(version_kernel_pointer, -EFAULT);
CASE(version_size_zero, -EINVAL);
CASE(version_size_below_ver0, -EINVAL);
CASE(version_larger_nonzero_tail, -E2BIG);
CASE(version_larger_zero_tail, 0);
CASE(version_larger_than_page, -E2BIG);
CASE(setup_null, -EFAULT);
CASE(setup_size_below_ver0, -EINVAL);
CASE(setup_larger_nonzero_tail, -E2BIG);
CASE(setup_larger_zero_tail, 0);
CASE(setup_unknown_flags, -EINVAL);
CASE(setup_zero_code, -EINVAL);
CASE(setup_unaligned_code, -EINVAL);
CASE(setup_unaligned_rodata, -EINVAL);
CASE(setup_size_overflow, -ENOSPC);
CASE(setup_over_max_pool_bytes, -ENOSPC);
CASE(setup_twice, -EBUSY);
CASE(load_null, -EFAULT);
CASE(load_size_below_ver0, -EINVAL);
CASE(load_larger_nonzero_tail, -E2BIG);
CASE(load_larger_zero_tail, 0);
CASE(load_unknown_flags, -EINVAL);
CASE(load_zero_segments, -EINVAL);
CASE(load_too_many_segments, -EINVAL);
CASE(load_segment_size_below_ver0, -EINVAL);
CASE(load_segment_size_above_page, -EINVAL);
CASE(load_segment_larger_nonzero_tail, -E2BIG);
CASE(load_segment_larger_zero_tail, 0);
CASE(load_segments_null, -EFAULT);
CASE(load_segments_kernel_pointer, -EFAULT);
CASE(load_source_null, -EFAULT);
CASE(load_source_kernel_pointer, -EFAULT);
CASE(load_source_never_loaded_pool_page, -EFAULT);
CASE(load_source_sealed_bytes_of_same_pool, 0);
CASE(load_digests_without_flag, -EINVAL);
CASE(load_digest_flag_null_buffer, -EFAULT);
CASE(load_digest_kernel_pointer, -EFAULT);
CASE(load_zero_length, -EINVAL);
CASE(load_offset_length_overflow, -EINVAL);
CASE(load_huge_length, -EINVAL);
CASE(load_beyond_pool, -EINVAL);
CASE(load_past_end_of_pool, -EINVAL);
CASE(load_code_into_rodata, -EINVAL);
CASE(load_code_straddling_rodata, -EINVAL);
CASE(load_rodata_into_code, -EINVAL);
CASE(load_prot_zero, -EINVAL);
CASE(load_prot_both, -EINVAL);
CASE(load_prot_unknown, -EINVAL);
CASE(load_segment_flags, -EINVAL);
CASE(load_segments_overlap_each_other, -EINVAL);
CASE(load_before_setup, -ENXIO);
CASE(load_too_many_bytes, -EINVAL);
CASE(info_null, -EFAULT);
CASE(info_size_below_ver0, -EINVAL);
CASE(info_larger_nonzero_tail, -E2BIG);
CASE(info_larger_zero_tail, 0);
CASE(map_fd_null, -EFAULT);
CASE(map_fd_size_below_ver0, -EINVAL);
CASE(map_fd_larger_nonzero_tail, -E2BIG);
CASE(map_fd_larger_zero_tail, 0);
CASE(map_fd_unknown_flags, -EINVAL);
CASE(map_fd_before_setup, -ENXIO);
CASE(retire_null, -EFAULT);
CASE(retire_size_below_ver0, -EINVAL);
CASE(retire_larger_nonzero_tail, -E2BIG);
CASE(retire_larger_zero_tail, 0);
CASE(retire_unknown_flags, -EINVAL);
CASE(retire_zero_length, -EINVAL);
CASE(retire_unaligned_offset, -EINVAL);
CASE(retire_unaligned_length, -EINVAL);
CASE(retire_beyond_pool, -EINVAL);
CASE(retire_offset_length_overflow, -EINVAL);
CASE(retire_never_loaded, -ENOENT);
CASE(retire_before_setup, -ENXIO);
CASE(retire_map_only_fd, -EPERM);
CASE(retire_no_retire_pool, -EPERM);
CASE(retire_policy_off, -EACCES);
CASE(mmap_before_setup, -ENXIO);
CASE(mmap_longer_than_pool, -EINVAL);
CASE(mmap_offset_past_pool, -EINVAL);
CASE(mmap_huge_offset, -EINVAL);
CASE(mmap_write, -EACCES);
CASE(mmap_rodata_exec, -EACCES);

TEST_F(ioc, gives_documented_errno)
{
	struct jitseal_pool_info before, after;
	uint64_t pools = js_stat("pools");

	ASSERT_EQ(0, js_info(self->c.fd, &before));
	EXPECT_EQ(variant->err, variant->call(&self->c));
	ASSERT_EQ(0, js_info(self->c.fd, &after));
	if (variant->err) {
		/* A refused call changes nothing. */
		EXPECT_EQ(before.sealed_bytes, after.sealed_bytes);
		EXPECT_EQ(before.pages, after.pages);
		EXPECT_EQ(before.loads, after.loads);
		EXPECT_EQ(before.retires, after.retires);
		EXPECT_EQ(pools, js_stat("pools"));
	}
	/* The pool still works. */
	EXPECT_EQ(0, js_load_ret(self->c.fd, 100, 7));
}

TEST_HARNESS_MAIN
