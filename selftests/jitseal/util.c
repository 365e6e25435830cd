// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the jitseal selftests. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

size_t js_emit_ret(uint8_t *buf, uint32_t val)
{
	return js_arch_emit_ret(buf, val);
}

/* Staging buffers are filled as if they were the code: by offset 0. */
void js_fill_ret(void *buf, size_t len)
{
	js_arch_fill_at(buf, 0, len, JS_ARCH_RET_INSN);
}

void js_fill_nop(void *buf, size_t len)
{
	js_arch_fill_at(buf, 0, len, JS_ARCH_NOP_INSN);
}

int js_call(const void *addr)
{
	int (*fn)(void) = (int (*)(void))(uintptr_t)addr;

	return fn();
}

static int js_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int js_open(void)
{
	int fd = open(JITSEAL_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int js_setup_flags(int fd, uint64_t code_bytes, uint64_t rodata_bytes,
		   uint32_t flags)
{
	struct jitseal_setup s = {
		.size = sizeof(s),
		.flags = flags,
		.code_bytes = code_bytes,
		.rodata_bytes = rodata_bytes,
	};

	return js_ioctl(fd, JITSEAL_IOC_SETUP, &s);
}

int js_setup(int fd, uint64_t code_bytes, uint64_t rodata_bytes)
{
	return js_setup_flags(fd, code_bytes, rodata_bytes, 0);
}

int js_pool_flags(uint64_t code_bytes, uint64_t rodata_bytes, uint32_t flags)
{
	int fd = js_open(), ret;

	if (fd < 0)
		return fd;
	ret = js_setup_flags(fd, code_bytes, rodata_bytes, flags);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int js_pool(uint64_t code_bytes, uint64_t rodata_bytes)
{
	return js_pool_flags(code_bytes, rodata_bytes, 0);
}

int js_retire(int fd, uint64_t offset, uint64_t len)
{
	struct jitseal_retire r = {
		.size = sizeof(r),
		.offset = offset,
		.len = len,
	};

	return js_ioctl(fd, JITSEAL_IOC_RETIRE, &r);
}

int js_info(int fd, struct jitseal_pool_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return js_ioctl(fd, JITSEAL_IOC_INFO, info);
}

int js_map_fd(int fd, uint32_t flags)
{
	struct jitseal_map_fd m = { .size = sizeof(m), .flags = flags };
	int ret = ioctl(fd, JITSEAL_IOC_MAP_FD, &m);

	return ret < 0 ? -errno : ret;
}

struct jitseal_segment js_seg(const void *src, uint64_t offset, uint64_t len,
			      uint32_t prot)
{
	struct jitseal_segment s = {
		.src = (uintptr_t)src,
		.offset = offset,
		.len = len,
		.prot = prot,
	};

	return s;
}

int js_load(int fd, const struct jitseal_segment *segs, uint32_t nr,
	    uint32_t flags, void *digests)
{
	struct jitseal_load l = {
		.size = sizeof(l),
		.flags = flags,
		.segments = (uintptr_t)segs,
		.nr_segments = nr,
		.segment_size = sizeof(*segs),
		.digests = (uintptr_t)digests,
	};

	return js_ioctl(fd, JITSEAL_IOC_LOAD, &l);
}

int js_load_ret(int fd, uint64_t offset, uint32_t val)
{
	uint8_t code[JS_RET_LEN];
	struct jitseal_segment s = js_seg(code, offset, js_emit_ret(code, val),
					  JITSEAL_PROT_RX);

	return js_load(fd, &s, 1, 0, NULL);
}

void *js_map(int fd, size_t len, off_t offset, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, offset);

	return p == MAP_FAILED ? NULL : p;
}

bool js_is_trap(const void *p, size_t len)
{
	return js_arch_is_trap(p, len);
}

int js_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

int js_sysfs_read(const char *name, char *buf, size_t size)
{
	char path[256];
	size_t n;
	int err;

	snprintf(path, sizeof(path), JS_SYSFS "/%s", name);
	err = js_read_file(path, buf, size);
	if (err)
		return err;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

int js_write_file(const char *path, const char *val)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	err = errno;
	close(fd);
	return n < 0 ? -err : 0;
}

int js_sysfs_write(const char *name, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), JS_SYSFS "/%s", name);
	return js_write_file(path, val);
}

uint64_t js_stat(const char *name)
{
	char buf[64];

	if (js_sysfs_read(name, buf, sizeof(buf)))
		return UINT64_MAX;
	return strtoull(buf, NULL, 10);
}

int js_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	lseek(fd, 0, SEEK_END);
	return fd;
}

bool js_kmsg_find(int fd, const char *needle, char *line, size_t size)
{
	char rec[2048];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			return false;
		rec[n] = 0;
		if (strstr(rec, needle)) {
			if (line)
				snprintf(line, size, "%s", rec);
			return true;
		}
	}
}

int js_in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

void js_no_core(void)
{
	struct rlimit r = { 0, 0 };

	setrlimit(RLIMIT_CORE, &r);
}

int js_killed_by(void (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (!pid) {
		js_no_core();
		fn(arg);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

int js_cg_read(const char *cg, const char *file, char *buf, size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return js_read_file(path, buf, size);
}

int js_cg_write(const char *cg, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return js_write_file(path, val);
}

int js_user_uncharged(void)
{
	static uint8_t page[JS_PAGE];
	char pools[32], bytes[32];
	struct jitseal_segment s;
	int fd, fd2, ret;

	if (js_sysfs_read("max_user_pools", pools, sizeof(pools)) ||
	    js_sysfs_read("max_user_bytes", bytes, sizeof(bytes)))
		return -EIO;
	js_fill_ret(page, sizeof(page));
	if (js_sysfs_write("max_user_pools", "1") ||
	    js_sysfs_write("max_user_bytes", "4096")) {
		ret = -EIO;
		goto out;
	}
	/* One pool and one page fit only if nothing is charged now. */
	fd = js_pool(2 * JS_PAGE, 0);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	s = js_seg(page, 0, JS_PAGE, JITSEAL_PROT_RX);
	ret = js_load(fd, &s, 1, 0, NULL);
	/* And the limits do apply: no second pool, no further byte. */
	if (!ret) {
		fd2 = js_pool(JS_PAGE, 0);
		s = js_seg(page, JS_PAGE, 1, JITSEAL_PROT_RX);
		if (fd2 >= 0)
			close(fd2);
		if (fd2 != -EDQUOT || js_load(fd, &s, 1, 0, NULL) != -EDQUOT)
			ret = -EINVAL;
	}
	close(fd);
out:
	js_sysfs_write("max_user_pools", pools);
	js_sysfs_write("max_user_bytes", bytes);
	return ret;
}

int js_module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

int js_module_load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

static __thread sigjmp_buf js_guard_jmp;
static __thread volatile sig_atomic_t js_guard_armed;

static void js_guard_handler(int sig)
{
	if (!js_guard_armed) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(js_guard_jmp, sig);
}

void js_guard_signals(void)
{
	struct sigaction sa = { .sa_handler = js_guard_handler,
				.sa_flags = SA_NODEFER };

	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
}

/*
 * SA_NODEFER: the handler runs with the signal unblocked, so the jump
 * out of it needs no saved mask (and no system call to restore it).
 */
int js_guarded_read(const void *addr, void *buf, size_t len)
{
	int sig = sigsetjmp(js_guard_jmp, 0);

	if (!sig) {
		js_guard_armed = 1;
		memcpy(buf, addr, len);
	}
	js_guard_armed = 0;
	return sig;
}

int js_guarded_call(const void *addr, int *ret)
{
	int sig = sigsetjmp(js_guard_jmp, 0);

	if (!sig) {
		js_guard_armed = 1;
		*ret = js_call(addr);
	}
	js_guard_armed = 0;
	return sig;
}

uint64_t js_rand(uint64_t *state)
{
	/* xorshift64* */
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545F4914F6CDD1DULL;
}

uint64_t js_rand_below(uint64_t *state, uint64_t n)
{
	return n ? js_rand(state) % n : 0;
}
