// SPDX-License-Identifier: GPL-2.0
/*
 * kmod backend specifics (run_vm, module loaded): a finalize is one LOAD,
 * the code is sealed (no write path from user space), maps show r-xs on
 * /dev/jitseal, never-written bytes are traps, never-loaded pages SIGBUS,
 * no page tail is wasted, the kernel computes digests.
 */
#include <fcntl.h>
#include <sys/ioctl.h>

#include <linux/jitseal.h>

#include "jstest.h"
#include "../../lib/sha256.c"

FIXTURE(kpool) {
	struct jitseal_pool *p;
};

FIXTURE_SETUP(kpool)
{
	if (access("/dev/jitseal", F_OK))
		SKIP(return, "no /dev/jitseal (module not loaded)");
	self->p = jitseal_pool_create(NULL);	/* sealed only */
	ASSERT_NE(NULL, self->p) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(JITSEAL_BACKEND_KMOD, jitseal_pool_backend(self->p));
}

/* The 6.1 harness runs the body after a SKIP() in setup. */
#define NEED_POOL() do {						\
	if (!self->p)							\
		SKIP(return, "no /dev/jitseal (module not loaded)");	\
} while (0)

FIXTURE_TEARDOWN(kpool)
{
	if (self->p)
		EXPECT_EQ(0, jitseal_pool_destroy(self->p));
}

/* The module's own count of LOADs on region 0, through a map-only fd. */
static long kernel_loads(struct jitseal_pool *p)
{
	struct jitseal_pool_info info = { .size = sizeof(info) };
	int fd = jitseal_pool_export(p, 0, NULL);
	long n = -1;

	if (fd < 0)
		return -1;
	if (!ioctl(fd, JITSEAL_IOC_INFO, &info))
		n = (long)info.loads;
	close(fd);
	return n;
}

TEST_F(kpool, one_load_per_finalize)
{
	struct jitseal_mem m;
	int i;

	NEED_POOL();
	for (i = 0; i < 50; i++) {
		ASSERT_EQ(0, jitseal_alloc(self->p, RET_LEN, INSN_ALIGN << (i % 6),
					   JITSEAL_CODE, &m));
		emit_ret_imm(m.stage, i);
		ASSERT_EQ(0, jitseal_alloc(self->p, 8, 8, JITSEAL_RODATA, &m));
	}
	ASSERT_EQ(0, jitseal_finalize(self->p, NULL));
	EXPECT_EQ(1, test_stats(self->p).loads);
	EXPECT_EQ(1, kernel_loads(self->p));	/* the kernel agrees */
	ASSERT_EQ(0, jitseal_alloc(self->p, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &m));
	emit_ret_imm(m.stage, 1);
	ASSERT_EQ(0, jitseal_finalize(self->p, NULL));
	EXPECT_EQ(2, test_stats(self->p).loads);
	EXPECT_EQ(2, kernel_loads(self->p));
	EXPECT_EQ(1, ((fn_v)m.addr)());
}

TEST_F(kpool, code_cannot_be_written)
{
	struct jitseal_mem m;
	char path[64];
	void *page;
	int fd;

	NEED_POOL();
	ASSERT_EQ(0, jitseal_alloc(self->p, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &m));
	emit_ret_imm(m.stage, 5);
	ASSERT_EQ(0, jitseal_finalize(self->p, NULL));
	page = (void *)((uintptr_t)m.addr & ~(page_size() - 1));
	EXPECT_EQ(-1, mprotect(page, page_size(), PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(page, page_size(), PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(1, write_faults(m.addr));
	snprintf(path, sizeof(path), "/proc/%d/mem", getpid());
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, pwrite(fd, "\x90", 1, (off_t)(uintptr_t)m.addr));
	close(fd);
	EXPECT_EQ(5, ((fn_v)m.addr)());
}

static int maps_line(const void *addr, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	char line[512];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    (uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			snprintf(out, len, "%s", line);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

/* The device node, or a map-only file where /dev is noexec. */
static bool sealed_name(const char *line)
{
	return strstr(line, "/dev/jitseal") || strstr(line, "jitseal:[pool]");
}

TEST_F(kpool, maps_show_sealed_device)
{
	struct jitseal_mem c, r;
	char line[512];

	NEED_POOL();
	ASSERT_EQ(0, jitseal_alloc(self->p, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &c));
	ASSERT_EQ(0, jitseal_alloc(self->p, RET_LEN, 1, JITSEAL_RODATA, &r));
	ASSERT_EQ(0, jitseal_finalize(self->p, NULL));
	ASSERT_EQ(0, maps_line(c.addr, line, sizeof(line)));
	TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, " r-xs "));
	EXPECT_TRUE(sealed_name(line));
	ASSERT_EQ(0, maps_line(r.addr, line, sizeof(line)));
	EXPECT_NE(NULL, strstr(line, " r--s "));
	EXPECT_TRUE(sealed_name(line));
}

TEST_F(kpool, unwritten_trap_unloaded_sigbus)
{
	struct jitseal_mem m;
	int status;
	pid_t pid;

	NEED_POOL();
	ASSERT_EQ(0, jitseal_alloc(self->p, RET_LEN, INSN_ALIGN, JITSEAL_CODE, &m));
	emit_ret_imm(m.stage, 1);
	ASSERT_EQ(0, jitseal_finalize(self->p, NULL));
	EXPECT_EQ(trap_byte((uint8_t *)m.addr + RET_LEN),
		  ((volatile uint8_t *)m.addr)[RET_LEN]);
	EXPECT_EQ(trap_byte((uint8_t *)m.addr + page_size() - 1),
		  ((volatile uint8_t *)m.addr)[page_size() - 1]);
	pid = fork();
	if (pid == 0) {
		(void)((volatile uint8_t *)m.addr)[3 * page_size()];
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS);
}

TEST_F(kpool, no_page_tail_wasted)
{
	struct jitseal_mem m;
	int i;

	NEED_POOL();
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, jitseal_alloc(self->p, 40, INSN_ALIGN, JITSEAL_CODE, &m));
		nop_fill(m.stage, 40 - RET_LEN);
		emit_ret_imm((uint8_t *)m.stage + 40 - RET_LEN, i);
		ASSERT_EQ(0, jitseal_finalize(self->p, NULL));
		ASSERT_EQ(i, ((fn_v)m.addr)());
	}
	/* 4000 bytes, 100 LOADs, one page */
	EXPECT_EQ(1, test_stats(self->p).pages);
	EXPECT_EQ(100, test_stats(self->p).loads);
}

TEST_F(kpool, kernel_digest)
{
	struct jitseal_run runs[2];
	JITSEAL_OPTS(jitseal_finalize_opts, o, .flags = JITSEAL_FINALIZE_DIGEST,
		     .runs = runs, .nr_runs = 2);
	struct jitseal_mem m;
	unsigned char want[32];

	NEED_POOL();
	ASSERT_EQ(0, jitseal_alloc(self->p, 100, 1, JITSEAL_CODE, &m));
	nop_fill(m.stage, 100);
	ASSERT_EQ(0, jitseal_finalize(self->p, &o));
	ASSERT_EQ(1, o.nr_runs);
	js_sha256(m.addr, 100, want);
	EXPECT_EQ(0, memcmp(want, runs[0].digest, 32));
}

static int knob(const char *name, char *old, size_t len, const char *val)
{
	char path[128];
	int fd, n;

	snprintf(path, sizeof(path), "/sys/kernel/jitseal/%s", name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (old) {
		n = (int)read(fd, old, len - 1);
		old[n > 0 ? n : 0] = '\0';
	}
	n = (int)pwrite(fd, val, strlen(val), 0);
	close(fd);
	return n < 0 ? -errno : 0;
}

/* A failed finalize (here: over the per-user quota) keeps everything pending. */
TEST_F(kpool, failed_finalize_keeps_pending)
{
	struct jitseal_pool_stats st;
	struct jitseal_mem c, r;
	char old[64];
	int err;

	NEED_POOL();
	ASSERT_EQ(0, jitseal_alloc(self->p, RET_LEN, 16, JITSEAL_CODE, &c));
	emit_ret_imm(c.stage, 61);
	ASSERT_EQ(0, jitseal_alloc(self->p, 8, 8, JITSEAL_RODATA, &r));
	memcpy(r.stage, "rodata!", 8);
	if (knob("max_user_bytes", old, sizeof(old), "1"))
		SKIP(return, "cannot set /sys/kernel/jitseal/max_user_bytes (locked?)");
	err = jitseal_finalize(self->p, NULL);
	knob("max_user_bytes", NULL, 0, old);
	EXPECT_EQ(-EDQUOT, err);
	st = test_stats(self->p);
	EXPECT_EQ(RET_LEN + 8, st.pending);
	EXPECT_EQ(0, st.sealed[JITSEAL_CODE]);
	EXPECT_EQ(0, st.loads);
	/* nothing was installed: the page was never loaded */
	EXPECT_EQ(1, read_faults(c.addr));
	/* retry, now within the quota */
	ASSERT_EQ(0, jitseal_finalize(self->p, NULL));
	EXPECT_EQ(61, ((fn_v)c.addr)());
	EXPECT_EQ(0, memcmp(r.addr, "rodata!", 8));
	EXPECT_EQ(0, test_stats(self->p).pending);
}

TEST_HARNESS_MAIN
