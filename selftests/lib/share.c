// SPDX-License-Identifier: GPL-2.0
/*
 * Map-only export and attach.  With kmod: a second view of the pool, in
 * this process; the cross-process case is kmod_share.  Host backends
 * have no map-only fd: -EOPNOTSUPP.
 */
#include "jstest.h"

TEST(export_attach)
{
	struct jitseal_pool *p = test_pool();
	struct jitseal_mapping map = { .sz = sizeof(map) };
	struct jitseal_mem c, r;
	void *base = NULL;
	int fd, off;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, 16, JITSEAL_CODE, &c));
	emit_ret_imm(c.stage, 77);
	ASSERT_EQ(0, jitseal_alloc(p, 5, 1, JITSEAL_RODATA, &r));
	memcpy(r.stage, "hello", 5);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));

	fd = jitseal_pool_export(p, 0, &base);
	if (jitseal_pool_backend(p) != JITSEAL_BACKEND_KMOD) {
		EXPECT_EQ(-EOPNOTSUPP, fd);
		EXPECT_EQ(0, jitseal_pool_destroy(p));
		return;
	}
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOENT, jitseal_pool_export(p, 7, NULL));
	/* its own address is taken here: attaching there fails cleanly */
	EXPECT_EQ(-EEXIST, jitseal_attach(fd, base, &map));
	ASSERT_EQ(0, jitseal_attach(fd, NULL, &map));
	off = (int)((char *)c.addr - (char *)base);
	EXPECT_EQ(77, ((fn_v)((char *)map.code + off))());
	EXPECT_EQ(test_stats(p).reserved[JITSEAL_CODE], map.code_size);
	EXPECT_EQ(0, memcmp((const char *)map.rodata +
			    ((char *)r.addr - (char *)base - map.code_size),
			    "hello", 5));
	EXPECT_EQ(1, write_faults(map.code));
	EXPECT_EQ(0, jitseal_detach(&map));
	EXPECT_EQ(NULL, map.code);
	close(fd);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
