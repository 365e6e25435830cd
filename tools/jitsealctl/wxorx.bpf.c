// SPDX-License-Identifier: GPL-2.0
/*
 * W^X for confined tasks, PaX MPROTECT style, as a BPF LSM.
 *
 * A confined task may not create executable memory other than by mapping
 * files nobody can write, or /dev/jitseal.  Each rule below returns
 * -EACCES in enforce mode; in audit mode it only reports.  Every decision
 * that refuses (or would refuse) is counted and sent to the ring buffer.
 * Documentation/admin-guide/jitseal-enforcement.rst explains each rule and
 * the holes that remain.
 *
 * Built against the guest kernel's BTF (vmlinux.h), CO-RE relocated.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "wxorx.h"

char LICENSE[] SEC("license") = "GPL";

/* Not in BTF: plain macros of the kernel and uapi headers. */
#define EACCES			13
#define MAX_ERRNO		4095
#define ENOMEM			12
#define SIGKILL			9
#define PROT_WRITE		0x2
#define PROT_EXEC		0x4
#define VM_WRITE		0x00000002UL
#define VM_EXEC			0x00000004UL
#define FMODE_WRITE		0x2
#define PTRACE_MODE_ATTACH	0x02
#define READ_IMPLIES_EXEC	0x0400000
#define SB_KERNMOUNT		(1UL << 22)
#define TMPFS_MAGIC		0x01021994
#define HUGETLBFS_MAGIC		0x958458f6
#define F_SEAL_WRITE		0x0008
#define S_IFMT			00170000
#define S_IFCHR			0020000
#define S_IFBLK			0060000

const volatile struct wx_config cfg = {};

/* Set when a --pid scope fork could not be recorded: fail closed. */
int track_failed;

/* The open-file operations of /proc/PID/mem (fs/proc/base.c). */
extern const void proc_mem_operations __ksym;

/* --pid scope: confined thread groups. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);	/* sized from threads-max at load */
	__type(key, struct wx_proc_key);
	__type(value, __u8);
} procs SEC(".maps");

/* Inodes a confined task has mapped executable: no new writers. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} exec_inodes SEC(".maps");

/* Exempted executables, filled by jitsealctl (exempt, apply). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WX_EXEMPT_MAX);
	__type(key, struct wx_exe_key);
	__type(value, struct wx_exempt);
} exempt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WX_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* 6.1.0 up to some stable releases: ancestor ids instead of pointers. */
struct cgroup___ids {
	int level;
	u64 ancestor_ids[];
} __attribute__((preserve_access_index));

/* Where the inode's change time lives (CO-RE: the running kernel decides). */
struct inode___ctime_v66 {	/* v6.6 renamed i_ctime behind accessors */
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct inode___ctime_v611 {	/* v6.11 split it into two fields */
	time64_t i_ctime_sec;
	u32 i_ctime_nsec;
} __attribute__((preserve_access_index));

static __always_inline void count(__u32 idx)
{
	__u64 *n = bpf_map_lookup_elem(&counters, &idx);

	if (n)
		*n += 1;
}

/* Is @t in the --cgroup subtree?  For tasks other than current. */
static __always_inline bool task_in_cgroup(struct task_struct *t)
{
	struct cgroup *cg = BPF_CORE_READ(t, cgroups, dfl_cgrp);
	__u32 lvl = cfg.cgroup_level;
	__u64 id = 0;

	if (!cg || BPF_CORE_READ(cg, level) < (int)lvl || lvl > 4096)
		return false;
	if (bpf_core_field_exists(cg->ancestors)) {
		struct cgroup *anc = NULL;

		bpf_core_read(&anc, sizeof(anc), &cg->ancestors[lvl]);
		id = BPF_CORE_READ(anc, kn, id);
	} else {
		struct cgroup___ids *old = (void *)cg;

		bpf_core_read(&id, sizeof(id), &old->ancestor_ids[lvl]);
	}
	return id == cfg.cgroup_id;
}

static __always_inline bool task_in_procs(struct task_struct *t)
{
	struct wx_proc_key key = {
		.tgid = BPF_CORE_READ(t, tgid),
		.start_time = BPF_CORE_READ(t, group_leader, start_time),
	};

	return !!bpf_map_lookup_elem(&procs, &key);
}

static __always_inline bool task_confined(struct task_struct *t)
{
	switch (cfg.scope) {
	case WX_SCOPE_ALL:
		return true;
	case WX_SCOPE_CGROUP:
		return task_in_cgroup(t);
	case WX_SCOPE_PID:
		return track_failed || task_in_procs(t);
	}
	return true;
}

static __always_inline bool current_confined(void)
{
	if (cfg.scope == WX_SCOPE_CGROUP)
		return bpf_get_current_ancestor_cgroup_id(cfg.cgroup_level) ==
		       cfg.cgroup_id;
	return task_confined(bpf_get_current_task_btf());
}

struct wx_what {
	__u32 op;
	__u32 prot;
	__u32 flags;
	__u32 target;
	__u64 addr;
	__u64 len;
	struct inode *inode;
};

/* The inode's ctime, as stat() gives it, on every kernel of the matrix. */
static __always_inline void inode_ctime(struct inode *inode,
					struct wx_exe_key *key)
{
	struct inode___ctime_v611 *v611 = (void *)inode;
	struct inode___ctime_v66 *v66 = (void *)inode;

	if (bpf_core_field_exists(v611->i_ctime_sec)) {
		key->ctime_sec = BPF_CORE_READ(v611, i_ctime_sec);
		key->ctime_nsec = BPF_CORE_READ(v611, i_ctime_nsec);
	} else if (bpf_core_field_exists(v66->__i_ctime)) {
		key->ctime_sec = BPF_CORE_READ(v66, __i_ctime.tv_sec);
		key->ctime_nsec = BPF_CORE_READ(v66, __i_ctime.tv_nsec);
	} else {
		key->ctime_sec = BPF_CORE_READ(inode, i_ctime.tv_sec);
		key->ctime_nsec = BPF_CORE_READ(inode, i_ctime.tv_nsec);
	}
}

/*
 * An earlier BPF program's refusal on this hook, passed on.  The verifier
 * of v6.12+ (bpf_lsm_get_retval_range()) refuses an LSM program that may
 * return anything outside [-MAX_ERRNO, 0], and @ret comes from the context
 * unbounded: two separate checks give it bounds the verifier can follow.
 */
static __always_inline int earlier(int ret)
{
	if (ret > 0)
		return -EACCES;
	barrier_var(ret);
	if (ret < -MAX_ERRNO)
		return -EACCES;
	return ret;
}

/*
 * The exemption of the current task's executable (mm->exe_file), 0 for
 * none.  What it execs runs another executable: no inheritance.
 */
static __always_inline __u32 exe_exemption(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct wx_exe_key key = {};
	struct wx_exempt *x;
	struct inode *inode;

	inode = BPF_CORE_READ(t, mm, exe_file, f_inode);
	if (!inode)
		return 0;
	key.ino = BPF_CORE_READ(inode, i_ino);
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	inode_ctime(inode, &key);
	x = bpf_map_lookup_elem(&exempt, &key);
	return x ? x->mode : 0;
}

/* Count and report one refusal; the verdict depends on the mode. */
static __always_inline int refuse(enum wx_rule rule, const struct wx_what *w)
{
	bool deny = cfg.mode != WX_MODE_AUDIT;
	struct inode *inode = w->inode;
	struct wx_event *e;

	switch (exe_exemption()) {
	case WX_EXEMPT_FULL:
		count(WX_CNT_EXEMPTED);
		return 0;
	case WX_EXEMPT_AUDIT:
		deny = false;
		break;
	}
	count(rule);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(WX_CNT_EVENTS_LOST);
		return deny ? -EACCES : 0;
	}
	e->boot_ns = bpf_ktime_get_boot_ns();
	e->addr = w->addr;
	e->len = w->len;
	e->ino = inode ? BPF_CORE_READ(inode, i_ino) : 0;
	e->dev = inode ? BPF_CORE_READ(inode, i_sb, s_dev) : 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->rule = rule;
	e->op = w->op;
	e->prot = w->prot;
	e->flags = w->flags;
	e->target = w->target;
	e->denied = deny;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	inode = BPF_CORE_READ(bpf_get_current_task_btf(), mm, exe_file, f_inode);
	e->exe_ino = inode ? BPF_CORE_READ(inode, i_ino) : 0;
	e->exe_dev = inode ? BPF_CORE_READ(inode, i_sb, s_dev) : 0;
	bpf_ringbuf_submit(e, 0);
	return deny ? -EACCES : 0;
}

/* F_SEAL_WRITE on a memfd (shmem or hugetlbfs inode)? */
static __always_inline bool write_sealed(struct inode *inode, long magic)
{
	unsigned int seals = 0;
	void *base;

	if (magic == TMPFS_MAGIC) {
		base = (void *)inode -
		       bpf_core_field_offset(struct shmem_inode_info, vfs_inode);
		bpf_core_read(&seals, sizeof(seals),
			      &((struct shmem_inode_info *)base)->seals);
	} else if (magic == HUGETLBFS_MAGIC) {
		base = (void *)inode -
		       bpf_core_field_offset(struct hugetlbfs_inode_info,
					     vfs_inode);
		bpf_core_read(&seals, sizeof(seals),
			      &((struct hugetlbfs_inode_info *)base)->seals);
	}
	return seals & F_SEAL_WRITE;
}

/* The only device whose mappings may be executable is /dev/jitseal. */
static __always_inline bool is_device(struct inode *inode, bool *jitseal)
{
	umode_t fmt = BPF_CORE_READ(inode, i_mode) & S_IFMT;

	*jitseal = fmt == S_IFCHR && cfg.jitseal_rdev &&
		   BPF_CORE_READ(inode, i_rdev) == cfg.jitseal_rdev;
	return fmt == S_IFCHR || fmt == S_IFBLK;
}

/* Can @inode's content change under an exec mapping?  The rule, or -1. */
static __always_inline int writer_rule(struct inode *inode)
{
	struct super_block *sb;

	/* Open for writing anywhere, or shared-mapped through such a file. */
	if (BPF_CORE_READ(inode, i_writecount.counter) > 0 ||
	    BPF_CORE_READ(inode, i_mapping, i_mmap_writable.counter) > 0)
		return WX_RULE_EXEC_WRITER;
	/*
	 * Files of internal mounts (memfd, shared anonymous memory, SysV
	 * shm, memfd_secret) have writers the counts above do not see: the
	 * memfd itself.  Only a write seal makes their content final.
	 */
	sb = BPF_CORE_READ(inode, i_sb);
	if (BPF_CORE_READ(sb, s_flags) & SB_KERNMOUNT &&
	    !write_sealed(inode, BPF_CORE_READ(sb, s_magic)))
		return WX_RULE_EXEC_MEMFD;
	return -1;
}

/* Remember that @inode is mapped executable in scope.  False: no memory. */
static __always_inline bool mark_exec_inode(struct inode *inode)
{
	return !!bpf_inode_storage_get(&exec_inodes, inode, 0,
				       BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/* Exec asked for without PROT_EXEC: the READ_IMPLIES_EXEC personality. */
static __always_inline bool implied_exec(unsigned long reqprot,
					 unsigned long prot)
{
	return (prot & PROT_EXEC) && !(reqprot & PROT_EXEC);
}

/*
 * Exec on memory backed by @file (mmap, or mprotect adding exec): the file
 * rules, then remember the inode so that it gets no new writer.
 */
static __always_inline int exec_file(struct file *file, struct wx_what *w)
{
	struct inode *inode = file->f_inode;
	bool jitseal, marked;
	int rule;

	w->inode = inode;
	/* A pool's map-only file lives on the module's own mount (MAP_FD). */
	if (BPF_CORE_READ(inode, i_sb, s_magic) == WX_JITSEAL_FS_MAGIC)
		return 0;
	if (is_device(inode, &jitseal))
		return jitseal ? 0 : refuse(WX_RULE_EXEC_DEVICE, w);
	/*
	 * Mark first, count writers second: a write open increments the
	 * count before file_open checks the mark, so of a racing open and
	 * mmap at least one sees the other.
	 */
	marked = mark_exec_inode(inode);
	rule = writer_rule(inode);
	if (rule >= 0)
		return refuse(rule, w);
	if (!marked && cfg.mode != WX_MODE_AUDIT)
		return -ENOMEM;
	return 0;
}

/*
 * @file is NULL for anonymous memory, but verifiers that take every LSM
 * argument for a valid pointer (6.12 does) drop an `if (file)` test as
 * dead code and run the file path on NULL.  Whether there is a file is
 * therefore read through a probing load, which the verifier cannot fold.
 */
SEC("lsm/mmap_file")
int BPF_PROG(wx_mmap_file, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	struct wx_what w = { .op = WX_OP_MMAP, .prot = prot, .flags = flags };

	if (ret || !(prot & PROT_EXEC) || !current_confined())
		return earlier(ret);
	w.inode = BPF_CORE_READ(file, f_inode);
	if (implied_exec(reqprot, prot))
		return refuse(WX_RULE_IMPLIED_EXEC, &w);
	if (prot & PROT_WRITE)
		return refuse(WX_RULE_WX, &w);
	if (!w.inode)
		return refuse(WX_RULE_EXEC_ANON, &w);
	return exec_file(file, &w);
}

SEC("lsm/file_mprotect")
int BPF_PROG(wx_file_mprotect, struct vm_area_struct *vma,
	     unsigned long reqprot, unsigned long prot, int ret)
{
	struct wx_what w = { .op = WX_OP_MPROTECT, .prot = prot };
	unsigned long vm_flags;
	struct file *file;

	if (ret || !(prot & PROT_EXEC) || !current_confined())
		return earlier(ret);
	vm_flags = vma->vm_flags;
	file = vma->vm_file;
	w.addr = vma->vm_start;
	w.len = vma->vm_end - w.addr;
	w.flags = vm_flags;
	if (file)
		w.inode = file->f_inode;
	if (implied_exec(reqprot, prot) && !(vm_flags & VM_EXEC))
		return refuse(WX_RULE_IMPLIED_EXEC, &w);
	if (prot & PROT_WRITE)
		return refuse(WX_RULE_WX, &w);
	if (vm_flags & VM_EXEC)
		return 0;	/* exec stays, nothing is added */
	if (!file)
		return refuse(WX_RULE_EXEC_ANON, &w);
	/* Writable now, or has private (copied-on-write) pages. */
	if ((vm_flags & VM_WRITE) || vma->anon_vma)
		return refuse(WX_RULE_EXEC_WRITTEN, &w);
	return exec_file(file, &w);
}

SEC("lsm/file_open")
int BPF_PROG(wx_file_open, struct file *file, int ret)
{
	struct wx_what w = { .op = WX_OP_OPEN };
	unsigned int f_mode = file->f_mode;
	struct inode *inode = file->f_inode;

	if (ret || !(f_mode & FMODE_WRITE) || !current_confined())
		return earlier(ret);
	w.flags = f_mode;
	w.inode = inode;
	if ((__u64)BPF_CORE_READ(file, f_op) == (__u64)&proc_mem_operations)
		return refuse(WX_RULE_PROC_MEM, &w);
	if (bpf_inode_storage_get(&exec_inodes, inode, 0, 0))
		return refuse(WX_RULE_WRITE_EXEC, &w);
	return 0;
}

/* Attach, seize, and everything else that needs PTRACE_MODE_ATTACH. */
SEC("lsm/ptrace_access_check")
int BPF_PROG(wx_ptrace_access_check, struct task_struct *child,
	     unsigned int mode, int ret)
{
	struct wx_what w = { .op = WX_OP_PTRACE, .flags = mode };

	if (ret || !(mode & PTRACE_MODE_ATTACH) || !current_confined())
		return earlier(ret);
	w.target = BPF_CORE_READ(child, tgid);
	return refuse(WX_RULE_PTRACE, &w);
}

SEC("lsm/ptrace_traceme")
int BPF_PROG(wx_ptrace_traceme, struct task_struct *parent, int ret)
{
	struct wx_what w = { .op = WX_OP_TRACEME };

	if (ret || !task_confined(parent))
		return earlier(ret);
	w.target = BPF_CORE_READ(parent, tgid);
	return refuse(WX_RULE_PTRACE, &w);
}

/*
 * brk() takes VM_EXEC from READ_IMPLIES_EXEC without any mmap hook; its
 * address check is the only hook on the way.  A confined task with that
 * personality gets no new memory at all.
 */
SEC("lsm/mmap_addr")
int BPF_PROG(wx_mmap_addr, unsigned long addr, int ret)
{
	struct wx_what w = { .op = WX_OP_BRK, .addr = addr };
	struct task_struct *t = bpf_get_current_task_btf();

	if (ret || !(t->personality & READ_IMPLIES_EXEC) ||
	    !current_confined())
		return earlier(ret);
	return refuse(WX_RULE_IMPLIED_EXEC, &w);
}

/*
 * userfaultfd can fill missing pages of a mapping with bytes of the
 * caller's choosing (UFFDIO_COPY), without write permission on it: a way to
 * put new code into an executable mapping that no hook sees.  Confined
 * tasks get no userfaultfd (syscall or /dev/userfaultfd).
 */
SEC("lsm/inode_init_security_anon")
int BPF_PROG(wx_anon_inode, struct inode *inode, const struct qstr *name,
	     const struct inode *context_inode, int ret)
{
	static const char uffd[] = "[userfaultfd]";
	struct wx_what w = { .op = WX_OP_USERFAULTFD };
	char buf[sizeof(uffd)] = {};

	if (ret || !current_confined())
		return earlier(ret);
	bpf_probe_read_kernel_str(buf, sizeof(buf), BPF_CORE_READ(name, name));
	for (int i = 0; i < sizeof(uffd); i++)
		if (buf[i] != uffd[i])
			return 0;
	return refuse(WX_RULE_USERFAULTFD, &w);
}

static long stack_vma_flags(struct task_struct *t, struct vm_area_struct *vma,
			    void *ctx)
{
	*(unsigned long *)ctx = vma->vm_flags;
	return 0;
}

/*
 * execve() builds the stack without any hook: an executable stack
 * (PT_GNU_STACK with PF_X, or READ_IMPLIES_EXEC) is writable and
 * executable.  Past the point of no return, so the task is killed.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(wx_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct wx_what w = { .op = WX_OP_EXEC };
	unsigned long vm_flags = VM_EXEC;	/* unknown: fail closed */

	if (!current_confined())
		return 0;
	w.addr = BPF_CORE_READ(t, mm, start_stack);
	w.inode = bprm->file->f_inode;
	if (!(t->personality & READ_IMPLIES_EXEC)) {
		bpf_find_vma(t, w.addr, stack_vma_flags, &vm_flags, 0);
		if (!(vm_flags & VM_EXEC))
			return 0;
	}
	w.flags = vm_flags;
	if (refuse(WX_RULE_IMPLIED_EXEC, &w))
		bpf_send_signal(SIGKILL);
	return 0;
}

/* --pid scope: a confined task's new processes are confined. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(wx_fork, struct task_struct *parent, struct task_struct *child)
{
	struct wx_proc_key key = {};
	__u8 one = 1;

	if (child->pid != child->tgid || !current_confined())
		return 0;	/* threads share their leader's entry */
	key.tgid = child->tgid;
	key.start_time = child->start_time;
	if (bpf_map_update_elem(&procs, &key, &one, BPF_ANY)) {
		/* Fail closed: from now on every task is confined. */
		track_failed = 1;
		count(WX_CNT_TRACK_FAILED);
	}
	return 0;
}

SEC("tp_btf/sched_process_free")
int BPF_PROG(wx_free, struct task_struct *t)
{
	struct wx_proc_key key = {};

	/* After exec by a thread, the old leader points to the new one. */
	if (t->group_leader != t)
		return 0;
	key.tgid = t->tgid;
	key.start_time = t->start_time;
	bpf_map_delete_elem(&procs, &key);
	return 0;
}

/*
 * `enforce --pid`: confine the process given and its descendants that
 * already exist.  Run once through a task iterator.
 */
SEC("iter/task")
int wx_mark(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task, *p;
	struct wx_proc_key key = {};
	__u8 one = 1;
	int i;

	if (!t || t->pid != t->tgid)
		return 0;
	p = t;
	for (i = 0; i < 128 && p; i++) {
		if (p->tgid == cfg.root_pid)
			break;
		if (p->pid <= 1)
			return 0;
		p = p->real_parent;
	}
	if (!p || p->tgid != cfg.root_pid)
		return 0;
	key.tgid = t->tgid;
	key.start_time = t->start_time;
	if (bpf_map_update_elem(&procs, &key, &one, BPF_ANY))
		track_failed = 1;
	else
		BPF_SEQ_PRINTF(ctx->meta->seq, "%d\n", t->tgid);
	return 0;
}
