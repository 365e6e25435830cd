/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W^X enforcement: what the BPF LSM program (wxorx.bpf.c) and jitsealctl
 * share.  Included by both sides, so only fixed-size types.
 */
#ifndef JITSEAL_WXORX_H
#define JITSEAL_WXORX_H

/* Where `jitsealctl enforce` pins its links and maps (bpffs). */
#define WX_PIN_DIR		"/sys/fs/bpf/jitseal"

/*
 * JITSEAL_FS_MAGIC of <linux/jitseal.h> (which the BPF side cannot
 * include next to vmlinux.h): the module's own mount, where map-only files
 * of pools live.  status.c checks that the two agree.
 */
#define WX_JITSEAL_FS_MAGIC	0x6a736561

/* Bumped whenever struct wx_config or struct wx_event changes. */
#define WX_ABI_VERSION		2

/*
 * The rules.  The order is the ABI of the counters map and of events;
 * append only.  Names are in rules.c.
 */
enum wx_rule {
	WX_RULE_WX,		/* asks for write and exec together */
	WX_RULE_EXEC_ANON,	/* exec on anonymous memory (heap, stack, ...) */
	WX_RULE_EXEC_WRITTEN,	/* adds exec to memory that is or was written */
	WX_RULE_EXEC_WRITER,	/* exec mapping of a file open for writing */
	WX_RULE_EXEC_MEMFD,	/* exec mapping of an unsealed memory-only file */
	WX_RULE_EXEC_DEVICE,	/* exec mapping of a device but /dev/jitseal */
	WX_RULE_WRITE_EXEC,	/* write open of a file mapped exec in scope */
	WX_RULE_PROC_MEM,	/* write open of /proc/PID/mem */
	WX_RULE_PTRACE,		/* ptrace attach by a confined tracer */
	WX_RULE_IMPLIED_EXEC,	/* READ_IMPLIES_EXEC or an executable stack */
	WX_RULE_USERFAULTFD,	/* a userfaultfd: fills pages of exec mappings */
	WX_NR_RULES,
};

/* Counters: one per rule, then these. */
enum wx_counter {
	WX_CNT_EVENTS_LOST = WX_NR_RULES,	/* ring buffer was full */
	WX_CNT_TRACK_FAILED,			/* --pid: a fork not recorded */
	WX_CNT_EXEMPTED,			/* allowed: exempted executable */
	WX_NR_COUNTERS,
};

enum wx_scope {
	WX_SCOPE_ALL = 1,
	WX_SCOPE_CGROUP,
	WX_SCOPE_PID,
};

enum wx_mode {
	WX_MODE_ENFORCE = 1,
	WX_MODE_AUDIT,
};

/* What the event was about: which hook saw it. */
enum wx_op {
	WX_OP_MMAP = 1,
	WX_OP_MPROTECT,
	WX_OP_OPEN,
	WX_OP_PTRACE,
	WX_OP_TRACEME,
	WX_OP_EXEC,
	WX_OP_BRK,
	WX_OP_USERFAULTFD,
};

#define WX_PATH_MAX		192

/* Per-executable exemptions (`jitsealctl exempt`), values of "exempt". */
enum wx_exempt_mode {
	WX_EXEMPT_FULL = 1,	/* outside the rules */
	WX_EXEMPT_AUDIT,	/* the rules only report, as in audit mode */
};

/*
 * An executable file, as the kernel sees it: the inode, its superblock,
 * and its change time, so that a new file that gets the same inode number
 * (or a rewrite in place) does not inherit the exemption.
 */
struct wx_exe_key {
	__u64 ino;
	__s64 ctime_sec;
	__u32 ctime_nsec;
	__u32 dev;		/* the superblock's kernel dev_t */
};

struct wx_exempt {
	__u32 mode;		/* enum wx_exempt_mode */
	__u32 pad;
	char path[WX_PATH_MAX];	/* as exempted, for exemptions to list */
};

#define WX_EXEMPT_MAX		1024

#define WX_COMM_LEN		16

/*
 * Set once at load time (the program's .rodata, read back by `status`
 * from the pinned "config" map).  It is the only variable in .rodata.
 */
struct wx_config {
	__u32 abi_version;
	__u32 mode;		/* enum wx_mode */
	__u32 scope;		/* enum wx_scope */
	__u32 jitseal_rdev;	/* kernel dev_t of /dev/jitseal, 0: none */
	__u64 cgroup_id;	/* WX_SCOPE_CGROUP: the subtree's root ... */
	__u32 cgroup_level;	/* ... and its depth below the cgroup2 root */
	__u32 root_pid;		/* WX_SCOPE_PID: the process given */
	__u64 enforced_at;	/* CLOCK_REALTIME seconds, for status */
	char scope_path[WX_PATH_MAX];	/* WX_SCOPE_CGROUP: the path given */
};

/* --pid scope: one entry per confined process (thread group). */
struct wx_proc_key {
	__u32 tgid;
	__u32 pad;
	__u64 start_time;	/* of the group leader, ns: tells pid reuse */
};

/* One refused (enforce) or would-be-refused (audit) operation. */
struct wx_event {
	__u64 boot_ns;		/* CLOCK_BOOTTIME */
	__u64 addr;		/* mprotect: start of the range */
	__u64 len;		/* mprotect: length of the VMA range */
	__u64 ino;		/* inode, when a file is involved */
	__u32 dev;		/* its superblock's kernel dev_t */
	__u32 pid;		/* thread group id */
	__u32 tid;
	__u32 uid;
	__u32 rule;		/* enum wx_rule */
	__u32 op;		/* enum wx_op */
	__u32 prot;		/* PROT_* asked for (mmap, mprotect) */
	__u32 flags;		/* mmap flags; ptrace: mode; open: f_mode */
	__u32 target;		/* ptrace: the other task's pid */
	__u32 denied;		/* 1: refused (enforce), 0: audit only */
	char comm[WX_COMM_LEN];
	__u64 exe_ino;		/* the task's executable, for its path */
	__u32 exe_dev;
	__u32 pad;
};

/*
 * The enforcement lock (wxlock.bpf.c): loaded when the module's policy is
 * locked while enforcement is active (or enforcement starts on a locked
 * policy).  Its .rodata, pinned as "lock_config", says what it guards.
 */
#define WX_LOCK_MAPS		8

struct wx_lock_config {
	__u32 abi_version;	/* WX_ABI_VERSION */
	__u32 bpffs_dev;	/* kernel dev_t of the bpffs holding WX_PIN_DIR */
	__u64 pin_dir_ino;	/* WX_PIN_DIR's inode there */
	__u64 locked_at;	/* CLOCK_REALTIME seconds, for status */
	__u32 sealed[WX_LOCK_MAPS];	/* map ids: no new fd at all */
	__u32 rdonly[WX_LOCK_MAPS];	/* map ids: read-only fds only */
	__u32 nexempt;		/* the exemptions in force when locked */
	__u32 pad;
	struct wx_exe_key exempt[WX_EXEMPT_MAX];
	struct wx_exempt exempt_mode[WX_EXEMPT_MAX];
};

#endif /* JITSEAL_WXORX_H */
