// SPDX-License-Identifier: GPL-2.0
/*
 * jitsealctl events [--follow]: print the refusals (and audit-mode would-be
 * refusals) queued in the pinned ring buffer.  Reading consumes them.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "jitsealctl.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void prot_text(__u32 prot, char out[4])
{
	out[0] = prot & 1 ? 'r' : '-';
	out[1] = prot & 2 ? 'w' : '-';
	out[2] = prot & 4 ? 'x' : '-';
	out[3] = '\0';
}

/* Is the file at PATH (a /proc link) the inode INO of kernel dev DEV? */
static bool is_inode(const char *path, __u64 ino, __u32 dev)
{
	struct stat st;

	return !stat(path, &st) && st.st_ino == ino &&
	       ((major(st.st_dev) << 20) | minor(st.st_dev)) == dev;
}

static bool link_text(const char *path, char *out, size_t len)
{
	ssize_t n = readlink(path, out, len - 1);

	if (n <= 0)
		return false;
	out[n] = '\0';
	return true;
}

/*
 * A process that is gone: its command name in the usual program
 * directories, if that file (symlinks followed) is inode INO on DEV.
 */
static bool comm_path(const char *comm, __u64 ino, __u32 dev, char *out,
		      size_t len)
{
	static const char *const dirs[] = {
		"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
		"/sbin", "/bin", "/usr/libexec",
	};
	char path[PATH_MAX], real[PATH_MAX];

	for (size_t i = 0; comm[0] && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], comm);
		if (is_inode(path, ino, dev) && realpath(path, real)) {
			snprintf(out, len, "%s", real);
			return true;
		}
	}
	return false;
}

/*
 * The path of inode INO on DEV as process PID sees it: its executable, or
 * one of its open files (a memfd, a temporary file), or for a process that
 * is gone its command found on the usual path.  "dev=M:m ino=N" when none
 * of these is that file.
 */
static void file_text(__u32 pid, const char *comm, __u64 ino, __u32 dev,
		      char *out, size_t len)
{
	char link[64];
	struct dirent *d;
	DIR *fds;

	snprintf(link, sizeof(link), "/proc/%u/exe", pid);
	if (is_inode(link, ino, dev) && link_text(link, out, len))
		return;
	snprintf(link, sizeof(link), "/proc/%u/fd", pid);
	fds = opendir(link);
	while (fds && (d = readdir(fds))) {
		snprintf(link, sizeof(link), "/proc/%u/fd/%.16s", pid, d->d_name);
		if (d->d_name[0] != '.' && is_inode(link, ino, dev) &&
		    link_text(link, out, len)) {
			closedir(fds);
			return;
		}
	}
	if (fds)
		closedir(fds);
	if (comm_path(comm, ino, dev, out, len))
		return;
	snprintf(out, len, "dev=%u:%u ino=%llu", dev >> 20, dev & 0xfffff,
		 (unsigned long long)ino);
}

/* A path goes last on the line and may hold blanks: quoted when needed. */
static void print_path(const char *key, const char *path)
{
	if (!strncmp(path, "dev=", 4))
		printf(" %s", path);
	else if (strpbrk(path, " \t\""))
		printf(" %s=\"%s\"", key, path);
	else
		printf(" %s=%s", key, path);
}

/* Only the fields that apply to the operation. */
static int print_event(void *ctx, void *data, size_t len)
{
	const struct wx_event *e = data;
	char prot[4], comm[WX_COMM_LEN + 1], path[PATH_MAX];

	(void)ctx;
	if (len < sizeof(*e))
		return 0;
	memcpy(comm, e->comm, WX_COMM_LEN);
	comm[WX_COMM_LEN] = '\0';
	printf("[%5llu.%06llu] %s rule=%s op=%s pid=%u tid=%u uid=%u comm=%s",
	       (unsigned long long)(e->boot_ns / 1000000000ULL),
	       (unsigned long long)(e->boot_ns % 1000000000ULL / 1000),
	       e->denied ? "deny" : "audit", rule_name(e->rule),
	       op_name(e->op), e->pid, e->tid, e->uid, comm);
	if (e->op == WX_OP_MMAP || e->op == WX_OP_MPROTECT ||
	    e->op == WX_OP_BRK) {
		prot_text(e->prot, prot);
		printf(" prot=%s", prot);
	}
	if (e->flags)
		printf(" flags=0x%x", e->flags);
	if (e->op == WX_OP_MPROTECT)
		printf(" addr=0x%llx len=%llu", (unsigned long long)e->addr,
		       (unsigned long long)e->len);
	if (e->op == WX_OP_PTRACE || e->op == WX_OP_TRACEME)
		printf(" target=%u", e->target);
	if (e->exe_ino) {
		file_text(e->pid, comm, e->exe_ino, e->exe_dev, path,
			  sizeof(path));
		print_path("exe", path);
	}
	if (e->ino) {
		file_text(e->pid, comm, e->ino, e->dev, path, sizeof(path));
		print_path("file", path);
	}
	putchar('\n');
	return 0;
}

int cmd_events(int argc, char **argv)
{
	struct ring_buffer *rb;
	bool follow = false;
	int fd, err = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--follow") || !strcmp(argv[i], "-f"))
			follow = true;
		else
			return fail("events: unknown argument '%s' (only --follow)",
				    argv[i]);
	}
	if (require_root("events"))
		return 1;
	fd = bpf_obj_get(WX_PIN_DIR "/events");
	if (fd < 0)
		return errno == ENOENT ? fail("enforcement is not active") :
		       fail("cannot open %s/events: %s", WX_PIN_DIR,
			    strerror(errno));
	rb = ring_buffer__new(fd, print_event, NULL, NULL);
	if (!rb) {
		err = fail("cannot read the event ring buffer: %s",
			   strerror(errno));
		goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!follow) {
		if (ring_buffer__consume(rb) < 0)
			err = fail("cannot read events: %s", strerror(errno));
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop) {
		int n = ring_buffer__poll(rb, 500);

		if (n < 0 && n != -EINTR) {
			err = fail("cannot read events: %s", strerror(-n));
			break;
		}
		if (access(WX_PIN_DIR, F_OK))
			break;	/* released */
	}
out:
	ring_buffer__free(rb);
	close(fd);
	return err;
}
