// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * The GDB JIT interface (gdb manual, "JIT Compilation Interface"): per
 * finalize, one in-memory ELF symbol file holding a .text section per
 * named function at its final address (bytes read back from the sealed
 * mapping), a symbol per function and, for functions that open with the
 * frame-pointer prologue "push %rbp; mov %rsp,%rbp", a .debug_frame FDE
 * so that gdb's "bt" walks through them.  Entries are unregistered when
 * their pool is destroyed.
 *
 * The descriptor and the hook function are weak: a process that also
 * links another JIT runtime defining them (LLVM does) has one list, as
 * the interface requires.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "profile.h"


struct jit_code_entry {
	struct jit_code_entry *next_entry;
	struct jit_code_entry *prev_entry;
	const char *symfile_addr;
	uint64_t symfile_size;
};

struct jit_descriptor {
	uint32_t version;
	uint32_t action_flag;	/* JIT_* below */
	struct jit_code_entry *relevant_entry;
	struct jit_code_entry *first_entry;
};

#define JIT_REGISTER_FN		1
#define JIT_UNREGISTER_FN	2

__attribute__((visibility("default"), weak, used))
struct jit_descriptor __jit_debug_descriptor = { 1, 0, NULL, NULL };

/* gdb puts a breakpoint here; it must stay a real call. */
__attribute__((visibility("default"), weak, used, noinline))
void __jit_debug_register_code(void)
{
	__asm__ __volatile__("" ::: "memory");
}

struct js_gdb_entry {
	struct jit_code_entry e;	/* first: the list links entries */
	const struct jitseal_pool *pool;
	struct js_gdb_entry *next;	/* ours, in js_gdb_entries */
};

static struct js_gdb_entry *js_gdb_entries;

/* At most this many functions per symbol file: no extended numbering. */
#define JS_GDB_CHUNK	16000

/* The sections after the .text ones. */
enum { JS_SH_SYMTAB, JS_SH_STRTAB, JS_SH_FRAME, JS_SH_SHSTRTAB, JS_SH_NR };

static const char js_shstrtab[] =
	"\0.text\0.symtab\0.strtab\0.debug_frame\0.shstrtab";
#define JS_SHN_TEXT	1
#define JS_SHN_SYMTAB	7
#define JS_SHN_STRTAB	15
#define JS_SHN_FRAME	23
#define JS_SHN_SHSTRTAB	36

#define JS_FDE_SIZE	48

static bool js_fp_prologue(const struct js_prof_sym *s)
{
	return js_arch_fp_prologue((const uint8_t *)s->addr, s->len);
}

/* An FDE of JS_FDE_SIZE bytes for @s; CIE pointer 0 (js_arch_cie). */
static void js_put_fde(uint8_t *f, const struct js_prof_sym *s)
{
	uint64_t a = s->addr, len = s->len;

	memset(f, 0, JS_FDE_SIZE);
	f[0] = JS_FDE_SIZE - 4;			/* length; CIE pointer 0 */
	memcpy(f + 8, &a, 8);
	memcpy(f + 16, &len, 8);
	js_arch_fde_cfi(f + 24, (const uint8_t *)s->addr, s->len);
}

struct js_elf_layout {
	size_t text, symtab, strtab, frame, shstrtab, shdr, size;
	size_t strsz, nfde;
};

static void js_elf_layout(const struct js_prof_sym *syms, size_t n,
			  struct js_elf_layout *l)
{
	size_t i, off = sizeof(Elf64_Ehdr);

	l->strsz = 1;
	l->nfde = 0;
	l->text = off;
	for (i = 0; i < n; i++) {
		off += syms[i].len;
		l->strsz += strlen(syms[i].name) + 1;
		l->nfde += js_fp_prologue(&syms[i]);
	}
	off = (off + 7) & ~(size_t)7;
	l->symtab = off;
	off += (n + 1) * sizeof(Elf64_Sym);
	l->strtab = off;
	off = (off + l->strsz + 7) & ~(size_t)7;
	l->frame = off;
	off += l->nfde ? sizeof(js_arch_cie) + l->nfde * JS_FDE_SIZE : 0;
	l->shstrtab = off;
	off = (off + sizeof(js_shstrtab) + 7) & ~(size_t)7;
	l->shdr = off;
	l->size = off + (1 + n + JS_SH_NR) * sizeof(Elf64_Shdr);
}

static void js_elf_header(char *buf, size_t n, const struct js_elf_layout *l)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = JS_ARCH_ELF_MACH;
	eh->e_version = EV_CURRENT;
	eh->e_shoff = l->shdr;
	eh->e_ehsize = sizeof(*eh);
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = (Elf64_Half)(1 + n + JS_SH_NR);
	eh->e_shstrndx = (Elf64_Half)(1 + n + JS_SH_SHSTRTAB);
}

/* One ELF symbol file for @syms[0..n), in one malloc'd buffer. */
static char *js_elf_build(const struct js_prof_sym *syms, size_t n,
			  size_t *size)
{
	struct js_elf_layout l;
	Elf64_Shdr *sh;
	Elf64_Sym *st;
	size_t i, text, str = 1, fde;
	char *buf;

	js_elf_layout(syms, n, &l);
	buf = calloc(1, l.size);
	if (!buf)
		return NULL;
	js_elf_header(buf, n, &l);
	sh = (Elf64_Shdr *)(buf + l.shdr);
	st = (Elf64_Sym *)(buf + l.symtab);
	text = l.text;
	fde = l.frame + sizeof(js_arch_cie);
	if (l.nfde)
		memcpy(buf + l.frame, js_arch_cie, sizeof(js_arch_cie));
	for (i = 0; i < n; i++) {
		size_t nlen = strlen(syms[i].name) + 1;

		/* the sealed bytes, as gdb will disassemble them */
		memcpy(buf + text, (const void *)syms[i].addr, syms[i].len);
		sh[1 + i] = (Elf64_Shdr){
			.sh_name = JS_SHN_TEXT, .sh_type = SHT_PROGBITS,
			.sh_flags = SHF_ALLOC | SHF_EXECINSTR,
			.sh_addr = syms[i].addr, .sh_offset = text,
			.sh_size = syms[i].len, .sh_addralign = 1,
		};
		st[1 + i] = (Elf64_Sym){
			.st_name = (Elf64_Word)str,
			.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
			.st_shndx = (Elf64_Half)(1 + i),
			.st_value = syms[i].addr, .st_size = syms[i].len,
		};
		memcpy(buf + l.strtab + str, syms[i].name, nlen);
		str += nlen;
		text += syms[i].len;
		if (js_fp_prologue(&syms[i])) {
			js_put_fde((uint8_t *)buf + fde, &syms[i]);
			fde += JS_FDE_SIZE;
		}
	}
	sh[1 + n + JS_SH_SYMTAB] = (Elf64_Shdr){
		.sh_name = JS_SHN_SYMTAB, .sh_type = SHT_SYMTAB,
		.sh_offset = l.symtab, .sh_size = (n + 1) * sizeof(Elf64_Sym),
		.sh_link = (Elf64_Word)(1 + n + JS_SH_STRTAB), .sh_info = 1,
		.sh_addralign = 8, .sh_entsize = sizeof(Elf64_Sym),
	};
	sh[1 + n + JS_SH_STRTAB] = (Elf64_Shdr){
		.sh_name = JS_SHN_STRTAB, .sh_type = SHT_STRTAB,
		.sh_offset = l.strtab, .sh_size = l.strsz, .sh_addralign = 1,
	};
	sh[1 + n + JS_SH_FRAME] = (Elf64_Shdr){
		.sh_name = JS_SHN_FRAME, .sh_type = SHT_PROGBITS,
		.sh_offset = l.frame, .sh_size = l.shstrtab - l.frame,
		.sh_addralign = 8,
	};
	sh[1 + n + JS_SH_SHSTRTAB] = (Elf64_Shdr){
		.sh_name = JS_SHN_SHSTRTAB, .sh_type = SHT_STRTAB,
		.sh_offset = l.shstrtab, .sh_size = sizeof(js_shstrtab),
		.sh_addralign = 1,
	};
	memcpy(buf + l.shstrtab, js_shstrtab, sizeof(js_shstrtab));
	*size = l.size;
	return buf;
}

static void js_gdbjit_notify(struct jit_code_entry *e, uint32_t action)
{
	__jit_debug_descriptor.relevant_entry = e;
	__jit_debug_descriptor.action_flag = action;
	__jit_debug_register_code();
}

void js_gdbjit_register(const struct jitseal_pool *pool,
			const struct js_prof_sym *syms, size_t n)
{
	struct js_gdb_entry *g;
	size_t k, size;

	for (; n; syms += k, n -= k) {
		k = n < JS_GDB_CHUNK ? n : JS_GDB_CHUNK;
		g = calloc(1, sizeof(*g));
		if (!g)
			return;
		g->e.symfile_addr = js_elf_build(syms, k, &size);
		if (!g->e.symfile_addr) {
			free(g);
			return;
		}
		g->e.symfile_size = size;
		g->pool = pool;
		g->next = js_gdb_entries;
		js_gdb_entries = g;
		g->e.next_entry = __jit_debug_descriptor.first_entry;
		if (g->e.next_entry)
			g->e.next_entry->prev_entry = &g->e;
		__jit_debug_descriptor.first_entry = &g->e;
		js_gdbjit_notify(&g->e, JIT_REGISTER_FN);
	}
}

static void js_gdbjit_unregister(struct js_gdb_entry *g)
{
	struct jit_code_entry *e = &g->e;

	if (e->prev_entry)
		e->prev_entry->next_entry = e->next_entry;
	else
		__jit_debug_descriptor.first_entry = e->next_entry;
	if (e->next_entry)
		e->next_entry->prev_entry = e->prev_entry;
	js_gdbjit_notify(e, JIT_UNREGISTER_FN);
	free((void *)e->symfile_addr);
	free(g);
}

void js_gdbjit_pool_gone(const struct jitseal_pool *pool)
{
	struct js_gdb_entry **pp, *g;

	for (pp = &js_gdb_entries; (g = *pp);) {
		if (g->pool == pool) {
			*pp = g->next;
			js_gdbjit_unregister(g);
		} else {
			pp = &g->next;
		}
	}
}

/*
 * The symbols of @g's symbol file that do not overlap [lo, hi), in *@out
 * (names point into the file); returns how many, or -1 if none overlaps
 * (or memory ran out) and @g can stay as it is.
 */
static long js_gdbjit_keep(const struct js_gdb_entry *g, uintptr_t lo,
			   uintptr_t hi, struct js_prof_sym **out)
{
	const char *f = g->e.symfile_addr;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(f + eh->e_shoff);
	const Elf64_Sym *st = NULL;
	size_t i, nsym = 0, n = 0;
	bool hit = false;
	const char *str = NULL;

	for (i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_SYMTAB) {
			st = (const Elf64_Sym *)(f + sh[i].sh_offset);
			nsym = sh[i].sh_size / sizeof(*st);
			str = f + sh[sh[i].sh_link].sh_offset;
		}
	}
	*out = nsym > 1 ? calloc(nsym - 1, sizeof(**out)) : NULL;
	if (!*out)
		return -1;
	for (i = 1; i < nsym; i++) {
		if (st[i].st_value < hi && st[i].st_value + st[i].st_size > lo) {
			hit = true;
			continue;
		}
		(*out)[n++] = (struct js_prof_sym){ st[i].st_value,
						    st[i].st_size,
						    str + st[i].st_name };
	}
	if (!hit) {
		free(*out);
		return -1;
	}
	return (long)n;
}

/*
 * [lo, hi) of @pool was freed (its pages may be reused): every symbol
 * file that names a function there is replaced by one without it, so gdb
 * never shows a freed function at a reused address.
 */
void js_gdbjit_freed(const struct jitseal_pool *pool, uintptr_t lo,
		     uintptr_t hi)
{
	struct js_gdb_entry **pp, *g;
	struct js_prof_sym *keep;
	long n;

	for (pp = &js_gdb_entries; (g = *pp);) {
		if (g->pool != pool || (n = js_gdbjit_keep(g, lo, hi, &keep)) < 0) {
			pp = &g->next;
			continue;
		}
		*pp = g->next;
		/* the new file copies the names before the old one goes */
		js_gdbjit_register(pool, keep, (size_t)n);
		js_gdbjit_unregister(g);
		free(keep);
	}
}
