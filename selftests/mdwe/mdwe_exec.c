// SPDX-License-Identifier: GPL-2.0
/*
 * mdwe_exec SWITCH COMMAND [ARGS...]: run COMMAND under one of mainline's
 * W^X switches, as a service manager would start it.
 *   prctl    prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN) (Linux 6.3+);
 *            inherited across fork and execve
 *   seccomp  the seccomp filter of systemd 252's MemoryDenyWriteExecute=yes
 *            (src/shared/seccomp-util.c): EPERM for mmap() asking for
 *            PROT_WRITE|PROT_EXEC, for mprotect() and pkey_mprotect()
 *            asking for PROT_EXEC, and for shmat() with SHM_EXEC
 * mdwe_exec SWITCH --check: exit 0 when, under SWITCH, mprotect() cannot
 * make a page executable (the switch is in force), 1 when it can.
 * Exit 4: the kernel has no such switch (prctl before 6.3); 3: setup failed.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <unistd.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE			65
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN	(1UL << 0)
#endif
#ifndef SHM_EXEC
#define SHM_EXEC			0100000
#endif

#define NO_SWITCH	4
#define SETUP_FAILED	3

static int set_mdwe(void)
{
	if (!prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L))
		return 0;
	fprintf(stderr, "mdwe_exec: PR_SET_MDWE: %s\n", strerror(errno));
	return errno == EINVAL ? NO_SWITCH : SETUP_FAILED;
}

/* Refuse @nr when the argument @arg has all bits of @mask set. */
static int deny(scmp_filter_ctx ctx, const char *name, unsigned int arg,
		scmp_datum_t mask)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;	/* not on this architecture */
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
				SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, mask, mask));
}

static int set_seccomp(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int err;

	if (!ctx) {
		fprintf(stderr, "mdwe_exec: seccomp_init failed\n");
		return SETUP_FAILED;
	}
	err = deny(ctx, "mmap", 2, PROT_WRITE | PROT_EXEC);
	if (!err)
		err = deny(ctx, "mmap2", 2, PROT_WRITE | PROT_EXEC);
	if (!err)
		err = deny(ctx, "mprotect", 2, PROT_EXEC);
	if (!err)
		err = deny(ctx, "pkey_mprotect", 2, PROT_EXEC);
	if (!err)
		err = deny(ctx, "shmat", 2, SHM_EXEC);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err) {
		fprintf(stderr, "mdwe_exec: seccomp: %s\n", strerror(-err));
		return SETUP_FAILED;
	}
	return 0;
}

/* 0 when mprotect() cannot make a written page executable. */
static int check(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return SETUP_FAILED;
	p[0] = 0;
	if (!mprotect(p, page, PROT_READ | PROT_EXEC))
		return 1;
	printf("mdwe_exec: mprotect(PROT_READ|PROT_EXEC): %s\n",
	       strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	int err;

	if (argc < 3) {
		fprintf(stderr, "usage: mdwe_exec prctl|seccomp --check|COMMAND [ARGS...]\n");
		return 2;
	}
	if (!strcmp(argv[1], "prctl")) {
		err = set_mdwe();
	} else if (!strcmp(argv[1], "seccomp")) {
		err = set_seccomp();
	} else {
		fprintf(stderr, "mdwe_exec: unknown switch '%s' (prctl, seccomp)\n",
			argv[1]);
		return 2;
	}
	if (err)
		return err;
	if (!strcmp(argv[2], "--check"))
		return check();
	execvp(argv[2], argv + 2);
	fprintf(stderr, "mdwe_exec: %s: %s\n", argv[2], strerror(errno));
	return SETUP_FAILED;
}
