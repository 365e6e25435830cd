// SPDX-License-Identifier: GPL-2.0
/*
 * jitsealctl enforce | release: load the W^X BPF LSM program, attach it and
 * pin its links and maps in bpffs (WX_PIN_DIR) so that it stays in force
 * after the tool exits; release unpins, which detaches it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "jitsealctl.h"
#include "wxorx.skel.h"

#define LSM_LIST	"/sys/kernel/security/lsm"
#define BPFFS		"/sys/fs/bpf"
#define THREADS_MAX	"/proc/sys/kernel/threads-max"
#define PID_MAX_LIMIT	(4 * 1024 * 1024)

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (!getenv("JITSEALCTL_DEBUG"))
		return 0;
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static int check_bpf_lsm(void)
{
	char list[512], *tok, *save;
	int err;

	err = read_text(LSM_LIST, list, sizeof(list));
	if (err)
		return fail("cannot read %s (%s): is securityfs mounted?",
			    LSM_LIST, strerror(-err));
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, "bpf"))
			return 0;
	return fail("the BPF LSM is not active (add bpf to the lsm= kernel parameter)");
}

static int check_bpffs(void)
{
	struct statfs st;

	if (statfs(BPFFS, &st) || st.f_type != BPF_FS_MAGIC)
		return fail("no BPF filesystem at %s (mount -t bpf bpf %s)",
			    BPFFS, BPFFS);
	return 0;
}

/*
 * The proc_mem rule compares file operations with proc_mem_operations,
 * which libbpf resolves from kallsyms: a hidden (zero) address would turn
 * the rule off silently.
 */
static int check_kallsyms(void)
{
	unsigned long long addr = 0;
	char line[256], name[128];
	bool found = false;
	FILE *f;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return fail("cannot read /proc/kallsyms: %s", strerror(errno));
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%llx %*s %127s", &addr, name) == 2 &&
			!strcmp(name, "proc_mem_operations");
	fclose(f);
	if (!found)
		return fail("proc_mem_operations is not in /proc/kallsyms (needs CONFIG_KALLSYMS_ALL)");
	if (!addr)
		return fail("kernel addresses are hidden in /proc/kallsyms (kernel.kptr_restrict=2)");
	return 0;
}

/* The cgroup's id and its depth below the cgroup2 root. */
static int cgroup_identify(const char *path, struct wx_config *cfg)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	struct stat st, up;
	struct statfs sfs;
	char real[PATH_MAX];
	int mount_id, fd, parent, level = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail("cannot open cgroup %s: %s", path, strerror(errno));
	if (fstatfs(fd, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		close(fd);
		return fail("%s is not a cgroup v2 directory", path);
	}
	if (name_to_handle_at(fd, "", &h.fh, &mount_id, AT_EMPTY_PATH)) {
		close(fd);
		return fail("cannot get the id of cgroup %s: %s", path,
			    strerror(errno));
	}
	/* Walk up while ".." is the same cgroup2 mount. */
	for (;;) {
		if (fstat(fd, &st))
			break;
		parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0)
			break;
		close(fd);
		fd = parent;
		if (fstat(fd, &up) || up.st_dev != st.st_dev ||
		    up.st_ino == st.st_ino || fstatfs(fd, &sfs) ||
		    sfs.f_type != CGROUP2_SUPER_MAGIC)
			break;
		level++;
	}
	close(fd);
	cfg->cgroup_id = h.id;
	cfg->cgroup_level = level;
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	/* For status only; truncated if long. */
	snprintf(cfg->scope_path, sizeof(cfg->scope_path), "%.*s",
		 (int)sizeof(cfg->scope_path) - 1, real);
	return 0;
}

static int pidfd_open_checked(__u64 pid)
{
	int fd;

	if (pid == 0 || pid > INT_MAX)
		return -fail("invalid pid %llu", (unsigned long long)pid);
	fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (fd >= 0)
		return fd;
	if (errno == ESRCH)
		return -fail("no process with pid %llu", (unsigned long long)pid);
	if (errno == EINVAL)
		return -fail("%llu is not a process id (a thread?)",
			     (unsigned long long)pid);
	return -fail("cannot open pid %llu: %s", (unsigned long long)pid,
		     strerror(errno));
}

static __u32 procs_capacity(void)
{
	char buf[32];
	__u64 n = 0;

	if (read_text(THREADS_MAX, buf, sizeof(buf)) || parse_u64(buf, &n))
		n = 65536;
	if (n < 4096)
		n = 4096;
	if (n > PID_MAX_LIMIT)
		n = PID_MAX_LIMIT;
	return n;
}

/* Run the marking iterator: confines the pid and its descendants. */
static int mark_processes(struct wxorx *skel, int pidfd, __u64 pid)
{
	struct bpf_link *link;
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	char buf[4096];
	int fd, n, marked = 0;

	link = bpf_program__attach_iter(skel->progs.wx_mark, NULL);
	if (!link)
		return fail("cannot attach the marking iterator: %s",
			    strerror(errno));
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		bpf_link__destroy(link);
		return fail("cannot run the marking iterator: %s",
			    strerror(errno));
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (int i = 0; i < n; i++)
			marked += buf[i] == '\n';
	close(fd);
	bpf_link__destroy(link);
	if (n < 0)
		return fail("marking iterator failed: %s", strerror(errno));
	if (skel->bss->track_failed)
		return fail("cannot record the processes to confine (out of memory)");
	/* Still alive, so the pid was not reused while we marked. */
	if (poll(&pfd, 1, 0) != 0 || !marked)
		return fail("process %llu exited", (unsigned long long)pid);
	return 0;
}

static int pin_one(const char *name, int (*pin)(void *, const char *),
		   void *obj)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), WX_PIN_DIR "/%s", name);
	err = pin(obj, path);
	if (err)
		return fail("cannot pin %s: %s", path, strerror(-err));
	return 0;
}

static int pin_link(void *l, const char *p) { return bpf_link__pin(l, p); }
static int pin_map(void *m, const char *p) { return bpf_map__pin(m, p); }

static int pin_all(struct wxorx *skel)
{
	const struct bpf_object_skeleton *s = skel->skeleton;

	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_link *link = *s->progs[i].link;

		if (link && pin_one(s->progs[i].name, pin_link, link))
			return 1;
	}
	if (pin_one("config", pin_map, skel->maps.rodata) ||
	    pin_one("state", pin_map, skel->maps.bss) ||
	    pin_one("counters", pin_map, skel->maps.counters) ||
	    pin_one("events", pin_map, skel->maps.events) ||
	    pin_one("exempt", pin_map, skel->maps.exempt))
		return 1;
	if (bpf_program__autoload(skel->progs.wx_fork) &&
	    pin_one("procs", pin_map, skel->maps.procs))
		return 1;
	return 0;
}

/* The id of the program behind pinned link @name, or 0. */
static __u32 link_prog_id(const char *name)
{
	char path[PATH_MAX];
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd;

	snprintf(path, sizeof(path), WX_PIN_DIR "/%s", name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.prog_id = 0;
	close(fd);
	return info.prog_id;
}

/*
 * Unpinning drops the last reference to a link, but the kernel may detach
 * it later: from 6.10 bpffs puts the object only after an RCU grace period
 * (bpf_free_inode()), and the link is freed from a workqueue.  Wait until
 * the programs are gone, so that enforcement has ended when release
 * returns, as on 6.1.
 */
static int wait_progs_gone(const __u32 *ids, int n)
{
	for (int tries = 0; tries < 3000; tries++) {
		int left = 0;

		for (int i = 0; i < n; i++) {
			int fd = bpf_prog_get_fd_by_id(ids[i]);

			if (fd >= 0) {
				close(fd);
				left++;
			}
		}
		if (!left)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Remove every pin, links first (that ends enforcement), then the dir. */
static int unpin_all(void)
{
	__u32 ids[32];
	struct dirent *e;
	int err = 0, n = 0;
	DIR *dir;

	for (int links = 1; links >= 0; links--) {
		dir = opendir(WX_PIN_DIR);
		if (!dir)
			return -errno;
		while ((e = readdir(dir))) {
			if (e->d_name[0] == '.' ||
			    (!strncmp(e->d_name, "wx_", 3)) != links)
				continue;
			if (links && n < 32)
				ids[n] = link_prog_id(e->d_name);
			if (unlinkat(dirfd(dir), e->d_name, 0) && !err)
				err = -errno;
			else if (links && n < 32 && ids[n])
				n++;
		}
		closedir(dir);
	}
	if (rmdir(WX_PIN_DIR) && !err)
		err = -errno;
	if (!err)
		err = wait_progs_gone(ids, n);
	return err;
}

static int load_and_pin(const struct enforce_opts *o, struct wx_config *cfg,
			int pidfd)
{
	bool pid_scope = o->scope == WX_SCOPE_PID;
	struct wxorx *skel;
	int err;

	libbpf_set_print(libbpf_quiet);
	skel = wxorx__open();
	if (!skel)
		return fail("cannot open the BPF object: %s", strerror(errno));
	skel->rodata->cfg = *cfg;
	bpf_program__set_autoload(skel->progs.wx_fork, pid_scope);
	bpf_program__set_autoload(skel->progs.wx_free, pid_scope);
	bpf_program__set_autoload(skel->progs.wx_mark, pid_scope);
	bpf_program__set_autoattach(skel->progs.wx_mark, false);
	bpf_map__set_max_entries(skel->maps.procs, procs_capacity());

	err = wxorx__load(skel);
	if (err) {
		fail("cannot load the BPF programs: %s (JITSEALCTL_DEBUG=1 shows why)",
		     strerror(-err));
		goto out;
	}
	err = wxorx__attach(skel);
	if (err) {
		fail("cannot attach the BPF programs: %s", strerror(-err));
		goto out;
	}
	if (pid_scope && mark_processes(skel, pidfd, o->pid)) {
		err = 1;
		goto out;
	}
	err = pin_all(skel);
out:
	/* The pins hold what must stay; everything else goes. */
	wxorx__destroy(skel);
	return err ? 1 : 0;
}

static int parse_enforce(int argc, char **argv, struct enforce_opts *o,
			 const char **file)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'C' },
		{ "all", no_argument, NULL, 'a' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },
		{ "audit", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	int c, scopes = 0;

	o->mode = WX_MODE_ENFORCE;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->scope = WX_SCOPE_ALL;
			scopes++;
			break;
		case 'c':
			o->scope = WX_SCOPE_CGROUP;
			o->cgroup = optarg;
			scopes++;
			break;
		case 'p':
			o->scope = WX_SCOPE_PID;
			scopes++;
			if (parse_u64(optarg, &o->pid) || !o->pid ||
			    o->pid > INT_MAX)
				return fail("enforce: invalid pid '%s'", optarg);
			break;
		case 'A':
			o->mode = WX_MODE_AUDIT;
			break;
		case 'C':
			*file = optarg;
			break;
		default:
			if (optopt)
				return fail("enforce: option --%s needs an argument",
					    argv[optind - 1] + 2);
			return fail("enforce: unknown option '%s'",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail("enforce: unexpected argument '%s'", argv[optind]);
	if (scopes != 1)
		return fail("enforce: give exactly one of --all, --cgroup PATH, --pid PID");
	return 0;
}

/* Is the enforced cgroup (by id) gone from the path recorded? */
bool scope_cgroup_gone(const struct wx_config *cfg)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	int mount_id;

	if (cfg->scope != WX_SCOPE_CGROUP)
		return false;
	if (name_to_handle_at(AT_FDCWD, cfg->scope_path, &h.fh, &mount_id, 0))
		return errno == ENOENT;
	return h.id != cfg->cgroup_id;
}

/* "all tasks", "cgroup PATH", "pid N and its descendants" */
static const char *scope_words(const struct enforce_opts *o)
{
	static char buf[PATH_MAX + 32];

	if (o->scope == WX_SCOPE_CGROUP)
		snprintf(buf, sizeof(buf), "cgroup %s", o->cgroup);
	else if (o->scope == WX_SCOPE_PID)
		snprintf(buf, sizeof(buf), "pid %llu and its descendants",
			 (unsigned long long)o->pid);
	else
		snprintf(buf, sizeof(buf), "all tasks");
	return buf;
}

/* Could enforcement start here?  0, or 1 after one error line. */
int enforce_possible(void)
{
	return check_bpf_lsm() || check_bpffs() || check_kallsyms();
}

/* Start enforcement as O says; 0, or 1 after one error line. */
int enforce_start(const struct enforce_opts *o)
{
	struct wx_config cfg = { .abi_version = WX_ABI_VERSION };
	unsigned int major, minor;
	int pidfd = -1, rc;

	if (require_root("enforce") || enforce_possible())
		return 1;
	cfg.scope = o->scope;
	cfg.mode = o->mode;
	cfg.enforced_at = time(NULL);
	if (o->scope == WX_SCOPE_CGROUP && cgroup_identify(o->cgroup, &cfg))
		return 1;
	if (o->scope == WX_SCOPE_PID) {
		pidfd = pidfd_open_checked(o->pid);
		if (pidfd < 0)
			return 1;
		cfg.root_pid = o->pid;
	}
	if (!jitseal_devnum(&major, &minor))
		cfg.jitseal_rdev = (major << 20) | minor;
	else
		warn("the jitseal module is not loaded: /dev/jitseal mappings will be refused too");

	if (mkdir(WX_PIN_DIR, 0700)) {
		rc = errno == EEXIST ?
		     fail("enforcement is already active (jitsealctl release ends it)") :
		     fail("cannot create %s: %s", WX_PIN_DIR, strerror(errno));
		goto out;
	}
	rc = load_and_pin(o, &cfg, pidfd);
	if (rc)
		unpin_all();
out:
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}

/*
 * enforce [--config FILE]: the exemptions of the configuration file
 * (default /etc/jitseal/jitseal.conf, if it exists) apply from the start.
 */
int cmd_enforce(int argc, char **argv)
{
	struct enforce_opts o = {};
	const char *file = NULL;
	bool locked = false;
	struct conf c;
	int rc;

	if (parse_enforce(argc, argv, &o, &file))
		return 1;
	/* Only a file given must exist. */
	if (conf_read(file ? file : JITSEAL_CONF, &c, file)) {
		conf_free(&c);
		return fail("enforce: %s has errors: nothing changed", c.file);
	}
	rc = enforce_start(&o);
	if (!rc && exempt_sync(&c) < 0) {
		unpin_all();
		rc = 1;
	}
	/* A policy locked before enforcement started locks it at once. */
	if (!rc && policy_locked())
		rc = lock_enforcement(&locked);
	if (!rc)
		say("enforcing W^X (%s) on %s, %d exemption%s from %s%s",
		    o.mode == WX_MODE_AUDIT ? "audit mode" : "enforce mode",
		    scope_words(&o), c.nexempt, c.nexempt == 1 ? "" : "s",
		    c.file, locked ? "; locked until reboot" : "");
	conf_free(&c);
	return rc;
}

/* End enforcement: 0, or 1 after one error line. */
int release_enforcement(void)
{
	int err;

	if (enforcement_locked())
		return refuse_locked("release");
	err = unpin_all();
	if (err == -ETIMEDOUT)
		return fail("release: unpinned, but the kernel still runs the programs 30 s later (does another process hold them?)");
	if (err)
		return fail("release: cannot remove %s: %s", WX_PIN_DIR,
			    strerror(-err));
	return 0;
}

int cmd_release(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return fail("usage: jitsealctl release");
	if (require_root("release"))
		return 1;
	if (access(WX_PIN_DIR, F_OK))
		return fail("release: enforcement is not active");
	if (release_enforcement())
		return 1;
	say("released W^X enforcement");
	return 0;
}

/* The pinned state, for status, events and exemptions. */
int pinned_fd(const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), WX_PIN_DIR "/%s", name);
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/* Read-only: what the enforcement lock still allows for statistics. */
static int pinned_fd_ro(const char *name)
{
	struct bpf_obj_get_opts opts = {
		.sz = sizeof(opts), .file_flags = BPF_F_RDONLY,
	};
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), WX_PIN_DIR "/%s", name);
	fd = bpf_obj_get_opts(path, &opts);
	return fd < 0 ? -errno : fd;
}

/* The single value of the pinned array map NAME (at least LEN bytes). */
int pinned_value(const char *name, void *out, size_t len)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info), key = 0;
	char *value;
	int fd, err;

	fd = pinned_fd_ro(name);
	if (fd < 0)
		return fd;
	err = bpf_obj_get_info_by_fd(fd, &info, &ilen);
	if (err || info.value_size < len) {
		close(fd);
		return err ? -errno : -EPROTO;
	}
	value = calloc(1, info.value_size);
	if (!value) {
		close(fd);
		return -ENOMEM;
	}
	err = bpf_map_lookup_elem(fd, &key, value) ? -errno : 0;
	close(fd);
	if (!err)
		memcpy(out, value, len);
	free(value);
	/* Both configurations start with abi_version. */
	if (!err && *(__u32 *)out != WX_ABI_VERSION)
		err = -EPROTO;
	return err;
}

int pinned_config(struct wx_config *cfg)
{
	return pinned_value("config", cfg, sizeof(*cfg));
}

int pinned_counters(__u64 counts[WX_NR_COUNTERS])
{
	int ncpus = libbpf_num_possible_cpus(), fd;
	__u64 *percpu;

	if (ncpus < 0)
		return ncpus;
	fd = pinned_fd_ro("counters");
	if (fd < 0)
		return fd;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu) {
		close(fd);
		return -ENOMEM;
	}
	for (__u32 i = 0; i < WX_NR_COUNTERS; i++) {
		counts[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, percpu))
			continue;
		for (int c = 0; c < ncpus; c++)
			counts[i] += percpu[c];
	}
	free(percpu);
	close(fd);
	return 0;
}

int pinned_track_failed(void)
{
	struct wxorx__bss bss = {};
	__u32 key = 0;
	int fd, err;

	fd = pinned_fd("state");
	if (fd < 0)
		return fd;
	err = bpf_map_lookup_elem(fd, &key, &bss) ? -errno : bss.track_failed;
	close(fd);
	return err;
}
