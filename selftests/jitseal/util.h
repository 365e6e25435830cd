/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the jitseal selftests.  Functions return 0 or a
 * negative errno (or a value), never abort: the tests assert.
 */
#ifndef JITSEAL_TEST_UTIL_H
#define JITSEAL_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/jitseal.h>

#include "jsarch.h"

#define JS_PAGE		4096UL
#define JS_SYSFS	"/sys/kernel/jitseal"

/*
 * A function returning @val (jsarch.h: x86-64 mov eax, imm32; ret, arm64
 * movz/movk w0; ret), JS_RET_LEN bytes; code offsets are multiples of
 * JS_INSN_ALIGN.
 */
#define JS_RET_LEN	JS_ARCH_RET_LEN
#define JS_INSN_ALIGN	JS_ARCH_INSN_ALIGN
size_t js_emit_ret(uint8_t *buf, uint32_t val);
/* Fill with return instructions (any aligned entry returns), or nops. */
void js_fill_ret(void *buf, size_t len);
void js_fill_nop(void *buf, size_t len);
/* Call the code at @addr as int (*)(void). */
int js_call(const void *addr);

/* Open /dev/jitseal read+write (close-on-exec), or -errno. */
int js_open(void);
int js_setup(int fd, uint64_t code_bytes, uint64_t rodata_bytes);
int js_setup_flags(int fd, uint64_t code_bytes, uint64_t rodata_bytes,
		   uint32_t flags);
/* js_open() + js_setup(): an fd or -errno. */
int js_pool(uint64_t code_bytes, uint64_t rodata_bytes);
int js_pool_flags(uint64_t code_bytes, uint64_t rodata_bytes, uint32_t flags);
/* JITSEAL_IOC_RETIRE of [offset, offset + len): 0 or -errno. */
int js_retire(int fd, uint64_t offset, uint64_t len);
int js_info(int fd, struct jitseal_pool_info *info);
int js_map_fd(int fd, uint32_t flags);
struct jitseal_segment js_seg(const void *src, uint64_t offset, uint64_t len,
			      uint32_t prot);
int js_load(int fd, const struct jitseal_segment *segs, uint32_t nr,
	    uint32_t flags, void *digests);
/* Load one mov/ret returning @val at @offset of the code area. */
int js_load_ret(int fd, uint64_t offset, uint32_t val);
/* mmap MAP_SHARED; NULL (errno set) on failure. */
void *js_map(int fd, size_t len, off_t offset, int prot);

/* True if every byte of [p, p + len) is the trap fill (int3, brk #0). */
bool js_is_trap(const void *p, size_t len);

/* Read a small text file whole into @buf, NUL-terminated; -errno on error. */
int js_read_file(const char *path, char *buf, size_t size);
/* Write @val (a string) to the file at @path; -errno on error. */
int js_write_file(const char *path, const char *val);

/* A xorshift64* step of *@state (seeded non-zero); one below @n (0 if 0). */
uint64_t js_rand(uint64_t *state);
uint64_t js_rand_below(uint64_t *state, uint64_t n);

/* sysfs: knobs and statistics of /sys/kernel/jitseal/<name> */
int js_sysfs_read(const char *name, char *buf, size_t size);
int js_sysfs_write(const char *name, const char *val);
uint64_t js_stat(const char *name);

/* /dev/kmsg: open at the end, then look for a line written since. */
int js_kmsg_open(void);
bool js_kmsg_find(int fd, const char *needle, char *line, size_t size);

/* No core dumps for this process (children that are meant to crash). */
void js_no_core(void);
/* Run fn(arg) in a child without core dumps: the signal that killed it, or 0. */
int js_killed_by(void (*fn)(void *), void *arg);

/* cgroup v2 files: @cg is the cgroup's directory. */
int js_cg_read(const char *cg, const char *file, char *buf, size_t size);
int js_cg_write(const char *cg, const char *file, const char *val);

/* Run fn(arg) in a child; its exit status, or 128 + signal. */
int js_in_child(int (*fn)(void *), void *arg);

/*
 * 0 if the caller's user holds no pool and no sealed byte: probed by
 * setting max_user_pools to 1 and max_user_bytes to a page (restored
 * after), then one pool with one page must fit and no more.  -EDQUOT if
 * something is charged, another -errno on error.
 */
int js_user_uncharged(void);

/*
 * Catch SIGBUS, SIGSEGV and SIGTRAP (process-wide) for the guarded
 * accesses below, in any thread; outside them the signals stay fatal.
 */
void js_guard_signals(void);
/* memcpy() from @addr, or call the code at @addr: 0, or the signal. */
int js_guarded_read(const void *addr, void *buf, size_t len);
int js_guarded_call(const void *addr, int *ret);

/* delete_module(O_NONBLOCK) and finit_module: 0 or -errno. */
int js_module_unload(const char *name);
int js_module_load(const char *path);

#endif
