// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal_symbol() and the sinks it feeds: the perf map, the perf
 * jitdump and the GDB JIT interface, read back the way perf and gdb read
 * them.  The harness runs every test in a fresh child, so each test sets
 * JITSEAL_PERF before its first library call.  Runs on every backend.
 */
#include <elf.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

#include "../lib/jstest.h"

struct jit_code_entry {
	struct jit_code_entry *next_entry;
	struct jit_code_entry *prev_entry;
	const char *symfile_addr;
	uint64_t symfile_size;
};

struct jit_descriptor {
	uint32_t version;
	uint32_t action_flag;
	struct jit_code_entry *relevant_entry;
	struct jit_code_entry *first_entry;
};

extern struct jit_descriptor __jit_debug_descriptor;

static char tdir[] = "/tmp/jitseal-names.XXXXXX";

static void use_sinks(const char *sinks)
{
	if (!mkdtemp(tdir))
		abort();
	setenv("JITSEAL_PERF_DIR", tdir, 1);
	if (sinks)
		setenv("JITSEAL_PERF", sinks, 1);
	else
		unsetenv("JITSEAL_PERF");
}

static void map_path(char *buf, size_t n)
{
	snprintf(buf, n, "/tmp/perf-%d.map", getpid());
}

static void dump_path(char *buf, size_t n)
{
	snprintf(buf, n, "%s/jit-%d.dump", tdir, getpid());
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	if (len)
		*len = (size_t)n;
	return s;
}

static void cleanup(void)
{
	char path[4200];

	map_path(path, sizeof(path));
	unlink(path);
	dump_path(path, sizeof(path));
	unlink(path);
	rmdir(tdir);
}

/* Stage "mov eax, v; ret" padded with int3 to @len bytes. */
static void *stage_fn(struct jitseal_pool *p, size_t len, uint32_t v)
{
	struct jitseal_mem m;

	if (jitseal_alloc(p, len, 16, JITSEAL_CODE, &m))
		return NULL;
	memset(m.stage, 0xcc, len);
	emit_ret_imm(m.stage, v);
	return m.addr;
}

TEST(map_lines_for_sealed_code)
{
	struct jitseal_pool *p;
	char path[64], want[128], *map;
	void *a, *b;

	use_sinks("map");
	p = test_pool();
	ASSERT_NE(NULL, p);
	a = stage_fn(p, 32, 1);
	b = stage_fn(p, 48, 2);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(0, jitseal_symbol(p, a, 32, "first"));
	EXPECT_EQ(0, jitseal_symbol(p, b, 48, "second fn(int, char)"));
	map_path(path, sizeof(path));
	EXPECT_EQ(NULL, slurp(path, NULL));	/* nothing before finalize */
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	map = slurp(path, NULL);
	ASSERT_NE(NULL, map);
	snprintf(want, sizeof(want), "%lx 20 first\n", (unsigned long)a);
	EXPECT_NE(NULL, strstr(map, want));
	snprintf(want, sizeof(want), "%lx 30 second fn(int, char)\n",
		 (unsigned long)b);
	EXPECT_NE(NULL, strstr(map, want));
	EXPECT_EQ(1, ((fn_v)a)());
	free(map);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	cleanup();
}

TEST(bad_ranges_refused)
{
	struct jitseal_pool *p, *dead;
	struct jitseal_mem ro;
	char path[64];
	void *a, *sealed;
	static int outside;

	use_sinks("map");
	p = test_pool();
	ASSERT_NE(NULL, p);
	sealed = stage_fn(p, 16, 1);
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	a = stage_fn(p, 32, 2);
	ASSERT_EQ(0, jitseal_alloc(p, 16, 16, JITSEAL_RODATA, &ro));
	EXPECT_EQ(-EINVAL, jitseal_symbol(p, sealed, 16, "already"));
	EXPECT_EQ(-EINVAL, jitseal_symbol(p, &outside, 4, "not_pool"));
	EXPECT_EQ(-EINVAL, jitseal_symbol(p, ro.addr, 16, "rodata"));
	EXPECT_EQ(-EINVAL, jitseal_symbol(p, a, 33, "past_the_run"));
	EXPECT_EQ(-EINVAL, jitseal_symbol(p, a, 0, "empty"));
	EXPECT_EQ(-EINVAL, jitseal_symbol(p, a, 32, ""));
	EXPECT_EQ(-EINVAL, jitseal_symbol(p, a, 32, NULL));
	EXPECT_EQ(-EINVAL, jitseal_symbol(p, NULL, 32, "null"));
	EXPECT_EQ(-EINVAL, jitseal_symbol(NULL, a, 32, "no_pool"));
	EXPECT_EQ(-EINVAL, jitseal_symbol(p, a, SIZE_MAX, "wraps"));
	EXPECT_EQ(-EINVAL, jitseal_profile_enable(1U << 7));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	map_path(path, sizeof(path));
	EXPECT_EQ(NULL, slurp(path, NULL));	/* no refused name got in */
	dead = test_pool();
	ASSERT_NE(NULL, dead);
	EXPECT_EQ(0, jitseal_pool_destroy(dead));
	EXPECT_EQ(-EBADF, jitseal_symbol(dead, a, 32, "dead_pool"));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	cleanup();
}

TEST(discard_drops_names)
{
	struct jitseal_pool *p;
	char path[64], want[64], *map;
	void *a, *b;

	use_sinks("map");
	p = test_pool();
	ASSERT_NE(NULL, p);
	a = stage_fn(p, 32, 1);
	ASSERT_EQ(0, jitseal_symbol(p, a, 32, "discarded"));
	ASSERT_EQ(0, jitseal_discard(p));
	b = stage_fn(p, 32, 2);
	ASSERT_EQ(a, b);			/* the same bytes again */
	ASSERT_EQ(0, jitseal_symbol(p, b, 32, "kept"));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	map_path(path, sizeof(path));
	map = slurp(path, NULL);
	ASSERT_NE(NULL, map);
	EXPECT_EQ(NULL, strstr(map, "discarded"));
	snprintf(want, sizeof(want), "%lx 20 kept\n", (unsigned long)b);
	EXPECT_STREQ(want, map);
	free(map);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	cleanup();
}

TEST(names_wait_for_their_batch)
{
	struct jitseal_pool *p;
	struct jitseal_batch *bt;
	struct jitseal_mem m;
	char path[64], *map;

	use_sinks("map");
	p = test_pool();
	ASSERT_NE(NULL, p);
	bt = jitseal_batch_create(p);
	ASSERT_NE(NULL, bt);
	ASSERT_EQ(0, jitseal_batch_alloc(bt, 16, 16, JITSEAL_CODE, &m));
	emit_ret_imm(m.stage, 5);
	ASSERT_EQ(0, jitseal_symbol(p, m.addr, 16, "in_batch"));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));	/* not its batch */
	map_path(path, sizeof(path));
	EXPECT_EQ(NULL, slurp(path, NULL));
	ASSERT_EQ(0, jitseal_batch_finalize(bt, NULL));
	map = slurp(path, NULL);
	ASSERT_NE(NULL, map);
	EXPECT_NE(NULL, strstr(map, " 10 in_batch\n"));
	free(map);
	EXPECT_EQ(0, jitseal_batch_destroy(bt));
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	cleanup();
}

/* Newlines and control characters become '?'; 4095 bytes at most. */
TEST(names_sanitised_and_truncated)
{
	struct jitseal_pool *p;
	char path[64], *map, *line, *big;
	void *a, *b;
	size_t n = 0;

	use_sinks("map");
	p = test_pool();
	ASSERT_NE(NULL, p);
	a = stage_fn(p, 16, 1);
	b = stage_fn(p, 16, 2);
	big = malloc(5000);
	ASSERT_NE(NULL, big);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	ASSERT_EQ(0, jitseal_symbol(p, a, 16, "two\nlines\tand\rmore"));
	ASSERT_EQ(0, jitseal_symbol(p, b, 16, big));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	map_path(path, sizeof(path));
	map = slurp(path, NULL);
	ASSERT_NE(NULL, map);
	EXPECT_NE(NULL, strstr(map, " 10 two?lines?and?more\n"));
	for (line = strtok(map, "\n"); line; line = strtok(NULL, "\n")) {
		char *name = strchr(strchr(line, ' ') + 1, ' ') + 1;

		n++;
		if (name[0] == 'x')
			EXPECT_EQ(JITSEAL_SYMBOL_MAX - 1, strlen(name));
	}
	EXPECT_EQ(2, n);			/* two lines: format intact */
	free(map);
	free(big);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	cleanup();
}

struct dump_load {
	uint32_t id, total_size;
	uint64_t timestamp;
	uint32_t pid, tid;
	uint64_t vma, code_addr, code_size, code_index;
};

/* The dump, as perf inject reads it: header, then the code load records. */
TEST(jitdump_records_carry_sealed_bytes)
{
	struct jitseal_pool *p;
	char path[4200], *d;
	void *fn[3];
	size_t len, off;
	int i, n = 0;

	use_sinks("jitdump");
	p = test_pool();
	ASSERT_NE(NULL, p);
	for (i = 0; i < 3; i++) {
		char name[16];

		fn[i] = stage_fn(p, 16 * (i + 1), (uint32_t)i);
		ASSERT_NE(NULL, fn[i]);
		snprintf(name, sizeof(name), "fn%d", i);
		ASSERT_EQ(0, jitseal_symbol(p, fn[i], 16 * (i + 1), name));
	}
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	dump_path(path, sizeof(path));
	d = slurp(path, &len);
	ASSERT_NE(NULL, d);
	ASSERT_GE(len, 40);
	EXPECT_EQ(0x4a695444U, *(uint32_t *)d);		/* magic */
	EXPECT_EQ(1, ((uint32_t *)d)[1]);		/* version */
	EXPECT_EQ(40, ((uint32_t *)d)[2]);		/* header size */
	EXPECT_EQ((uint32_t)getpid(), ((uint32_t *)d)[5]);
	for (off = 40; off + sizeof(struct dump_load) <= len; n++) {
		struct dump_load r;
		const char *name;

		memcpy(&r, d + off, sizeof(r));
		name = d + off + sizeof(r);
		ASSERT_EQ(0, r.id);			/* JIT_CODE_LOAD */
		ASSERT_LE(off + r.total_size, len);
		ASSERT_LT(n, 3);
		EXPECT_EQ((uint64_t)(uintptr_t)fn[name[2] - '0'], r.code_addr);
		EXPECT_EQ(r.code_addr, r.vma);
		EXPECT_EQ(sizeof(r) + strlen(name) + 1 + r.code_size,
			  r.total_size);
		EXPECT_EQ(0, memcmp(name + strlen(name) + 1,
				    (void *)(uintptr_t)r.code_addr, r.code_size));
		off += r.total_size;
	}
	EXPECT_EQ(3, n);
	EXPECT_EQ(len, off);
	free(d);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	cleanup();
}

/* The marker: a read+exec mapping of a file named like the dump. */
TEST(jitdump_marker_mapped_exec)
{
	struct jitseal_pool *p;
	char path[4200], line[4400];
	int found = 0;
	FILE *maps;
	void *a;

	use_sinks("jitdump");
	p = test_pool();
	ASSERT_NE(NULL, p);
	a = stage_fn(p, 16, 1);
	ASSERT_EQ(0, jitseal_symbol(p, a, 16, "marked"));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	dump_path(path, sizeof(path));
	maps = fopen("/proc/self/maps", "r");
	ASSERT_NE(NULL, maps);
	while (fgets(line, sizeof(line), maps))
		if (strstr(line, path) && strstr(line, " r-xp "))
			found++;
	fclose(maps);
	EXPECT_EQ(1, found);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	cleanup();
}

/* gdb's view: one registered ELF per finalize, gone with the pool. */
TEST(gdb_entry_per_finalize)
{
	struct jitseal_pool *p;
	struct jit_code_entry *e;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	void *a, *b;
	int i, n = 0, syms = 0;

	use_sinks("gdb");
	p = test_pool();
	ASSERT_NE(NULL, p);
	a = stage_fn(p, 16, 1);
	ASSERT_EQ(0, jitseal_symbol(p, a, 16, "g_one"));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	b = stage_fn(p, 16, 2);
	ASSERT_EQ(0, jitseal_symbol(p, b, 16, "g_two"));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	for (e = __jit_debug_descriptor.first_entry; e; e = e->next_entry)
		n++;
	EXPECT_EQ(2, n);
	EXPECT_EQ(1, __jit_debug_descriptor.action_flag);	/* register */
	e = __jit_debug_descriptor.first_entry;			/* the newest */
	ASSERT_NE(NULL, e);
	eh = (const Elf64_Ehdr *)e->symfile_addr;
	ASSERT_EQ(0, memcmp(eh->e_ident, ELFMAG, SELFMAG));
	sh = (const Elf64_Shdr *)(e->symfile_addr + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *st;
		const char *str;
		size_t k;

		if (sh[i].sh_type != SHT_SYMTAB)
			continue;
		st = (const Elf64_Sym *)(e->symfile_addr + sh[i].sh_offset);
		str = e->symfile_addr + sh[sh[i].sh_link].sh_offset;
		for (k = 1; k < sh[i].sh_size / sizeof(*st); k++) {
			EXPECT_STREQ("g_two", str + st[k].st_name);
			EXPECT_EQ((uintptr_t)b, st[k].st_value);
			EXPECT_EQ(16, st[k].st_size);
			EXPECT_EQ(0, memcmp(e->symfile_addr +
					    sh[st[k].st_shndx].sh_offset, b, 16));
			syms++;
		}
	}
	EXPECT_EQ(1, syms);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	EXPECT_EQ(NULL, __jit_debug_descriptor.first_entry);
	EXPECT_EQ(2, __jit_debug_descriptor.action_flag);	/* unregister */
	cleanup();
}

/* The names in every registered symbol file, joined with spaces. */
static void gdb_names(char *buf, size_t size)
{
	const struct jit_code_entry *e;
	size_t len = 0;
	int i;

	buf[0] = 0;
	for (e = __jit_debug_descriptor.first_entry; e; e = e->next_entry) {
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)e->symfile_addr;
		const Elf64_Shdr *sh = (const Elf64_Shdr *)(e->symfile_addr +
							    eh->e_shoff);

		for (i = 0; i < eh->e_shnum; i++) {
			const Elf64_Sym *st;
			const char *str;
			size_t k;

			if (sh[i].sh_type != SHT_SYMTAB)
				continue;
			st = (const Elf64_Sym *)(e->symfile_addr + sh[i].sh_offset);
			str = e->symfile_addr + sh[sh[i].sh_link].sh_offset;
			for (k = 1; k < sh[i].sh_size / sizeof(*st); k++)
				len += snprintf(buf + len, size - len, "%s%s",
						len ? " " : "", str + st[k].st_name);
		}
	}
}

/* A freed function leaves gdb's view; its neighbours stay. */
TEST(gdb_free_drops_the_name)
{
	struct jitseal_pool *p;
	char names[256];
	void *a, *b;

	use_sinks("gdb");
	p = test_pool();
	ASSERT_NE(NULL, p);
	a = stage_fn(p, 16, 1);
	b = stage_fn(p, 16, 2);
	ASSERT_EQ(0, jitseal_symbol(p, a, 16, "f_keep"));
	ASSERT_EQ(0, jitseal_symbol(p, b, 16, "f_gone"));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	gdb_names(names, sizeof(names));
	EXPECT_TRUE(strstr(names, "f_keep") && strstr(names, "f_gone"))
		TH_LOG("names: %s", names);
	ASSERT_EQ(0, jitseal_free(p, b));
	gdb_names(names, sizeof(names));
	EXPECT_STREQ("f_keep", names);
	EXPECT_EQ(2, __jit_debug_descriptor.action_flag);	/* unregister */
	ASSERT_EQ(0, jitseal_free(p, a));
	EXPECT_EQ(NULL, __jit_debug_descriptor.first_entry);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	cleanup();
}

/* The section @name of the newest registered symbol file. */
static const Elf64_Shdr *gdb_section(const char *name)
{
	const struct jit_code_entry *e = __jit_debug_descriptor.first_entry;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)e->symfile_addr;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(e->symfile_addr + eh->e_shoff);
	const char *names = e->symfile_addr + sh[eh->e_shstrndx].sh_offset;
	int i;

	for (i = 0; i < eh->e_shnum; i++)
		if (!strcmp(names + sh[i].sh_name, name))
			return &sh[i];
	return NULL;
}

/*
 * Unwind rules: an FDE for a function with the frame-pointer prologue,
 * covering exactly its bytes; none for a function without it.
 */
TEST(gdb_fde_for_frame_pointer_code)
{
	static const uint8_t fp_fn[16] = {
		0x55, 0x48, 0x89, 0xe5,		/* push %rbp; mov %rsp,%rbp */
		0xb8, 42, 0, 0, 0,		/* mov $42, %eax */
		0xc9, 0xc3,			/* leave; ret */
		0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
	};
	struct jitseal_pool *p;
	const Elf64_Shdr *frame;
	const uint8_t *f;
	struct jitseal_mem m;
	uint64_t loc, range;
	uint32_t cie_id;
	void *plain;

	use_sinks("gdb");
	p = test_pool();
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, jitseal_alloc(p, 16, 16, JITSEAL_CODE, &m));
	memcpy(m.stage, fp_fn, sizeof(fp_fn));
	ASSERT_EQ(0, jitseal_symbol(p, m.addr, 16, "with_frame"));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(42, ((fn_v)m.addr)());
	frame = gdb_section(".debug_frame");
	ASSERT_NE(NULL, frame);
	ASSERT_EQ(24 + 48, frame->sh_size);		/* one CIE, one FDE */
	f = (const uint8_t *)__jit_debug_descriptor.first_entry->symfile_addr +
	    frame->sh_offset;
	memcpy(&cie_id, f + 4, 4);
	EXPECT_EQ(0xffffffffU, cie_id);
	memcpy(&cie_id, f + 24 + 4, 4);
	EXPECT_EQ(0, cie_id);				/* FDE -> CIE at 0 */
	memcpy(&loc, f + 24 + 8, 8);
	memcpy(&range, f + 24 + 16, 8);
	EXPECT_EQ((uintptr_t)m.addr, loc);
	EXPECT_EQ(16, range);

	plain = stage_fn(p, 16, 1);
	ASSERT_EQ(0, jitseal_symbol(p, plain, 16, "no_frame"));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	frame = gdb_section(".debug_frame");
	ASSERT_NE(NULL, frame);
	EXPECT_EQ(0, frame->sh_size);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	cleanup();
}

struct namer {
	pthread_t t;
	int id, err;
};

/* One pool per thread, 100 named finalizes each, into one perf map. */
static void *namer_run(void *arg)
{
	struct namer *nm = arg;
	struct jitseal_pool *p = test_pool();
	char name[32];
	int i;

	if (!p) {
		nm->err = -errno;
		return NULL;
	}
	for (i = 0; i < 100 && !nm->err; i++) {
		void *a = stage_fn(p, 16, (uint32_t)i);

		snprintf(name, sizeof(name), "t%d_f%d", nm->id, i);
		nm->err = a ? jitseal_symbol(p, a, 16, name) : -ENOMEM;
		if (!nm->err)
			nm->err = jitseal_finalize(p, NULL);
		if (!nm->err && ((fn_v)a)() != i)
			nm->err = -EIO;
	}
	jitseal_pool_destroy(p);
	return NULL;
}

TEST(threads_share_the_sinks)
{
	struct namer nm[4];
	char path[64], *map, *line;
	unsigned long start, size;
	int i, lines = 0, good = 0;

	use_sinks("map,jitdump,gdb");
	for (i = 0; i < 4; i++) {
		nm[i] = (struct namer){ .id = i };
		ASSERT_EQ(0, pthread_create(&nm[i].t, NULL, namer_run, &nm[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(nm[i].t, NULL);
		EXPECT_EQ(0, nm[i].err);
	}
	map_path(path, sizeof(path));
	map = slurp(path, NULL);
	ASSERT_NE(NULL, map);
	for (line = strtok(map, "\n"); line; line = strtok(NULL, "\n")) {
		char name[32];
		int t, f;

		lines++;
		if (sscanf(line, "%lx %lx %31s", &start, &size, name) == 3 &&
		    size == 16 && sscanf(name, "t%d_f%d", &t, &f) == 2)
			good++;
	}
	EXPECT_EQ(400, lines);
	EXPECT_EQ(400, good);
	EXPECT_EQ(NULL, __jit_debug_descriptor.first_entry);	/* all gone */
	free(map);
	cleanup();
}

/* Profiling off: names are checked, nothing is written anywhere. */
TEST(off_creates_nothing)
{
	struct jitseal_pool *p;
	char path[4200];
	struct stat st;
	void *a;

	use_sinks(NULL);
	p = test_pool();
	ASSERT_NE(NULL, p);
	a = stage_fn(p, 16, 7);
	EXPECT_EQ(0, jitseal_symbol(p, a, 16, "quiet"));
	EXPECT_EQ(-EINVAL, jitseal_symbol(p, a, 17, "still_checked"));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	EXPECT_EQ(7, ((fn_v)a)());
	EXPECT_EQ(0, jitseal_profile_enable(0));	/* nothing on */
	map_path(path, sizeof(path));
	EXPECT_EQ(-1, stat(path, &st));
	dump_path(path, sizeof(path));
	EXPECT_EQ(-1, stat(path, &st));
	EXPECT_EQ(NULL, __jit_debug_descriptor.first_entry);
	EXPECT_EQ(0, rmdir(tdir));			/* still empty */
	EXPECT_EQ(0, jitseal_pool_destroy(p));
}

TEST(enable_from_the_api)
{
	struct jitseal_pool *p;
	char path[64], *map;
	void *a;

	use_sinks("bogus,map");		/* one warning, map still on */
	EXPECT_EQ(JITSEAL_PROFILE_MAP | JITSEAL_PROFILE_GDB,
		  jitseal_profile_enable(JITSEAL_PROFILE_GDB));
	p = test_pool();
	ASSERT_NE(NULL, p);
	a = stage_fn(p, 16, 1);
	ASSERT_EQ(0, jitseal_symbol(p, a, 16, "api"));
	ASSERT_EQ(0, jitseal_finalize(p, NULL));
	map_path(path, sizeof(path));
	map = slurp(path, NULL);
	ASSERT_NE(NULL, map);
	EXPECT_NE(NULL, strstr(map, " 10 api\n"));
	EXPECT_NE(NULL, __jit_debug_descriptor.first_entry);
	free(map);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	cleanup();
}

/*
 * An unusable dump directory: one warning line on stderr, then the JIT
 * runs on (the other sinks too).
 */
TEST(unwritable_dir_warns_once)
{
	struct jitseal_pool *p;
	char errbuf[4096] = "", path[64], *map;
	int pfd[2], saved, i;
	ssize_t n;
	void *a[3];

	use_sinks("jitdump,map");
	setenv("JITSEAL_PERF_DIR", "/proc/no/such/dir", 1);
	ASSERT_EQ(0, pipe(pfd));
	saved = dup(2);
	dup2(pfd[1], 2);
	p = test_pool();
	ASSERT_NE(NULL, p);
	for (i = 0; i < 3; i++) {
		a[i] = stage_fn(p, 16, (uint32_t)i + 10);
		ASSERT_EQ(0, jitseal_symbol(p, a[i], 16, "runs_on"));
		ASSERT_EQ(0, jitseal_finalize(p, NULL));
	}
	dup2(saved, 2);
	close(pfd[1]);
	n = read(pfd[0], errbuf, sizeof(errbuf) - 1);
	close(pfd[0]);
	ASSERT_GT(n, 0);
	errbuf[n] = '\0';
	EXPECT_NE(NULL, strstr(errbuf, "/proc/no/such/dir"));
	EXPECT_EQ(strlen(errbuf) - 1, strcspn(errbuf, "\n"));	/* one line */
	for (i = 0; i < 3; i++)
		EXPECT_EQ(10 + i, ((fn_v)a[i])());
	map_path(path, sizeof(path));
	map = slurp(path, NULL);
	ASSERT_NE(NULL, map);
	EXPECT_NE(NULL, strstr(map, " 10 runs_on\n"));
	free(map);
	EXPECT_EQ(0, jitseal_pool_destroy(p));
	cleanup();
}

TEST_HARNESS_MAIN
