// SPDX-License-Identifier: GPL-2.0
/*
 * Sealed pool memory: never writable from user space (C1), append-only at
 * byte granularity (C2), all-or-nothing batches (C4), fork and exec (C7),
 * content that survives mm operations (C8).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sha256.h"
#include "util.h"

#define CODE_PAGES	4
#define CODE_BYTES	(CODE_PAGES * JS_PAGE)
#define RO_BYTES	JS_PAGE
#define FIRST_VAL	0x1234

FIXTURE(pool) {
	int fd;
	uint8_t *code;
	uint8_t *ro;
};

/*
 * Every test runs on an ordinary pool and on one set up with "no retire":
 * without a RETIRE, both keep C2 exactly as before.
 */
FIXTURE_VARIANT(pool) {
	uint32_t setup_flags;
};

FIXTURE_VARIANT_ADD(pool, retire) {
	.setup_flags = 0,
};

FIXTURE_VARIANT_ADD(pool, no_retire) {
	.setup_flags = JITSEAL_SETUP_NO_RETIRE,
};

FIXTURE_SETUP(pool)
{
	self->fd = js_pool_flags(CODE_BYTES, RO_BYTES, variant->setup_flags);
	ASSERT_LE(0, self->fd) TH_LOG("pool: %s", strerror(-self->fd));
	/* Mapped before anything is loaded: loads must show up in place. */
	self->code = js_map(self->fd, CODE_BYTES, 0, PROT_READ | PROT_EXEC);
	ASSERT_NE(NULL, self->code);
	self->ro = js_map(self->fd, RO_BYTES, CODE_BYTES, PROT_READ);
	ASSERT_NE(NULL, self->ro);
	ASSERT_EQ(0, js_load_ret(self->fd, 0, FIRST_VAL));
	ASSERT_EQ(FIRST_VAL, js_call(self->code));
}

FIXTURE_TEARDOWN(pool)
{
	munmap(self->code, CODE_BYTES);
	munmap(self->ro, RO_BYTES);
	close(self->fd);
}

/* --- C1: no writable user mapping ever exists --- */

TEST_F(pool, mmap_prot_write_refused)
{
	void *p;

	p = mmap(NULL, JS_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, JS_PAGE, PROT_WRITE | PROT_EXEC, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
}

TEST_F(pool, mmap_private_refused)
{
	void *p;

	p = mmap(NULL, JS_PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, JS_PAGE, PROT_READ, MAP_PRIVATE, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
}

TEST_F(pool, mprotect_write_refused)
{
	EXPECT_EQ(-1, mprotect(self->code, JS_PAGE,
			       PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(self->code, JS_PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(self->ro, JS_PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
}

TEST_F(pool, mremap_growth_refused)
{
	uint8_t *two = js_map(self->fd, 2 * JS_PAGE, 0, PROT_READ | PROT_EXEC);
	void *p;

	ASSERT_NE(NULL, two);
	/* The pool has room for a third page: only VM_DONTEXPAND refuses. */
	p = mremap(two, 2 * JS_PAGE, 3 * JS_PAGE, 0);
	EXPECT_EQ(MAP_FAILED, p);
	p = mremap(two, 2 * JS_PAGE, 3 * JS_PAGE, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(FIRST_VAL, js_call(two));
	munmap(two, 2 * JS_PAGE);
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
}

TEST_F(pool, ptrace_poketext_refused)
{
	long before, after;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(js_call(self->code) == FIRST_VAL ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status));

	errno = 0;
	before = ptrace(PTRACE_PEEKTEXT, pid, self->code, NULL);
	ASSERT_EQ(0, errno);
	EXPECT_EQ(-1, ptrace(PTRACE_POKETEXT, pid, self->code,
			     (void *)0x9090909090909090UL));
	EXPECT_EQ(EIO, errno);
	/* Not even into the never-written tail of the page. */
	EXPECT_EQ(-1, ptrace(PTRACE_POKETEXT, pid, self->code + 64,
			     (void *)0x9090909090909090UL));
	errno = 0;
	after = ptrace(PTRACE_PEEKTEXT, pid, self->code, NULL);
	ASSERT_EQ(0, errno);
	EXPECT_EQ(before, after);

	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, NULL, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
}

TEST_F(pool, proc_self_mem_write_refused)
{
	uint8_t nops[8];
	int fd;

	js_fill_nop(nops, sizeof(nops));
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, pwrite(fd, nops, sizeof(nops), (off_t)(uintptr_t)self->code));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, pwrite(fd, nops, sizeof(nops),
			     (off_t)(uintptr_t)(self->code + 64)));
	close(fd);
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
	EXPECT_TRUE(js_is_trap(self->code + JS_RET_LEN, 64));
}

TEST_F(pool, process_vm_writev_refused)
{
	uint8_t nops[8];
	struct iovec local = { nops, sizeof(nops) };
	struct iovec remote = { self->code, sizeof(nops) };

	js_fill_nop(nops, sizeof(nops));
	EXPECT_EQ(-1, process_vm_writev(getpid(), &local, 1, &remote, 1, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
}

TEST_F(pool, rodata_never_executable)
{
	void *p;

	p = mmap(NULL, RO_BYTES, PROT_READ | PROT_EXEC, MAP_SHARED, self->fd,
		 CODE_BYTES);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	/* A range that only touches the rodata area is refused as well. */
	p = mmap(NULL, CODE_BYTES + RO_BYTES, PROT_READ | PROT_EXEC, MAP_SHARED,
		 self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(self->ro, RO_BYTES, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
}

TEST_F(pool, rodata_segment_readable)
{
	static const char msg[] = "sealed constant";
	struct jitseal_segment s = js_seg(msg, CODE_BYTES + 8, sizeof(msg),
					  JITSEAL_PROT_R);

	ASSERT_EQ(0, js_load(self->fd, &s, 1, 0, NULL));
	EXPECT_EQ(0, memcmp(self->ro + 8, msg, sizeof(msg)));
	/* The wrong area for each kind of segment. */
	s = js_seg(msg, 64, sizeof(msg), JITSEAL_PROT_R);
	EXPECT_EQ(-EINVAL, js_load(self->fd, &s, 1, 0, NULL));
	s = js_seg(msg, CODE_BYTES + 64, sizeof(msg), JITSEAL_PROT_RX);
	EXPECT_EQ(-EINVAL, js_load(self->fd, &s, 1, 0, NULL));
}

/* --- C2: sealed bytes are immutable; appends fill the rest --- */

TEST_F(pool, overlap_refused_changes_nothing)
{
	struct jitseal_pool_info before, after;
	uint8_t code[JS_RET_LEN];
	struct jitseal_segment s;
	uint64_t rejects = js_stat("rejects/overlap");

	ASSERT_EQ(0, js_info(self->fd, &before));
	js_emit_ret(code, 0x666);
	s = js_seg(code, 3, sizeof(code), JITSEAL_PROT_RX);
	EXPECT_EQ(-EEXIST, js_load(self->fd, &s, 1, 0, NULL));
	s = js_seg(code, 0, sizeof(code), JITSEAL_PROT_RX);
	EXPECT_EQ(-EEXIST, js_load(self->fd, &s, 1, 0, NULL));
	s = js_seg(code, 5, 1, JITSEAL_PROT_RX);
	EXPECT_EQ(-EEXIST, js_load(self->fd, &s, 1, 0, NULL));

	ASSERT_EQ(0, js_info(self->fd, &after));
	EXPECT_EQ(before.sealed_bytes, after.sealed_bytes);
	EXPECT_EQ(before.loads, after.loads);
	EXPECT_EQ(before.pages, after.pages);
	EXPECT_TRUE(js_is_trap(self->code + JS_RET_LEN, JS_PAGE - JS_RET_LEN));
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
	EXPECT_EQ(rejects + 3, js_stat("rejects/overlap"));
}

TEST_F(pool, overlap_within_batch_refused)
{
	uint8_t code[2][JS_RET_LEN];
	struct jitseal_segment s[2];

	js_emit_ret(code[0], 1);
	js_emit_ret(code[1], 2);
	s[0] = js_seg(code[0], 104, JS_RET_LEN, JITSEAL_PROT_RX);
	s[1] = js_seg(code[1], 100, JS_RET_LEN, JITSEAL_PROT_RX);
	EXPECT_EQ(-EINVAL, js_load(self->fd, s, 2, 0, NULL));
	EXPECT_TRUE(js_is_trap(self->code + 100, 16));
}

TEST_F(pool, append_fills_rest_of_page)
{
	struct jitseal_pool_info info;
	uint32_t i, n = JS_PAGE / JS_RET_LEN;

	/* Byte granularity: every function right after the previous one. */
	for (i = 1; i < n; i++)
		ASSERT_EQ(0, js_load_ret(self->fd, i * JS_RET_LEN, 0x100 + i));
	for (i = 1; i < n; i++)
		ASSERT_EQ(0x100 + i, js_call(self->code + i * JS_RET_LEN));
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
	ASSERT_EQ(0, js_info(self->fd, &info));
	EXPECT_EQ(n * JS_RET_LEN, info.sealed_bytes);
	EXPECT_EQ(1, info.pages);
	EXPECT_EQ(n, info.loads);
}

struct runner {
	uint8_t *code;
	_Atomic uint32_t loaded;	/* functions published so far */
	_Atomic bool stop;
	_Atomic uint64_t calls;
	uint32_t bad;
};

static void *run_loaded(void *arg)
{
	struct runner *r = arg;
	uint8_t want[JS_RET_LEN];

	while (!atomic_load(&r->stop)) {
		uint32_t i, n = atomic_load(&r->loaded);

		for (i = 0; i < n; i++) {
			js_emit_ret(want, 0x200 + i);
			if (memcmp(r->code + i * JS_RET_LEN, want, JS_RET_LEN) ||
			    js_call(r->code + i * JS_RET_LEN) != (int)(0x200 + i))
				r->bad++;
			r->calls++;
		}
	}
	return NULL;
}

TEST_F(pool, append_while_another_thread_executes_page)
{
	struct runner r = { .code = self->code + JS_PAGE };
	uint32_t i, n = JS_PAGE / JS_RET_LEN;
	pthread_t t;

	ASSERT_EQ(0, js_load_ret(self->fd, JS_PAGE, 0x200));
	atomic_store(&r.loaded, 1);
	ASSERT_EQ(0, pthread_create(&t, NULL, run_loaded, &r));
	for (i = 1; i < n; i++) {
		uint64_t calls;

		ASSERT_EQ(0, js_load_ret(self->fd, JS_PAGE + i * JS_RET_LEN,
					 0x200 + i));
		atomic_store(&r.loaded, i + 1);
		/* Let the runner execute in the page between any two loads. */
		calls = atomic_load(&r.calls);
		while (atomic_load(&r.calls) == calls)
			sched_yield();
	}
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	TH_LOG("%llu calls into the page while it was appended to",
	       (unsigned long long)atomic_load(&r.calls));
	EXPECT_EQ(0, r.bad);
}

static void jump(void *addr)
{
	js_call(addr);
}

TEST_F(pool, jump_into_unsealed_space_traps)
{
	EXPECT_TRUE(js_is_trap(self->code + JS_RET_LEN, JS_PAGE - JS_RET_LEN));
	EXPECT_EQ(SIGTRAP, js_killed_by(jump, self->code + 100));
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
}

static void touch(void *addr)
{
	(void)*(volatile uint8_t *)addr;
}

TEST_F(pool, never_loaded_page_sigbus)
{
	EXPECT_EQ(SIGBUS, js_killed_by(touch, self->code + 2 * JS_PAGE));
	EXPECT_EQ(SIGBUS, js_killed_by(jump, self->code + 2 * JS_PAGE));
	EXPECT_EQ(SIGBUS, js_killed_by(touch, self->ro));
	/* Once loaded, the same address works without a new mapping. */
	ASSERT_EQ(0, js_load_ret(self->fd, 2 * JS_PAGE + 12, 77));
	EXPECT_EQ(77, js_call(self->code + 2 * JS_PAGE + 12));
	EXPECT_TRUE(js_is_trap(self->code + 2 * JS_PAGE, 12));
}

TEST_F(pool, digest_matches_installed_bytes)
{
	uint8_t code[3 * JS_PAGE], dig[2][JITSEAL_DIGEST_SIZE], want[32];
	struct jitseal_segment s[2];
	size_t i;

	for (i = 0; i < sizeof(code); i++)
		code[i] = (uint8_t)(i * 7 + 3);
	/* Reverse order on purpose: digests follow the caller's order. */
	s[0] = js_seg(code, JS_PAGE + 1, 2 * JS_PAGE, JITSEAL_PROT_RX);
	s[1] = js_seg(code + 2 * JS_PAGE, 16, 1000, JITSEAL_PROT_RX);
	ASSERT_EQ(0, js_load(self->fd, s, 2, JITSEAL_LOAD_DIGEST, dig));
	EXPECT_EQ(0, memcmp(self->code + JS_PAGE + 1, code, 2 * JS_PAGE));
	EXPECT_EQ(0, memcmp(self->code + 16, code + 2 * JS_PAGE, 1000));
	js_sha256(code, 2 * JS_PAGE, want);
	EXPECT_EQ(0, memcmp(dig[0], want, 32));
	js_sha256(code + 2 * JS_PAGE, 1000, want);
	EXPECT_EQ(0, memcmp(dig[1], want, 32));
}

TEST_F(pool, sync_core_load)
{
	ASSERT_EQ(0, js_load_ret(self->fd, 16, 0));
	{
		uint8_t code[JS_RET_LEN];
		struct jitseal_segment s = js_seg(code, 32,
						  js_emit_ret(code, 99),
						  JITSEAL_PROT_RX);

		ASSERT_EQ(0, js_load(self->fd, &s, 1, JITSEAL_LOAD_SYNC_CORE,
				     NULL));
	}
	EXPECT_EQ(99, js_call(self->code + 32));
}

/* --- C4: a batch installs all of its segments or none --- */

static void expect_unchanged(struct __test_metadata *_metadata,
			     FIXTURE_DATA(pool) *self,
			     const struct jitseal_pool_info *before)
{
	struct jitseal_pool_info after;

	ASSERT_EQ(0, js_info(self->fd, &after));
	EXPECT_EQ(before->sealed_bytes, after.sealed_bytes);
	EXPECT_EQ(before->pages, after.pages);
	EXPECT_EQ(before->loads, after.loads);
	EXPECT_TRUE(js_is_trap(self->code + JS_RET_LEN, JS_PAGE - JS_RET_LEN));
	EXPECT_EQ(SIGBUS, js_killed_by(touch, self->code + JS_PAGE));
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
}

static void fill_batch(uint8_t code[3][JS_RET_LEN], struct jitseal_segment s[3])
{
	int i;

	for (i = 0; i < 3; i++)
		js_emit_ret(code[i], 0x300 + i);
	s[0] = js_seg(code[0], 100, JS_RET_LEN, JITSEAL_PROT_RX);
	s[1] = js_seg(code[1], JS_PAGE, JS_RET_LEN, JITSEAL_PROT_RX);
	s[2] = js_seg(code[2], JS_PAGE + 200, JS_RET_LEN, JITSEAL_PROT_RX);
}

static void expect_batch_loads(struct __test_metadata *_metadata,
			       FIXTURE_DATA(pool) *self)
{
	uint8_t code[3][JS_RET_LEN];
	struct jitseal_segment s[3];

	/* Nothing of the failed batch stuck: the same batch loads now. */
	fill_batch(code, s);
	ASSERT_EQ(0, js_load(self->fd, s, 3, 0, NULL));
	EXPECT_EQ(0x300, js_call(self->code + 100));
	EXPECT_EQ(0x301, js_call(self->code + JS_PAGE));
	EXPECT_EQ(0x302, js_call(self->code + JS_PAGE + 200));
}

TEST_F(pool, batch_with_bad_source_installs_nothing)
{
	struct jitseal_pool_info before;
	uint8_t code[3][JS_RET_LEN];
	struct jitseal_segment s[3];

	ASSERT_EQ(0, js_info(self->fd, &before));
	fill_batch(code, s);
	s[2].src = 16;	/* unmapped */
	EXPECT_EQ(-EFAULT, js_load(self->fd, s, 3, 0, NULL));
	expect_unchanged(_metadata, self, &before);
	expect_batch_loads(_metadata, self);
}

TEST_F(pool, batch_overlapping_sealed_installs_nothing)
{
	struct jitseal_pool_info before;
	uint8_t code[4][JS_RET_LEN];
	struct jitseal_segment s[4];

	ASSERT_EQ(0, js_info(self->fd, &before));
	fill_batch(code, s);
	js_emit_ret(code[3], 1);
	s[3] = js_seg(code[3], 2, JS_RET_LEN, JITSEAL_PROT_RX);
	EXPECT_EQ(-EEXIST, js_load(self->fd, s, 4, 0, NULL));
	expect_unchanged(_metadata, self, &before);
	expect_batch_loads(_metadata, self);
}

TEST_F(pool, batch_with_bad_digest_buffer_installs_nothing)
{
	struct jitseal_pool_info before;
	uint8_t code[3][JS_RET_LEN];
	struct jitseal_segment s[3];
	void *ro_page;

	ASSERT_EQ(0, js_info(self->fd, &before));
	fill_batch(code, s);
	/* Valid address, but the digests cannot be written there. */
	ro_page = mmap(NULL, JS_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	ASSERT_NE(MAP_FAILED, ro_page);
	EXPECT_EQ(-EFAULT, js_load(self->fd, s, 3, JITSEAL_LOAD_DIGEST,
				   ro_page));
	munmap(ro_page, JS_PAGE);
	expect_unchanged(_metadata, self, &before);
	expect_batch_loads(_metadata, self);
}

TEST_F(pool, batch_with_invalid_segment_installs_nothing)
{
	struct jitseal_pool_info before;
	uint8_t code[3][JS_RET_LEN];
	struct jitseal_segment s[3];

	ASSERT_EQ(0, js_info(self->fd, &before));
	fill_batch(code, s);
	s[2].offset = CODE_BYTES - 2;	/* runs past the code area */
	EXPECT_EQ(-EINVAL, js_load(self->fd, s, 3, 0, NULL));
	expect_unchanged(_metadata, self, &before);
	expect_batch_loads(_metadata, self);
}

/* --- C7: fork keeps the mapping, exec drops it --- */

/* Is there a mapping of the device (with these permissions, if given)? */
static bool maps_have_jitseal(const char *maps, const char *perms)
{
	const char *line = maps;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[512], p[8];

		snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
		if (strstr(buf, JITSEAL_DEVICE) &&
		    sscanf(buf, "%*s %7s", p) == 1 &&
		    (!perms || !strcmp(p, perms)))
			return true;
		line = end ? end + 1 : NULL;
	}
	return false;
}

static size_t read_all(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;

	while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	return n;
}

static int fork_child(void *arg)
{
	static char maps[65536];
	uint8_t *code = arg;
	int fd;

	if (js_call(code) != FIRST_VAL)
		return 1;
	fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return 2;
	read_all(fd, maps, sizeof(maps));
	close(fd);
	/* Shared, read+exec, not writable. */
	return maps_have_jitseal(maps, "r-xs") ? 0 : 3;
}

TEST_F(pool, fork_child_keeps_mapping)
{
	EXPECT_EQ(0, js_in_child(fork_child, self->code));
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
}

TEST_F(pool, exec_drops_mapping)
{
	static char maps[65536];
	int p[2], fd, status;
	pid_t pid;

	fd = open("/proc/self/maps", O_RDONLY);
	ASSERT_LE(0, fd);
	read_all(fd, maps, sizeof(maps));
	close(fd);
	ASSERT_TRUE(maps_have_jitseal(maps, NULL));

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		dup2(p[1], 1);
		execl("/bin/cat", "cat", "/proc/self/maps", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	read_all(p[0], maps, sizeof(maps));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_NE(NULL, strstr(maps, "[stack]"));
	EXPECT_FALSE(maps_have_jitseal(maps, NULL));
}

/* --- C8: mm operations leave the content unchanged --- */

static void load_three_pages(struct __test_metadata *_metadata,
			     FIXTURE_DATA(pool) *self)
{
	ASSERT_EQ(0, js_load_ret(self->fd, JS_PAGE, 0x401));
	ASSERT_EQ(0, js_load_ret(self->fd, 2 * JS_PAGE, 0x402));
}

TEST_F(pool, madv_dontneed_keeps_content)
{
	uint8_t before[JS_PAGE];

	memcpy(before, self->code, JS_PAGE);
	ASSERT_EQ(0, madvise(self->code, CODE_BYTES, MADV_DONTNEED));
	EXPECT_EQ(0, memcmp(before, self->code, JS_PAGE));
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
}

TEST_F(pool, partial_munmap_keeps_content)
{
	uint8_t *mid;

	load_three_pages(_metadata, self);
	ASSERT_EQ(0, munmap(self->code + JS_PAGE, JS_PAGE));
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
	EXPECT_EQ(0x402, js_call(self->code + 2 * JS_PAGE));
	EXPECT_EQ(SIGSEGV, js_killed_by(touch, self->code + JS_PAGE));
	mid = js_map(self->fd, JS_PAGE, JS_PAGE, PROT_READ | PROT_EXEC);
	ASSERT_NE(NULL, mid);
	EXPECT_EQ(0x401, js_call(mid));
	munmap(mid, JS_PAGE);
}

TEST_F(pool, mprotect_none_and_back_keeps_content)
{
	load_three_pages(_metadata, self);
	ASSERT_EQ(0, mprotect(self->code, CODE_BYTES, PROT_NONE));
	EXPECT_EQ(SIGSEGV, js_killed_by(touch, self->code));
	ASSERT_EQ(0, mprotect(self->code, CODE_BYTES, PROT_READ | PROT_EXEC));
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
	EXPECT_EQ(0x401, js_call(self->code + JS_PAGE));
	EXPECT_EQ(0x402, js_call(self->code + 2 * JS_PAGE));
	/* Read-only, then read+exec again: fine too; write never. */
	ASSERT_EQ(0, mprotect(self->code, JS_PAGE, PROT_READ));
	ASSERT_EQ(0, mprotect(self->code, JS_PAGE, PROT_READ | PROT_EXEC));
	EXPECT_EQ(FIRST_VAL, js_call(self->code));
}

TEST_HARNESS_MAIN
