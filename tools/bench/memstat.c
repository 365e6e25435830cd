// SPDX-License-Identifier: GPL-2.0
/*
 * Memory figures of W4: which VMAs and pages hold the installed functions
 * (/proc/self/maps and smaps), and what the memory cgroup was charged
 * (cgroup v2 memory.current and memory.stat), kernel memory included.
 * The cgroup is one the benchmark creates for itself when it runs as root
 * with cgroup v2 mounted (the VM); elsewhere these figures are absent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#define CG_ROOT	"/sys/fs/cgroup"
#define CG_DIR	CG_ROOT "/jitseal-bench"

static bool cg_in;

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

int memstat_cgroup_enter(void)
{
	char pid[32];
	int err;

	if (cg_in)
		return 0;
	/* Needs the memory controller in the root's subtree. */
	write_str(CG_ROOT "/cgroup.subtree_control", "+memory");
	if (mkdir(CG_DIR, 0755) && errno != EEXIST)
		return -errno;
	snprintf(pid, sizeof(pid), "%d", getpid());
	err = write_str(CG_DIR "/cgroup.procs", pid);
	if (err)
		return err;
	cg_in = access(CG_DIR "/memory.stat", R_OK) == 0;
	return cg_in ? 0 : -ENOENT;
}

static long long read_ll(const char *path)
{
	FILE *f = fopen(path, "re");
	long long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

void memstat_snap(struct memsnap *s)
{
	char key[64];
	long long v;
	FILE *f;

	memset(s, 0, sizeof(*s));
	if (!cg_in)
		return;
	s->cg_current = read_ll(CG_DIR "/memory.current");
	f = fopen(CG_DIR "/memory.stat", "re");
	if (!f)
		return;
	s->cg_kernel = -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2) {
		if (!strcmp(key, "anon"))
			s->cg_anon = v;
		else if (!strcmp(key, "file"))
			s->cg_file = v;
		else if (!strcmp(key, "shmem"))
			s->cg_shmem = v;
		else if (!strcmp(key, "kernel"))
			s->cg_kernel = v;
		else if (!strcmp(key, "slab"))
			s->cg_slab = v;
		else if (!strcmp(key, "pagetables"))
			s->cg_pagetables = v;
	}
	fclose(f);
	s->cg_ok = s->cg_current >= 0;
}

struct vma {
	uintptr_t lo, hi;
	size_t rss;
	bool used;
};

static int cmp_uptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

int memstat_vmas(const struct fn *fns, size_t n, struct vmastat *out)
{
	struct vma *v = NULL;
	size_t nv = 0, cap = 0, i, j;
	uintptr_t *pg;
	char line[512];
	FILE *f;

	memset(out, 0, sizeof(*out));
	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, kb;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (nv == cap) {
				struct vma *nvp;

				cap = cap ? cap * 2 : 256;
				nvp = realloc(v, cap * sizeof(*v));
				if (!nvp) {
					free(v);
					fclose(f);
					return -ENOMEM;
				}
				v = nvp;
			}
			v[nv++] = (struct vma){ lo, hi, 0, false };
		} else if (nv && sscanf(line, "Rss: %lu kB", &kb) == 1) {
			v[nv - 1].rss = kb * 1024;
		}
	}
	fclose(f);

	pg = malloc(n * 2 * sizeof(*pg));
	if (!pg) {
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		uintptr_t a = (uintptr_t)fns[i].addr;
		size_t lo = 0, hi = nv;

		pg[2 * i] = a >> 12;			/* first page */
		pg[2 * i + 1] = (a + fns[i].len - 1) >> 12;	/* last */
		while (lo < hi) {	/* smaps is sorted by address */
			size_t mid = (lo + hi) / 2;

			if (v[mid].hi <= a)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < nv && v[lo].lo <= a)
			v[lo].used = true;
	}
	for (i = 0; i < nv; i++)
		if (v[i].used) {
			out->vmas++;
			out->rss_bytes += v[i].rss;
		}
	/* Distinct pages: the union of [first, last] of every function. */
	qsort(pg, n, 2 * sizeof(*pg), cmp_uptr);
	for (i = 0, j = 0; i < n; i++) {
		uintptr_t first = pg[2 * i], last = pg[2 * i + 1];

		if (i && first <= j)	/* j: last page counted so far */
			first = j + 1;
		if (last >= first)
			out->pages += last - first + 1;
		if (!i || last > j)
			j = last;
	}
	free(pg);
	free(v);
	return 0;
}
