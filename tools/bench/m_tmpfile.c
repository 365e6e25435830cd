// SPDX-License-Identifier: GPL-2.0
/*
 * Temp file, the approach of the 2005 Mono/PaX proposal: everything one
 * finalize installs is written to a new temporary file, which is then
 * mapped read+exec (and unlinked and closed; the mapping keeps it).  One
 * file and one mapping per finalize, so every finalize starts on a fresh
 * page and the final address is known only after the mmap.
 *
 * Two instances: a tmpfs directory and a disk-like one (ext4; see
 * Documentation/benchmarks.rst for what the VM uses).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "stage.h"

#define PAGE	4096UL

const char *tmpfile_tmpfs_dir = "/dev/shm";
const char *tmpfile_disk_dir;

struct tmap {
	void *addr;
	size_t len;
};

struct mpool {
	const char *dir;
	size_t stage_bytes;
	pthread_mutex_t lock;
	struct tmap *maps;
	size_t nr, cap;
};

static int dir_probe(const char *dir, bool want_tmpfs, const char **why)
{
	struct statfs sf;
	char path[4096];
	int fd;

	if (!dir) {
		*why = "no directory given (--disk-dir)";
		return -ENOENT;
	}
	if (statfs(dir, &sf)) {
		*why = "directory missing";
		return -errno;
	}
	if (want_tmpfs != (sf.f_type == TMPFS_MAGIC)) {
		*why = want_tmpfs ? "directory is not on tmpfs" :
				    "directory is on tmpfs, not disk-like";
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/jitseal-bench-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0) {
		*why = "cannot create a file there";
		return -errno;
	}
	unlink(path);
	close(fd);
	return 0;
}

static int tmpfs_probe(const char **why)
{
	return dir_probe(tmpfile_tmpfs_dir, true, why);
}

static int disk_probe(const char **why)
{
	return dir_probe(tmpfile_disk_dir, false, why);
}

static void tmpfile_pool_destroy(struct mpool *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		munmap(p->maps[i].addr, p->maps[i].len);
	free(p->maps);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int pool_create_in(const char *dir, const struct pool_params *pp,
			  struct mpool **out)
{
	struct mpool *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->dir = dir;
	p->stage_bytes = pp->stage_bytes;
	pthread_mutex_init(&p->lock, NULL);
	*out = p;
	return 0;
}

static int tmpfs_pool_create(const struct pool_params *pp, struct mpool **out)
{
	return pool_create_in(tmpfile_tmpfs_dir, pp, out);
}

static int disk_pool_create(const struct pool_params *pp, struct mpool **out)
{
	return pool_create_in(tmpfile_disk_dir, pp, out);
}

static int tmpfile_stager_create(struct mpool *p, struct mstager **out)
{
	return stager_create(p, p->stage_bytes, out);
}

static int tmpfile_alloc(struct mstager *s, struct fn *f)
{
	/* The file offset is the offset in the staging buffer. */
	f->addr = NULL;
	return stage_add(&s->st, f, s->st.used);
}

static int keep_map(struct mpool *p, void *addr, size_t len)
{
	int err = 0;

	pthread_mutex_lock(&p->lock);
	if (p->nr == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 64;
		struct tmap *n = realloc(p->maps, ncap * sizeof(*n));

		if (!n)
			err = -ENOMEM;
		else {
			p->maps = n;
			p->cap = ncap;
		}
	}
	if (!err)
		p->maps[p->nr++] = (struct tmap){ addr, len };
	pthread_mutex_unlock(&p->lock);
	return err;
}

static int tmpfile_finalize(struct mstager *s)
{
	size_t len = s->st.used, done = 0, maplen, i;
	char path[4096];
	uint8_t *map;
	int fd, err;

	if (!len)
		return 0;
	snprintf(path, sizeof(path), "%s/jitseal-code-XXXXXX", s->p->dir);
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, s->st.buf + done, len - done);

		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			goto fail;
		}
		done += (size_t)n;
	}
	maplen = (len + PAGE - 1) & ~(PAGE - 1);
	map = mmap(NULL, maplen, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	unlink(path);
	close(fd);
	err = keep_map(s->p, map, maplen);
	if (err) {
		munmap(map, maplen);
		return err;
	}
	for (i = 0; i < s->st.nr_fns; i++) {
		struct fn *f = s->st.fns[i];

		f->addr = map + ((uint8_t *)f->stage - s->st.buf);
	}
	stage_reset(&s->st);
	return 0;
fail:
	unlink(path);
	close(fd);
	return err;
}

const struct method method_tmpfs = {
	.name = "tmpfile-tmpfs",
	.desc = "write a temp file on tmpfs per finalize, mmap it RX",
	.probe = tmpfs_probe,
	.pool_create = tmpfs_pool_create,
	.pool_destroy = tmpfile_pool_destroy,
	.stager_create = tmpfile_stager_create,
	.stager_destroy = stager_destroy,
	.alloc = tmpfile_alloc,
	.finalize = tmpfile_finalize,
};

const struct method method_disk = {
	.name = "tmpfile-disk",
	.desc = "write a temp file on a disk filesystem per finalize, mmap it RX",
	.probe = disk_probe,
	.pool_create = disk_pool_create,
	.pool_destroy = tmpfile_pool_destroy,
	.stager_create = tmpfile_stager_create,
	.stager_destroy = stager_destroy,
	.alloc = tmpfile_alloc,
	.finalize = tmpfile_finalize,
};
