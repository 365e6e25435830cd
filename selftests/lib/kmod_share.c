// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-process JIT (kmod): the compiler exports a map-only fd and sends
 * it over a Unix socket to a runtime process (a fresh exec of this
 * program), which attaches at the same address and runs the code,
 * including code sealed after it attached.  The runtime cannot load.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/jitseal.h>

#include "jstest.h"

struct msg {
	uintptr_t base;
	uintptr_t fn;
	int expect;
};

static int send_fd(int sock, int fd, const struct msg *m)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, 0) == sizeof(*m) ? 0 : -1;
}

static int recv_fd(int sock, int *fd, struct msg *m)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;

	if (recvmsg(sock, &mh, 0) != sizeof(*m))
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (fd && c && c->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

/* The runtime: exit status says what failed. */
static int runtime(int sock)
{
	struct jitseal_mapping map = { .sz = sizeof(map) };
	struct jitseal_load load = { .size = sizeof(load) };
	struct jitseal_segment seg;
	struct msg m;
	int fd = -1;
	char c = 'r';

	if (recv_fd(sock, &fd, &m) || fd < 0)
		return 10;
	if (jitseal_attach(fd, (void *)m.base, &map))
		return 11;
	if (((fn_v)m.fn)() != m.expect)
		return 12;
	/* map-only: no LOAD, no writable mapping */
	memset(&seg, 0, sizeof(seg));
	seg.src = (uintptr_t)&c;
	seg.offset = 4000;
	seg.len = 1;
	seg.prot = JITSEAL_PROT_RX;
	load.segments = (uintptr_t)&seg;
	load.nr_segments = 1;
	load.segment_size = sizeof(seg);
	if (ioctl(fd, JITSEAL_IOC_LOAD, &load) != -1 || errno != EPERM)
		return 13;
	if (mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) !=
	    MAP_FAILED)
		return 14;
	if (write(sock, &c, 1) != 1)
		return 15;
	/* code the compiler sealed after we attached */
	if (recv_fd(sock, NULL, &m))
		return 16;
	if (((fn_v)m.fn)() != m.expect)
		return 17;
	return jitseal_detach(&map) ? 18 : 0;
}

__attribute__((constructor)) static void runtime_mode(void)
{
	const char *s = getenv("JITSEAL_TEST_RUNTIME_FD");

	if (s)
		_exit(runtime(atoi(s)));
}

TEST(out_of_process)
{
	struct jitseal_pool *p;
	struct jitseal_mem c1, c2;
	int sv[2], fd, status;
	struct msg m;
	void *base;
	pid_t pid;
	char ack;

	if (access("/dev/jitseal", F_OK))
		SKIP(return, "no /dev/jitseal (module not loaded)");
	p = jitseal_pool_create(NULL);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, 16, JITSEAL_CODE, &c1));
	emit_ret_imm(c1.stage, 111);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	fd = jitseal_pool_export(p, 0, &base);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));

	pid = fork();
	if (pid == 0) {
		char num[16];

		dup2(sv[1], 3);
		snprintf(num, sizeof(num), "%d", 3);
		setenv("JITSEAL_TEST_RUNTIME_FD", num, 1);
		execl("/proc/self/exe", "kmod_share", (char *)NULL);
		_exit(99);
	}
	close(sv[1]);
	m = (struct msg){ (uintptr_t)base, (uintptr_t)c1.addr, 111 };
	ASSERT_EQ(0, send_fd(sv[0], fd, &m));
	close(fd);
	ASSERT_EQ(1, read(sv[0], &ack, 1));
	ASSERT_EQ(0, jitseal_alloc(p, RET_LEN, 16, JITSEAL_CODE, &c2));
	emit_ret_imm(c2.stage, 222);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	m = (struct msg){ (uintptr_t)base, (uintptr_t)c2.addr, 222 };
	ASSERT_EQ(0, send_fd(sv[0], -1, &m));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(sv[0]);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST_HARNESS_MAIN
