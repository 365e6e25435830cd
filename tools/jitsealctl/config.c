// SPDX-License-Identifier: GPL-2.0
/*
 * jitsealctl: the configuration file, /etc/jitseal/jitseal.conf (format in
 * jitseal.conf(5)).  Reading validates every line and reports each bad one
 * as FILE:LINE; values come out normalised to what sysfs prints, so that
 * apply can tell what would change.  Writing rewrites only exempt lines.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "jitsealctl.h"

/* The module's own limits (kmod/policy.c), checked before anything is set. */
#define POOL_BYTES_MIN		4096ULL
#define POOL_BYTES_MAX		(4ULL << 30)
#define USER_BYTES_MAX		(1ULL << 40)
#define USER_POOLS_MAX		(1ULL << 20)

const char *const conf_knob_keys[CONF_NR_KNOBS] = {
	"max_pool_bytes", "max_user_bytes", "max_user_pools",
	"allowed_gid", "audit", "retire",
};

static void conf_error(struct conf *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void conf_error(struct conf *c, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "jitsealctl: %s:%d: ", c->cur, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	c->errors++;
}

/* A size: decimal digits with an optional K, M, G or T (powers of 1024). */
static int parse_size(const char *s, __u64 *out)
{
	static const char units[] = "KMGT";
	char num[32];
	size_t n = strlen(s);
	const char *u;
	__u64 v;
	int shift = 0;

	if (!n || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n + 1);
	u = strchr(units, toupper((unsigned char)num[n - 1]));
	if (u && *u) {
		shift = 10 * (int)(u - units + 1);
		num[n - 1] = '\0';
	}
	if (parse_u64(num, &v) || (shift && v > (~0ULL >> shift)))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/* yes or no, the only words jitseal.conf(5) and jitsealctl(8) take. */
int parse_yes_no(const char *s)
{
	if (!strcmp(s, "yes"))
		return 1;
	if (!strcmp(s, "no"))
		return 0;
	return -1;
}

/* A knob's value, normalised into OUT; an error message or NULL. */
const char *conf_knob_parse(int k, const char *v, char *out, size_t len)
{
	static char rule[64];
	__u64 page = sysconf(_SC_PAGESIZE);
	struct group *g;
	__u64 n;
	int b;

	switch (k) {
	case CONF_MAX_POOL_BYTES:
		if (parse_size(v, &n))
			return "is not a size (digits, optional K, M, G or T)";
		if (n < page || n > POOL_BYTES_MAX || n % page) {
			snprintf(rule, sizeof(rule),
				 "must be a multiple of %llu from %llu to 4G",
				 (unsigned long long)page,
				 (unsigned long long)page);
			return rule;
		}
		break;
	case CONF_MAX_USER_BYTES:
		if (parse_size(v, &n))
			return "is not a size (digits, optional K, M, G or T)";
		if (n > USER_BYTES_MAX)
			return "must be at most 1T";
		break;
	case CONF_MAX_USER_POOLS:
		if (parse_u64(v, &n) || n > USER_POOLS_MAX)
			return "must be a number from 0 to 1048576";
		break;
	case CONF_ALLOWED_GID:
		if (!strcmp(v, "any") || !strcmp(v, "-1")) {
			snprintf(out, len, "-1");
			return NULL;
		}
		if (!parse_u64(v, &n) && n < 0xffffffffULL)
			break;
		g = getgrnam(v);
		if (!g)
			return "is not a group name, a gid or 'any'";
		n = g->gr_gid;
		break;
	case CONF_AUDIT:
	case CONF_RETIRE:
		b = parse_yes_no(v);
		if (b < 0)
			return "must be yes or no";
		n = b;
		break;
	}
	snprintf(out, len, "%llu", (unsigned long long)n);
	return NULL;
}

/* A size as the file would say it: 64M rather than 67108864. */
static void size_words(__u64 n, char *out, size_t len)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (n && u < 3 && !(n & 1023)) {
		n >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(out, len, "%llu", (unsigned long long)n);
	else
		snprintf(out, len, "%llu%c", (unsigned long long)n, units[u]);
}

/*
 * The value sysfs prints for knob K (or "locked", K == CONF_NR_KNOBS) in
 * the words of the configuration file, into OUT.
 */
void conf_knob_words(int k, const char *sysfs, char *out, size_t len)
{
	struct group *g;
	__u64 n = 0;

	if (k != CONF_ALLOWED_GID && parse_u64(sysfs, &n)) {
		snprintf(out, len, "%s", sysfs);
		return;
	}
	switch (k) {
	case CONF_MAX_POOL_BYTES:
	case CONF_MAX_USER_BYTES:
		size_words(n, out, len);
		return;
	case CONF_ALLOWED_GID:
		g = parse_u64(sysfs, &n) ? NULL : getgrgid(n);
		if (!strcmp(sysfs, "-1"))
			snprintf(out, len, "any");
		else
			snprintf(out, len, "%s", g ? g->gr_name : sysfs);
		return;
	case CONF_AUDIT:
	case CONF_RETIRE:
	case CONF_NR_KNOBS:
		snprintf(out, len, "%s", n ? "yes" : "no");
		return;
	}
	snprintf(out, len, "%s", sysfs);
}

/* The knob called KEY, or -1. */
int conf_knob_index(const char *key)
{
	for (int k = 0; k < CONF_NR_KNOBS; k++)
		if (!strcmp(key, conf_knob_keys[k]))
			return k;
	return -1;
}

static void parse_enforce_line(struct conf *c, int line, char *v)
{
	char *scope = strtok(v, " \t"), *path = strtok(NULL, " \t");
	struct statfs st;

	if (strtok(NULL, " \t")) {
		conf_error(c, line, "enforce: too many words (all, cgroup PATH or off)");
		return;
	}
	if (scope && !strcmp(scope, "all") && !path) {
		c->scope = WX_SCOPE_ALL;
	} else if (scope && !strcmp(scope, "off") && !path) {
		c->scope = CONF_SCOPE_OFF;
	} else if (scope && !strcmp(scope, "cgroup") && path) {
		if (path[0] != '/' || statfs(path, &st) ||
		    st.f_type != CGROUP2_SUPER_MAGIC) {
			conf_error(c, line, "enforce: %s is not a cgroup v2 directory",
				   path);
			return;
		}
		c->scope = WX_SCOPE_CGROUP;
		snprintf(c->cgroup, sizeof(c->cgroup), "%s", path);
	} else {
		conf_error(c, line, "enforce: want all, cgroup PATH or off");
	}
}

/* exempt = PATH [audit] [ino=N ctime=SEC.NSEC] */
static void parse_exempt_line(struct conf *c, int line, char *v)
{
	struct conf_exempt *x, *grown;
	char *word = strtok(v, " \t");
	int i;

	if (!word || word[0] != '/') {
		conf_error(c, line, "exempt: want an absolute path");
		return;
	}
	for (i = 0; i < c->nexempt; i++)
		if (!strcmp(c->exempt[i].path, word)) {
			conf_error(c, line, "exempt: %s is already exempted at %s:%d",
				   word, c->exempt[i].file, c->exempt[i].line);
			return;
		}
	if (c->nexempt >= WX_EXEMPT_MAX) {
		conf_error(c, line, "exempt: more than %d exemptions", WX_EXEMPT_MAX);
		return;
	}
	grown = realloc(c->exempt, (c->nexempt + 1) * sizeof(*x));
	if (!grown) {
		conf_error(c, line, "out of memory");
		return;
	}
	c->exempt = grown;
	x = memset(&c->exempt[c->nexempt], 0, sizeof(*x));
	snprintf(x->path, sizeof(x->path), "%s", word);
	x->mode = WX_EXEMPT_FULL;
	x->file = c->cur;
	x->line = line;
	while ((word = strtok(NULL, " \t"))) {
		unsigned long long ino;
		long long sec;
		unsigned int nsec;
		char end;

		if (!strcmp(word, "audit")) {
			x->mode = WX_EXEMPT_AUDIT;
		} else if (sscanf(word, "ino=%llu%c", &ino, &end) == 1) {
			x->ino = ino;
			x->has_id |= 1;
		} else if (sscanf(word, "ctime=%lld.%9u%c", &sec, &nsec, &end) == 2) {
			x->ctime_sec = sec;
			x->ctime_nsec = nsec;
			x->has_id |= 2;
		} else {
			conf_error(c, line, "exempt: unknown word '%s' (audit, ino=N, ctime=SEC.NSEC)",
				   word);
			return;
		}
	}
	if (x->has_id && x->has_id != 3) {
		conf_error(c, line, "exempt: give both ino= and ctime=, or neither");
		return;
	}
	c->nexempt++;
}

static void parse_line(struct conf *c, int line, char *key, char *v)
{
	const char *msg;
	int k, b;

	if (c->dropin && strcmp(key, "exempt")) {
		conf_error(c, line, "only exempt lines belong in %s (put %s in %s)",
			   JITSEAL_CONF_DIR, key, JITSEAL_CONF);
		return;
	}
	for (k = 0; k < CONF_NR_KNOBS; k++) {
		if (strcmp(key, conf_knob_keys[k]))
			continue;
		if (c->knob_line[k]) {
			conf_error(c, line, "%s is already set on line %d", key,
				   c->knob_line[k]);
			return;
		}
		msg = conf_knob_parse(k, v, c->knob[k], sizeof(c->knob[k]));
		if (msg) {
			conf_error(c, line, "%s: '%s' %s", key, v, msg);
			return;
		}
		conf_knob_words(k, c->knob[k], c->knob_text[k],
				sizeof(c->knob_text[k]));
		c->knob_line[k] = line;
		return;
	}
	if (!strcmp(key, "lock")) {
		b = parse_yes_no(v);
		if (b < 0 || c->lock_line)
			conf_error(c, line, b < 0 ? "lock: must be yes or no" :
				   "lock is already set");
		else
			c->lock = b, c->lock_line = line;
	} else if (!strcmp(key, "enforce") || !strcmp(key, "enforce_mode")) {
		int *seen = key[7] ? &c->mode_line : &c->scope_line;

		if (*seen) {
			conf_error(c, line, "%s is already set on line %d", key, *seen);
			return;
		}
		*seen = line;
		if (key[7] && !strcmp(v, "enforce"))
			c->mode = WX_MODE_ENFORCE;
		else if (key[7] && !strcmp(v, "audit"))
			c->mode = WX_MODE_AUDIT;
		else if (key[7])
			conf_error(c, line, "enforce_mode: must be enforce or audit");
		else
			parse_enforce_line(c, line, v);
	} else if (!strcmp(key, "exempt")) {
		parse_exempt_line(c, line, v);
	} else {
		conf_error(c, line, "unknown key '%s'", key);
	}
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* One line: comments, blanks, or KEY = VALUE. */
static void read_line(struct conf *c, int line, char *text)
{
	char *eq, *key, *value;

	text[strcspn(text, "#")] = '\0';
	text = trim(text);
	if (!*text)
		return;
	eq = strchr(text, '=');
	if (!eq) {
		conf_error(c, line, "want KEY = VALUE");
		return;
	}
	*eq = '\0';
	key = trim(text);
	value = trim(eq + 1);
	if (!*key || !*value) {
		conf_error(c, line, *key ? "%s: no value" : "no key before '='",
			   key);
		return;
	}
	parse_line(c, line, key, value);
}

static int read_file(struct conf *c, const char *file, bool must_exist)
{
	char text[PATH_MAX + 128];
	int line = 0;
	FILE *f;

	c->cur = file;
	f = fopen(file, "re");
	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		fail("cannot read %s: %s", file, strerror(errno));
		return ++c->errors;
	}
	while (fgets(text, sizeof(text), f)) {
		line++;
		if (!strchr(text, '\n') && !feof(f)) {
			conf_error(c, line, "line too long");
			while (fgets(text, sizeof(text), f) && !strchr(text, '\n'))
				;
			continue;
		}
		read_line(c, line, text);
	}
	fclose(f);
	return 0;
}

static int is_dropin(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 5 && !strcmp(e->d_name + n - 5, ".conf");
}

/* JITSEAL_CONF_DIR/\*.conf in name order: exempt lines only. */
static void read_dropins(struct conf *c)
{
	struct dirent **ents;
	char path[PATH_MAX];
	int n;

	n = scandir(JITSEAL_CONF_DIR, &ents, is_dropin, alphasort);
	if (n < 0)
		return;
	c->dropin = true;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", JITSEAL_CONF_DIR,
			 ents[i]->d_name);
		if (c->ndropins < CONF_DROPINS_MAX) {
			c->dropins[c->ndropins] = strdup(path);
			if (c->dropins[c->ndropins])
				read_file(c, c->dropins[c->ndropins++], true);
		}
		free(ents[i]);
	}
	free(ents);
	c->dropin = false;
	c->cur = c->file;
}

/*
 * Read and validate FILE, and for the default file its drop-ins.  A
 * missing file is empty when !must_exist.  Returns the number of errors
 * (each printed), 0 when the file is good.
 */
int conf_read(const char *file, struct conf *c, bool must_exist)
{
	memset(c, 0, sizeof(*c));
	c->file = file;
	c->mode = WX_MODE_ENFORCE;
	read_file(c, file, must_exist);
	if (!strcmp(file, JITSEAL_CONF))
		read_dropins(c);
	c->cur = file;
	if (c->mode_line && !c->scope_line)
		conf_error(c, c->mode_line, "enforce_mode without enforce");
	return c->errors;
}

void conf_free(struct conf *c)
{
	for (int i = 0; i < c->ndropins; i++)
		free(c->dropins[i]);
	c->ndropins = 0;
	free(c->exempt);
	c->exempt = NULL;
	c->nexempt = 0;
}

/* Without ino= and ctime=, the exemption follows the path. */
static void write_exempt(FILE *f, const struct conf_exempt *x)
{
	fprintf(f, "exempt = %s%s", x->path,
		x->mode == WX_EXEMPT_AUDIT ? " audit" : "");
	if (x->has_id)
		fprintf(f, " ino=%llu ctime=%lld.%09u",
			(unsigned long long)x->ino, (long long)x->ctime_sec,
			x->ctime_nsec);
	fputc('\n', f);
}

/* Is this line "exempt = PATH ..."? */
static bool exempt_line_for(const char *text, const char *path)
{
	char copy[PATH_MAX + 128], *eq, *word;

	snprintf(copy, sizeof(copy), "%s", text);
	copy[strcspn(copy, "#")] = '\0';
	eq = strchr(copy, '=');
	if (!eq)
		return false;
	*eq = '\0';
	if (strcmp(trim(copy), "exempt"))
		return false;
	word = strtok(eq + 1, " \t\n");
	return word && !strcmp(word, path);
}

/* mkdir -p of PATH's directory (PATH is changed and restored). */
static void mkdir_parents(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
}

/*
 * Rewrite FILE with the exempt line of PATH replaced by ADD (or removed
 * when ADD is NULL), appended if there was none; atomically, by rename.
 */
int conf_set_exempt(const char *file, const char *path,
		    const struct conf_exempt *add)
{
	char tmp[PATH_MAX], text[PATH_MAX + 128];
	struct stat st;
	bool done = false;
	FILE *in, *out;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s", file);
	mkdir_parents(tmp);	/* /etc/jitseal/jitseal.conf.d on first use */
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", file);
	fd = mkstemp(tmp);
	if (fd < 0)
		return fail("cannot write next to %s: %s", file, strerror(errno));
	out = fdopen(fd, "w");
	in = fopen(file, "re");
	if (in && !fstat(fileno(in), &st))
		fchmod(fd, st.st_mode & 07777);
	else
		fchmod(fd, 0644);
	while (in && fgets(text, sizeof(text), in)) {
		if (!exempt_line_for(text, path)) {
			fputs(text, out);
			continue;
		}
		if (add && !done)
			write_exempt(out, add);
		done = true;
	}
	if (add && !done)
		write_exempt(out, add);
	if (in)
		fclose(in);
	if (fflush(out) || fsync(fd) || fclose(out) || rename(tmp, file)) {
		fail("cannot write %s: %s", file, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}
