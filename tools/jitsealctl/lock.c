// SPDX-License-Identifier: GPL-2.0
/*
 * The enforcement lock: when the module's policy is locked and W^X
 * enforcement is active, jitsealctl loads wxlock.bpf.c and pins it next to
 * the enforcement.  From then on the kernel refuses what would end or
 * change enforcement (unpinning, unmounting bpffs, new fds of the maps
 * that decide), so release, another scope and exemption changes fail
 * until reboot.  The exemptions in force are copied into the lock's
 * configuration, for exemptions to list.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "jitsealctl.h"
#include "wxlock.skel.h"

#define LOCK_CONFIG	"lock_config"

bool enforcement_locked(void)
{
	return !access(WX_PIN_DIR "/" LOCK_CONFIG, F_OK);
}

int refuse_locked(const char *what)
{
	return fail("%s: refused: enforcement is locked until reboot (the policy is locked)",
		    what);
}

static int add_id(__u32 *set, __u32 id)
{
	for (int i = 0; i < WX_LOCK_MAPS; i++) {
		if (set[i] == id)
			return 0;
		if (!set[i]) {
			set[i] = id;
			return 0;
		}
	}
	return -E2BIG;
}

/* Sort map ID: the ring buffer stays free, statistics read-only. */
static int classify_map(struct wx_lock_config *lk, __u32 id)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);
	int fd, err;
	size_t n;

	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &mi, &len) ? -errno : 0;
	close(fd);
	if (err)
		return err;
	n = strlen(mi.name);
	if (!strcmp(mi.name, "events"))
		return 0;
	if (!strcmp(mi.name, "counters") ||
	    (n > 7 && !strcmp(mi.name + n - 7, ".rodata")))
		return add_id(lk->rdonly, id);
	return add_id(lk->sealed, id);
}

/* The maps of the program behind one pinned link. */
static int maps_of_link(struct wx_lock_config *lk, const char *name)
{
	struct bpf_link_info li = {};
	struct bpf_prog_info pi = {};
	__u32 ids[16], len = sizeof(li);
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), WX_PIN_DIR "/%s", name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &li, &len) ? -errno : 0;
	close(fd);
	if (err)
		return err;
	fd = bpf_prog_get_fd_by_id(li.prog_id);
	if (fd < 0)
		return -errno;
	pi.nr_map_ids = 16;
	pi.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(pi);
	err = bpf_obj_get_info_by_fd(fd, &pi, &len) ? -errno : 0;
	close(fd);
	for (__u32 i = 0; !err && i < pi.nr_map_ids && i < 16; i++)
		err = classify_map(lk, ids[i]);
	return err;
}

static int collect_maps(struct wx_lock_config *lk)
{
	struct dirent *e;
	DIR *dir;
	int err = 0;

	dir = opendir(WX_PIN_DIR);
	if (!dir)
		return -errno;
	while (!err && (e = readdir(dir)))
		if (!strncmp(e->d_name, "wx_", 3))
			err = maps_of_link(lk, e->d_name);
	closedir(dir);
	return err;
}

/* The exemptions in force, into the lock's configuration. */
static int snapshot_exempt(struct wx_lock_config *lk)
{
	struct wx_exe_key k, *prev = NULL;
	int fd = pinned_fd("exempt");

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	while (lk->nexempt < WX_EXEMPT_MAX &&
	       !bpf_map_get_next_key(fd, prev, &k)) {
		lk->exempt[lk->nexempt] = k;
		if (bpf_map_lookup_elem(fd, &k, &lk->exempt_mode[lk->nexempt]))
			continue;
		prev = &lk->exempt[lk->nexempt++];
	}
	close(fd);
	return 0;
}

static int lock_config_of_now(struct wx_lock_config *lk)
{
	struct stat st;
	int err;

	if (stat(WX_PIN_DIR, &st))
		return fail("cannot stat %s: %s", WX_PIN_DIR, strerror(errno));
	lk->abi_version = WX_ABI_VERSION;
	lk->bpffs_dev = (major(st.st_dev) << 20) | minor(st.st_dev);
	lk->pin_dir_ino = st.st_ino;
	lk->locked_at = time(NULL);
	err = collect_maps(lk);
	if (!err)
		err = snapshot_exempt(lk);
	if (err)
		return fail("cannot read the enforcement to lock it: %s",
			    strerror(-err));
	return 0;
}

static int pin_lock(struct wxlock *skel)
{
	const struct bpf_object_skeleton *s = skel->skeleton;
	char path[PATH_MAX];
	int err;

	for (int i = 0; i < s->prog_cnt; i++) {
		snprintf(path, sizeof(path), WX_PIN_DIR "/%s", s->progs[i].name);
		err = bpf_link__pin(*s->progs[i].link, path);
		if (err)
			return fail("cannot pin %s: %s", path, strerror(-err));
	}
	/* Last: its presence says "locked". */
	err = bpf_map__pin(skel->maps.rodata, WX_PIN_DIR "/" LOCK_CONFIG);
	if (err)
		return fail("cannot pin %s/%s: %s", WX_PIN_DIR, LOCK_CONFIG,
			    strerror(-err));
	return 0;
}

/*
 * Lock the enforcement in force, if any and not yet locked (then *DID is
 * set): 0, or 1 after one error line.
 */
int lock_enforcement(bool *did)
{
	struct wx_lock_config *lk;
	struct wxlock *skel = NULL;
	int rc = 1, err;

	if (access(WX_PIN_DIR, F_OK) || enforcement_locked())
		return 0;
	lk = calloc(1, sizeof(*lk));
	if (!lk)
		return fail("out of memory");
	if (lock_config_of_now(lk))
		goto out;
	skel = wxlock__open();
	if (!skel) {
		fail("cannot open the lock's BPF object: %s", strerror(errno));
		goto out;
	}
	memcpy((void *)&skel->rodata->lk, lk, sizeof(*lk));
	err = wxlock__load(skel);
	if (!err)
		err = wxlock__attach(skel);
	if (err) {
		fail("cannot load the lock's BPF programs: %s (JITSEALCTL_DEBUG=1 shows why)",
		     strerror(-err));
		goto out;
	}
	rc = pin_lock(skel);
	if (!rc && did)
		*did = true;
out:
	wxlock__destroy(skel);
	free(lk);
	return rc;
}

/* The lock's configuration, for status and exemptions; negative errno. */
int pinned_lock(struct wx_lock_config *lk)
{
	return pinned_value(LOCK_CONFIG, lk, sizeof(*lk));
}

/* The mode of K in the locked exemptions, 0 if it is not one. */
__u32 lock_exempt_mode(const struct wx_lock_config *lk,
		       const struct wx_exe_key *k)
{
	for (__u32 i = 0; i < lk->nexempt && i < WX_EXEMPT_MAX; i++)
		if (!memcmp(&lk->exempt[i], k, sizeof(*k)))
			return lk->exempt_mode[i].mode;
	return 0;
}
