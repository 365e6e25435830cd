// SPDX-License-Identifier: GPL-2.0
/*
 * C12: out-of-process JIT.  A pool fd narrowed with MAP_FD can be passed
 * over a Unix socket; its holder maps the pool read+exec and runs the code
 * the compiler process loads, but cannot load or set up.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"

#define CODE_BYTES	(2 * JS_PAGE)

FIXTURE(mapfd) {
	int fd;
	int mfd;
};

FIXTURE_SETUP(mapfd)
{
	self->fd = js_pool(CODE_BYTES, JS_PAGE);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, js_load_ret(self->fd, 0, 0x4242));
	self->mfd = js_map_fd(self->fd, 0);
	ASSERT_LE(0, self->mfd);
}

FIXTURE_TEARDOWN(mapfd)
{
	close(self->mfd);
	close(self->fd);
}

TEST_F(mapfd, info_reports_same_pool_map_only)
{
	struct jitseal_pool_info a, b;

	ASSERT_EQ(0, js_info(self->fd, &a));
	ASSERT_EQ(0, js_info(self->mfd, &b));
	EXPECT_EQ(JITSEAL_INFO_READY, a.flags);
	EXPECT_EQ(JITSEAL_INFO_READY | JITSEAL_INFO_MAP_ONLY, b.flags);
	EXPECT_EQ(a.pool_id, b.pool_id);
	EXPECT_EQ(a.sealed_bytes, b.sealed_bytes);
	EXPECT_EQ(a.code_bytes, b.code_bytes);
}

TEST_F(mapfd, cannot_load_or_setup)
{
	uint64_t perm = js_stat("rejects/perm");
	struct jitseal_pool_info info;

	EXPECT_EQ(-EPERM, js_load_ret(self->mfd, 100, 1));
	EXPECT_EQ(-EPERM, js_setup(self->mfd, JS_PAGE, 0));
	EXPECT_EQ(perm + 2, js_stat("rejects/perm"));
	ASSERT_EQ(0, js_info(self->fd, &info));
	EXPECT_EQ(JS_RET_LEN, info.sealed_bytes);
	/* Narrowing again gives another map-only fd. */
	{
		int again = js_map_fd(self->mfd, 0);

		ASSERT_LE(0, again);
		EXPECT_EQ(-EPERM, js_load_ret(again, 100, 1));
		close(again);
	}
}

TEST_F(mapfd, maps_read_exec_never_write)
{
	uint8_t *p;

	EXPECT_EQ(O_RDONLY, fcntl(self->mfd, F_GETFL) & O_ACCMODE);
	p = js_map(self->mfd, CODE_BYTES, 0, PROT_READ | PROT_EXEC);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0x4242, js_call(p));
	EXPECT_EQ(-1, mprotect(p, JS_PAGE, PROT_READ | PROT_WRITE));
	munmap(p, CODE_BYTES);
	EXPECT_EQ(NULL, js_map(self->mfd, JS_PAGE, 0, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, JS_PAGE, PROT_READ | PROT_EXEC,
				   MAP_PRIVATE, self->mfd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, js_map(self->mfd, JS_PAGE, CODE_BYTES,
			       PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
}

TEST_F(mapfd, cloexec_flag)
{
	int fd = js_map_fd(self->fd, JITSEAL_MAP_FD_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	EXPECT_EQ(0, fcntl(self->mfd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(mapfd, keeps_pool_after_loader_fd_closed)
{
	uint64_t pools = js_stat("pools");
	uint8_t *p;

	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(pools, js_stat("pools"));
	p = js_map(self->mfd, JS_PAGE, 0, PROT_READ | PROT_EXEC);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0x4242, js_call(p));
	munmap(p, JS_PAGE);
	close(self->mfd);
	self->mfd = -1;
	EXPECT_EQ(pools - 1, js_stat("pools"));
}

static int send_fd(int sock, int fd, char tag)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &tag, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], tag;
	struct iovec iov = { &tag, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* The runtime: never opened the device, only got a map-only fd. */
static int runtime(int sock)
{
	char go;
	uint8_t *p;
	int fd;

	fd = recv_fd(sock);
	if (fd < 0)
		return 1;
	p = js_map(fd, CODE_BYTES, 0, PROT_READ | PROT_EXEC);
	if (!p)
		return 2;
	if (js_call(p) != 0x4242)
		return 3;
	if (js_load_ret(fd, 100, 1) != -EPERM)
		return 4;
	if (js_setup(fd, JS_PAGE, 0) != -EPERM)
		return 5;
	if (js_map(fd, JS_PAGE, 0, PROT_READ | PROT_WRITE))
		return 6;
	/* Tell the compiler, wait until it loaded more, run that too. */
	if (write(sock, "m", 1) != 1 || read(sock, &go, 1) != 1)
		return 7;
	if (js_call(p + JS_PAGE) != 0x4343)
		return 8;
	return 0;
}

TEST_F(mapfd, passed_over_unix_socket_maps_but_cannot_load)
{
	int sv[2], status;
	char ack;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Only what comes over the socket. */
		close(self->fd);
		close(self->mfd);
		close(sv[0]);
		_exit(runtime(sv[1]));
	}
	close(sv[1]);
	ASSERT_EQ(0, send_fd(sv[0], self->mfd, 'f'));
	ASSERT_EQ(1, read(sv[0], &ack, 1));
	/* The compiler appends after the runtime mapped the pool. */
	ASSERT_EQ(0, js_load_ret(self->fd, JS_PAGE, 0x4343));
	ASSERT_EQ(1, write(sv[0], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(sv[0]);
}

TEST_HARNESS_MAIN
