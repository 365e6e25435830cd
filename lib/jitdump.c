// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * perf jitdump (tools/perf/Documentation/jitdump-specification.txt):
 * DIR/jit-PID.dump, DIR from JITSEAL_PERF_DIR (default /tmp), with one
 * JIT_CODE_LOAD record per named function.  The code bytes of a record
 * are written straight from the final address, so they are the kernel's
 * sealed copy, what actually runs.  Timestamps are CLOCK_MONOTONIC: record
 * with "perf record -k 1", then "perf inject --jit".
 *
 * perf inject finds the dump through an executable mapping of a file
 * named jit-PID.dump in the process (the marker).  The W^X policy never
 * lets a confined task map executable a file that has a writer, and never
 * gives a writer to a file it mapped executable.  So the marker is a
 * second, empty inode that nobody ever opens for writing: the records go
 * to a temporary file, the empty marker is created under the final name
 * and mapped read+exec, and the temporary file is then renamed over it.
 * The mapping event perf recorded carries the name; perf inject, run
 * later, opens that name and reads the records.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "profile.h"

#define JS_JITDUMP_MAGIC	0x4a695444U	/* "JiTD" */
#define JS_JITDUMP_VERSION	1
#define JS_JIT_CODE_LOAD	0


struct js_jitdump_header {
	uint32_t magic;
	uint32_t version;
	uint32_t total_size;
	uint32_t elf_mach;
	uint32_t pad1;
	uint32_t pid;
	uint64_t timestamp;
	uint64_t flags;
};

struct js_jitdump_load {
	uint32_t id;
	uint32_t total_size;
	uint64_t timestamp;
	uint32_t pid;
	uint32_t tid;
	uint64_t vma;
	uint64_t code_addr;
	uint64_t code_size;
	uint64_t code_index;
};

static int js_dump_fd = -1;
static pid_t js_dump_pid;		/* the process js_dump_fd belongs to */
static uint64_t js_dump_index;

static uint64_t js_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int js_write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

/* The empty marker under @path, mapped read+exec for perf to see. */
static int js_jitdump_marker(const char *path)
{
	long ps = sysconf(_SC_PAGESIZE);
	void *m;
	int fd;

	if (unlink(path) && errno != ENOENT)
		return -1;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	m = mmap(NULL, (size_t)ps, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		int e = errno;

		unlink(path);
		errno = e;
		return -1;
	}
	return 0;	/* mapped until the process ends */
}

static int js_jitdump_open(pid_t pid)
{
	static bool warned;
	const char *dir = secure_getenv("JITSEAL_PERF_DIR");
	struct js_jitdump_header h = {
		.magic = JS_JITDUMP_MAGIC,
		.version = JS_JITDUMP_VERSION,
		.total_size = sizeof(h),
		.elf_mach = JS_ARCH_ELF_MACH,
		.pid = (uint32_t)pid,
	};
	char path[4096], tmp[4096 + 16];
	const char *what = "create a file in";
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/jit-%d.dump", dir,
			     (int)pid) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	snprintf(tmp, sizeof(tmp), "%s/.jit-%d.XXXXXX", dir, (int)pid);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	h.timestamp = js_mono_ns();
	what = "write";
	if (js_write_all(fd, &h, sizeof(h)))
		goto fail_tmp;
	what = "map the marker in";
	if (js_jitdump_marker(path))
		goto fail_tmp;
	what = "rename the dump in";
	if (rename(tmp, path))
		goto fail_tmp;
	return fd;
fail_tmp:
	{
		int e = errno;

		unlink(tmp);
		close(fd);
		errno = e;
	}
fail:
	js_prof_warn(&warned, "jitdump: cannot %s %s: %m; no jitdump written",
		     what, dir);
	return -1;
}

void js_jitdump_emit(const struct js_prof_sym *syms, size_t n)
{
	static bool warned;
	pid_t pid = getpid();
	uint32_t tid = (uint32_t)gettid();
	size_t i;

	if (js_dump_pid != pid) {	/* first use, or a forked child */
		if (js_dump_fd >= 0)
			close(js_dump_fd);
		js_dump_pid = pid;
		js_dump_index = 0;
		js_dump_fd = js_jitdump_open(pid);
	}
	if (js_dump_fd < 0)
		return;
	for (i = 0; i < n; i++) {
		size_t nlen = strlen(syms[i].name) + 1;
		struct js_jitdump_load r = {
			.id = JS_JIT_CODE_LOAD,
			.total_size = (uint32_t)(sizeof(r) + nlen + syms[i].len),
			.timestamp = js_mono_ns(),
			.pid = (uint32_t)pid,
			.tid = tid,
			.vma = syms[i].addr,
			.code_addr = syms[i].addr,
			.code_size = syms[i].len,
			.code_index = js_dump_index++,
		};
		struct iovec iov[3] = {
			{ &r, sizeof(r) },
			{ (void *)syms[i].name, nlen },
			{ (void *)syms[i].addr, syms[i].len },	/* sealed bytes */
		};
		ssize_t w = writev(js_dump_fd, iov, 3);

		if (w != (ssize_t)r.total_size) {
			js_prof_warn(&warned, "jitdump: write failed: %s",
				     w < 0 ? strerror(errno) : "short write");
			return;
		}
	}
}
