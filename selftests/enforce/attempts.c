// SPDX-License-Identifier: GPL-2.0
/* The workloads of attempts.h. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <pthread.h>
#include <linux/jitseal.h>

#include "attempts.h"

#define PAGE	4096

/* mov eax, 42; ret */
static const unsigned char code42[] = { 0xb8, 42, 0, 0, 0, 0xc3 };

static int call42(void *p)
{
	return ((int (*)(void))p)() == 42 ? 0 : WRONG_RESULT;
}

static void *anon(int prot)
{
	return mmap(NULL, PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* The classic JIT: write the code, then flip the page to read+exec. */
static int mprotect_jit(void)
{
	void *p = anon(PROT_READ | PROT_WRITE);

	if (p == MAP_FAILED)
		return SETUP_FAILED;
	memcpy(p, code42, sizeof(code42));
	if (mprotect(p, PAGE, PROT_READ | PROT_EXEC))
		return errno;
	return call42(p);
}

static int mprotect_rwx(void)
{
	void *p = anon(PROT_READ | PROT_WRITE);

	if (p == MAP_FAILED)
		return SETUP_FAILED;
	memcpy(p, code42, sizeof(code42));
	if (mprotect(p, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC))
		return errno;
	return call42(p);
}

static int mmap_rwx(void)
{
	void *p = anon(PROT_READ | PROT_WRITE | PROT_EXEC);

	if (p == MAP_FAILED)
		return errno;
	memcpy(p, code42, sizeof(code42));
	return call42(p);
}

static int mmap_anon_exec(void)
{
	return anon(PROT_READ | PROT_EXEC) == MAP_FAILED ? errno : 0;
}

/* A file holding code42, closed: nobody has it open for writing. */
static int code_file(char *path)
{
	int fd;

	strcpy(path, "/tmp/wx-code-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, code42, sizeof(code42)) != sizeof(code42) ||
	    ftruncate(fd, PAGE) || close(fd))
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* ld.so style: a clean private file mapping made executable: allowed. */
static int file_clean_exec(void)
{
	char path[32];
	int fd = code_file(path), err;
	void *p;

	if (fd < 0)
		return SETUP_FAILED;
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return SETUP_FAILED;
	err = mprotect(p, PAGE, PROT_READ | PROT_EXEC) ? errno : call42(p);
	unlink(path);
	return err;
}

/* Text relocation style: a private file page written, then made exec. */
static int file_written_exec(void)
{
	char path[32];
	int fd = code_file(path);
	unsigned char *p;

	if (fd < 0)
		return SETUP_FAILED;
	unlink(path);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return SETUP_FAILED;
	p[1] = 42;
	if (mprotect(p, PAGE, PROT_READ))
		return SETUP_FAILED;
	if (mprotect(p, PAGE, PROT_READ | PROT_EXEC))
		return errno;
	return call42(p);
}

/* Map a file executable, then try to open it for writing. */
static int file_exec_then_write(void)
{
	char path[32];
	int fd = code_file(path), wfd, err = 0;

	if (fd < 0)
		return SETUP_FAILED;
	if (mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) ==
	    MAP_FAILED)
		return SETUP_FAILED;
	wfd = open(path, O_RDWR | O_CLOEXEC);
	if (wfd < 0)
		err = errno;
	else
		close(wfd);
	unlink(path);
	return err;
}

/* The 2005 seed: write code to a temp file, map it exec, writer open. */
static int tempfile_writer_open(void)
{
	char path[32] = "/tmp/wx-temp-XXXXXX";
	int wfd = mkstemp(path), rfd;
	void *p;

	if (wfd < 0)
		return SETUP_FAILED;
	if (write(wfd, code42, sizeof(code42)) != sizeof(code42))
		return SETUP_FAILED;
	rfd = open(path, O_RDONLY | O_CLOEXEC);
	unlink(path);
	if (rfd < 0)
		return SETUP_FAILED;
	p = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, rfd, 0);
	if (p == MAP_FAILED)
		return errno;
	return call42(p);
}

/* Same, writer closed first: writing files is not W^X's business. */
static int tempfile_writer_closed(void)
{
	char path[32];
	int fd = code_file(path);
	void *p;

	if (fd < 0)
		return SETUP_FAILED;
	unlink(path);
	p = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return errno;
	return call42(p);
}

/* The memfd dual map: one RW view for the JIT, one RX view to run. */
static int memfd_dual_map(void)
{
	int fd = memfd_create("wx-dual", MFD_CLOEXEC);
	void *w, *x;

	if (fd < 0 || ftruncate(fd, PAGE))
		return SETUP_FAILED;
	w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (w == MAP_FAILED)
		return SETUP_FAILED;
	memcpy(w, code42, sizeof(code42));
	x = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	if (x == MAP_FAILED)
		return errno;
	return call42(x);
}

static int memfd_with_code(unsigned int flags)
{
	int fd = memfd_create("wx-code", MFD_CLOEXEC | flags);

	if (fd < 0 || write(fd, code42, sizeof(code42)) != sizeof(code42) ||
	    ftruncate(fd, PAGE))
		return -1;
	return fd;
}

/* No second mapping, but the memfd itself stays writable. */
static int memfd_unsealed(void)
{
	int fd = memfd_with_code(0);
	void *x;

	if (fd < 0)
		return SETUP_FAILED;
	x = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (x == MAP_FAILED)
		return errno;
	return call42(x);
}

/* Write-sealed: its content is final, like a file nobody can write. */
static int memfd_sealed(void)
{
	int fd = memfd_with_code(MFD_ALLOW_SEALING);
	void *x;

	if (fd < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
			    F_SEAL_SHRINK | F_SEAL_SEAL))
		return SETUP_FAILED;
	x = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (x == MAP_FAILED)
		return errno;
	return call42(x);
}

static int dev_zero_exec(void)
{
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return SETUP_FAILED;
	if (mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) ==
	    MAP_FAILED)
		return errno;
	return 0;
}

static int proc_mem_write(void)
{
	int fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return SETUP_FAILED;	/* reading stays allowed */
	close(fd);
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int ptrace_attach(void)
{
	pid_t pid = fork();
	int err = 0;

	if (pid < 0)
		return SETUP_FAILED;
	if (pid == 0) {
		pause();
		_exit(0);
	}
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL))
		err = errno;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return err;
}

static int ptrace_traceme(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return SETUP_FAILED;
	if (pid == 0)
		_exit(ptrace(PTRACE_TRACEME, 0, NULL, NULL) ? errno : 0);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return SETUP_FAILED;
	return WEXITSTATUS(status);
}

/* UFFDIO_COPY writes into mappings without asking for write access. */
static int userfaultfd(void)
{
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* READ_IMPLIES_EXEC makes brk() memory RWX without any mmap call. */
static int brk_implied_exec(void)
{
	if (personality(personality(0xffffffff) | READ_IMPLIES_EXEC) < 0)
		return SETUP_FAILED;
	return sbrk(16 * PAGE) == (void *)-1 ? errno : 0;
}

/* Fork, exec, and return the exit status (128 + signal if killed). */
static int run_program(char *const argv[], int out_fd)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return SETUP_FAILED;
	if (pid == 0) {
		if (out_fd >= 0)
			dup2(out_fd, STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return SETUP_FAILED;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
	       128 + WTERMSIG(status);
}

static char *self_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	*strrchr(buf, '/') = '\0';
	return buf;
}

/* Exec a helper of this directory: confinement survives fork and exec. */
static int run_helper(const char *name, const char *arg)
{
	char dir[4096], path[4200];
	char *argv[] = { path, (char *)arg, NULL };

	if (!self_dir(dir, sizeof(dir)))
		return SETUP_FAILED;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return run_program(argv, -1);
}

/* A grandchild forked now, that runs mprotect_jit when waiter_jit asks. */
static pid_t waiter;
static int waiter_go = -1, waiter_res = -1;

static int fork_waiter(void)
{
	int go[2], res[2];
	char c;

	if (pipe(go) || pipe(res))
		return SETUP_FAILED;
	waiter = fork();
	if (waiter < 0)
		return SETUP_FAILED;
	if (waiter == 0) {
		int rc = SETUP_FAILED;

		if (read(go[0], &c, 1) == 1)
			rc = mprotect_jit();
		_exit(write(res[1], &rc, sizeof(rc)) == sizeof(rc) ? 0 : 1);
	}
	close(go[0]);
	close(res[1]);
	waiter_go = go[1];
	waiter_res = res[0];
	return 0;
}

static int waiter_jit(void)
{
	int rc = SETUP_FAILED;

	if (waiter <= 0 || write(waiter_go, "g", 1) != 1 ||
	    read(waiter_res, &rc, sizeof(rc)) != sizeof(rc))
		rc = SETUP_FAILED;
	waitpid(waiter, NULL, 0);
	return rc;
}

/* Fileless execution: exec a program from an unsealed memfd. */
static int memfd_execveat(void)
{
	char dir[4096], path[4200], buf[65536];
	char *argv[] = { "wx_attempt", "shell", NULL }, *envp[] = { NULL };
	int in, mfd, status;
	ssize_t n;
	pid_t pid;

	if (!self_dir(dir, sizeof(dir)))
		return SETUP_FAILED;
	snprintf(path, sizeof(path), "%s/wx_attempt", dir);
	in = open(path, O_RDONLY | O_CLOEXEC);
	mfd = memfd_create("wx-exec", 0);
	if (in < 0 || mfd < 0)
		return SETUP_FAILED;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, n) != n)
			return SETUP_FAILED;
	close(in);
	pid = fork();
	if (pid < 0)
		return SETUP_FAILED;
	if (pid == 0) {
		syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
		_exit(errno);
	}
	close(mfd);
	if (waitpid(pid, &status, 0) != pid)
		return SETUP_FAILED;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int exec_mprotect_jit(void)
{
	return run_helper("wx_attempt", "mprotect_jit");
}

static void *thread_jit(void *arg)
{
	*(int *)arg = mprotect_jit();
	return NULL;
}

/* A new thread of a confined process is confined. */
static int thread_mprotect_jit(void)
{
	pthread_t t;
	int rc = SETUP_FAILED;

	if (pthread_create(&t, NULL, thread_jit, &rc) || pthread_join(t, NULL))
		return SETUP_FAILED;
	return rc;
}

static void *thread_execs(void *arg)
{
	char *path = arg;
	char *argv[] = { path, "mprotect_jit", NULL };

	execv(path, argv);
	_exit(SETUP_FAILED);
}

/*
 * A thread that is not the leader calls exec: the kernel makes it the
 * leader (de_thread).  The process stays confined.
 */
static int thread_exec(void)
{
	char dir[4096], path[4200];
	pthread_t t;
	pid_t pid;
	int status;

	if (!self_dir(dir, sizeof(dir)))
		return SETUP_FAILED;
	snprintf(path, sizeof(path), "%s/wx_attempt", dir);
	pid = fork();
	if (pid < 0)
		return SETUP_FAILED;
	if (pid == 0) {
		if (pthread_create(&t, NULL, thread_execs, path))
			_exit(SETUP_FAILED);
		pause();
		_exit(SETUP_FAILED);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return SETUP_FAILED;
	return WEXITSTATUS(status);
}

static int execstack(void)
{
	return run_helper("wx_execstack", NULL);
}

static int python(void)
{
	char *argv[] = { "python3", "-c", "print(6 * 7)", NULL };
	char out[16] = "";
	int p[2], rc;

	if (pipe(p))
		return SETUP_FAILED;
	rc = run_program(argv, p[1]);
	close(p[1]);
	if (read(p[0], out, sizeof(out) - 1) < 0)
		rc = SETUP_FAILED;
	close(p[0]);
	return rc ? rc : strcmp(out, "42\n") ? WRONG_RESULT : 0;
}

static int shell(void)
{
	char *argv[] = { "sh", "-c", "true && exit 0", NULL };

	return run_program(argv, -1);
}

static int dlopen_libm(void)
{
	double (*cosine)(double);
	void *h = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return SETUP_FAILED;
	cosine = (double (*)(double))dlsym(h, "cos");
	return cosine && cosine(0.0) == 1.0 ? 0 : WRONG_RESULT;
}

static int exec_dlopen(void)
{
	return run_helper("wx_attempt", "dlopen");
}

/* The raw device ABI: SETUP, map read+exec, LOAD, call. */
static int jitseal_raw(void)
{
	struct jitseal_setup setup = {
		.size = sizeof(setup), .code_bytes = PAGE,
	};
	struct jitseal_segment seg = {
		.src = (unsigned long)code42, .len = sizeof(code42),
		.prot = JITSEAL_PROT_RX,
	};
	struct jitseal_load load = {
		.size = sizeof(load), .segments = (unsigned long)&seg,
		.nr_segments = 1, .segment_size = sizeof(seg),
	};
	int fd = open(JITSEAL_DEVICE, O_RDWR | O_CLOEXEC);
	void *x;

	if (fd < 0 || ioctl(fd, JITSEAL_IOC_SETUP, &setup))
		return SETUP_FAILED;
	x = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	if (x == MAP_FAILED)
		return errno;
	if (ioctl(fd, JITSEAL_IOC_LOAD, &load))
		return errno;
	return call42(x);
}

/* The device stays openable for writing once mapped executable. */
static int jitseal_raw_twice(void)
{
	int rc = jitseal_raw();

	return rc ? rc : jitseal_raw();
}

static const struct {
	const char *name;
	int (*fn)(void);
} attempts[] = {
	{ "mprotect_jit", mprotect_jit },
	{ "mprotect_rwx", mprotect_rwx },
	{ "mmap_rwx", mmap_rwx },
	{ "mmap_anon_exec", mmap_anon_exec },
	{ "file_clean_exec", file_clean_exec },
	{ "file_written_exec", file_written_exec },
	{ "file_exec_then_write", file_exec_then_write },
	{ "tempfile_writer_open", tempfile_writer_open },
	{ "tempfile_writer_closed", tempfile_writer_closed },
	{ "memfd_dual_map", memfd_dual_map },
	{ "memfd_unsealed", memfd_unsealed },
	{ "memfd_sealed", memfd_sealed },
	{ "dev_zero_exec", dev_zero_exec },
	{ "proc_mem_write", proc_mem_write },
	{ "ptrace_attach", ptrace_attach },
	{ "ptrace_traceme", ptrace_traceme },
	{ "brk_implied_exec", brk_implied_exec },
	{ "execstack", execstack },
	{ "exec_mprotect_jit", exec_mprotect_jit },
	{ "thread_mprotect_jit", thread_mprotect_jit },
	{ "memfd_execveat", memfd_execveat },
	{ "fork_waiter", fork_waiter },
	{ "waiter_jit", waiter_jit },
	{ "thread_exec", thread_exec },
	{ "python", python },
	{ "shell", shell },
	{ "dlopen", dlopen_libm },
	{ "exec_dlopen", exec_dlopen },
	{ "jitseal_raw", jitseal_raw },
	{ "jitseal_raw_twice", jitseal_raw_twice },
	{ "userfaultfd", userfaultfd },
};

int run_attempt(const char *name)
{
	for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++)
		if (!strcmp(attempts[i].name, name))
			return attempts[i].fn();
	fprintf(stderr, "unknown attempt %s\n", name);
	return SETUP_FAILED;
}
