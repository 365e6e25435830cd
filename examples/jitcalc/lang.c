// SPDX-License-Identifier: GPL-2.0
/*
 * jitcalc language: functions over 64-bit integers.
 *
 *   fn fib(n) = if n < 2 then n else fib(n - 1) + fib(n - 2)
 *   print fib(20)
 *
 * Operators: + - * / %, comparisons (< <= > >= == !=) giving 0 or 1,
 * unary -, if/then/else, calls (up to 6 arguments).  '#' starts a
 * comment.  Arithmetic wraps modulo 2^64, as the machine code does;
 * x / 0 and x % 0 are 0, x / -1 is -x (never a trap).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitcalc.h"

struct parser {
	const char *s;
	int line;
	struct prog *p;
	const struct func *cur;		/* function being parsed, or NULL */
	char *err;
	size_t errlen;
	int failed;
};

static void perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->failed)
		return;
	ps->failed = 1;
	n = snprintf(ps->err, ps->errlen, "line %d: ", ps->line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->errlen)
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void skip(struct parser *ps)
{
	for (;;) {
		while (isspace((unsigned char)*ps->s)) {
			if (*ps->s == '\n')
				ps->line++;
			ps->s++;
		}
		if (*ps->s != '#')
			return;
		while (*ps->s && *ps->s != '\n')
			ps->s++;
	}
}

static int accept(struct parser *ps, const char *tok)
{
	size_t n = strlen(tok);

	skip(ps);
	if (strncmp(ps->s, tok, n))
		return 0;
	/* keywords must not run into an identifier */
	if (isalpha((unsigned char)tok[0]) &&
	    (isalnum((unsigned char)ps->s[n]) || ps->s[n] == '_'))
		return 0;
	ps->s += n;
	return 1;
}

static void expect(struct parser *ps, const char *tok)
{
	if (!accept(ps, tok))
		perr(ps, "expected '%s'", tok);
}

static int ident(struct parser *ps, char *out, size_t len)
{
	size_t n = 0;

	skip(ps);
	if (!isalpha((unsigned char)*ps->s) && *ps->s != '_')
		return 0;
	while (isalnum((unsigned char)*ps->s) || *ps->s == '_') {
		if (n + 1 < len)
			out[n++] = *ps->s;
		ps->s++;
	}
	out[n] = '\0';
	return 1;
}

static void free_node(struct node *n);

static struct node *mk(struct parser *ps, enum node_kind k, struct node *a,
		       struct node *b)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n) {
		perr(ps, "out of memory");
		free_node(a);
		free_node(b);
		return NULL;
	}
	n->kind = k;
	n->kid[0] = a;
	n->kid[1] = b;
	return n;
}

static int find_func(const struct prog *p, const char *name)
{
	int i;

	for (i = 0; i < p->nfuncs; i++)
		if (!strcmp(p->funcs[i].name, name))
			return i;
	return -1;
}

static struct node *expr(struct parser *ps);

static struct node *primary(struct parser *ps)
{
	char name[32];
	struct node *n;

	if (ps->failed)
		return NULL;
	skip(ps);
	if (isdigit((unsigned char)*ps->s)) {
		char *end;

		n = mk(ps, N_NUM, NULL, NULL);
		if (n)
			n->num = (int64_t)strtoull(ps->s, &end, 0);
		else
			end = (char *)ps->s + 1;
		ps->s = end;
		return n;
	}
	if (accept(ps, "(")) {
		n = expr(ps);
		expect(ps, ")");
		return n;
	}
	if (accept(ps, "-"))
		return mk(ps, N_NEG, primary(ps), NULL);
	if (accept(ps, "if")) {
		n = mk(ps, N_IF, expr(ps), NULL);
		expect(ps, "then");
		if (n)
			n->kid[1] = expr(ps);
		expect(ps, "else");
		if (n)
			n->kid[2] = expr(ps);
		return n;
	}
	if (!ident(ps, name, sizeof(name))) {
		perr(ps, "expected an expression near '%.10s'", ps->s);
		return NULL;
	}
	if (accept(ps, "(")) {
		int f = find_func(ps->p, name);

		if (f < 0) {
			perr(ps, "unknown function '%s'", name);
			return NULL;
		}
		n = mk(ps, N_CALL, NULL, NULL);
		if (!n)
			return NULL;
		n->index = f;
		n->args = calloc(MAX_PARAMS, sizeof(*n->args));
		if (!accept(ps, ")")) {
			do {
				if (n->nargs == MAX_PARAMS) {
					perr(ps, "too many arguments");
					return n;
				}
				n->args[n->nargs++] = expr(ps);
			} while (!ps->failed && accept(ps, ","));
			expect(ps, ")");
		}
		if (!ps->failed && n->nargs != ps->p->funcs[f].nparams)
			perr(ps, "%s() takes %d arguments", name,
			     ps->p->funcs[f].nparams);
		return n;
	}
	if (ps->cur) {
		int i;

		for (i = 0; i < ps->cur->nparams; i++) {
			if (!strcmp(ps->cur->params[i], name)) {
				n = mk(ps, N_VAR, NULL, NULL);
				if (n)
					n->index = i;
				return n;
			}
		}
	}
	perr(ps, "unknown name '%s'", name);
	return NULL;
}

static struct node *term(struct parser *ps)
{
	struct node *n = primary(ps);

	while (!ps->failed) {
		if (accept(ps, "*"))
			n = mk(ps, N_MUL, n, primary(ps));
		else if (accept(ps, "/"))
			n = mk(ps, N_DIV, n, primary(ps));
		else if (accept(ps, "%"))
			n = mk(ps, N_MOD, n, primary(ps));
		else
			break;
	}
	return n;
}

static struct node *sum(struct parser *ps)
{
	struct node *n = term(ps);

	while (!ps->failed) {
		if (accept(ps, "+"))
			n = mk(ps, N_ADD, n, term(ps));
		else if (accept(ps, "-"))
			n = mk(ps, N_SUB, n, term(ps));
		else
			break;
	}
	return n;
}

static struct node *expr(struct parser *ps)
{
	static const struct { const char *tok; enum node_kind k; } ops[] = {
		{ "<=", N_LE }, { ">=", N_GE }, { "==", N_EQ }, { "!=", N_NE },
		{ "<", N_LT }, { ">", N_GT },
	};
	struct node *n = sum(ps);
	size_t i;

	for (i = 0; !ps->failed && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (accept(ps, ops[i].tok))
			return mk(ps, ops[i].k, n, sum(ps));
	return n;
}

static int add_func(struct parser *ps)
{
	struct prog *p = ps->p;
	struct func *f, *nf;

	nf = realloc(p->funcs, (size_t)(p->nfuncs + 1) * sizeof(*p->funcs));
	if (!nf) {
		perr(ps, "out of memory");
		return -1;
	}
	p->funcs = nf;
	f = &p->funcs[p->nfuncs];
	memset(f, 0, sizeof(*f));
	f->line = ps->line;
	if (!ident(ps, f->name, sizeof(f->name))) {
		perr(ps, "expected a function name");
		return -1;
	}
	if (find_func(p, f->name) >= 0) {
		perr(ps, "%s defined twice", f->name);
		return -1;
	}
	expect(ps, "(");
	if (!accept(ps, ")")) {
		do {
			if (f->nparams == MAX_PARAMS) {
				perr(ps, "too many parameters");
				return -1;
			}
			if (!ident(ps, f->params[f->nparams++], 32))
				perr(ps, "expected a parameter name");
		} while (!ps->failed && accept(ps, ","));
		expect(ps, ")");
	}
	expect(ps, "=");
	if (ps->failed)
		return -1;
	p->nfuncs++;		/* visible in its own body: recursion */
	ps->cur = f;
	f->body = expr(ps);
	ps->cur = NULL;
	accept(ps, ";");
	return ps->failed ? -1 : 0;
}

static int add_print(struct parser *ps)
{
	struct prog *p = ps->p;
	const char *start;
	struct node **np;
	char **ns;
	size_t len;

	skip(ps);
	start = ps->s;
	np = realloc(p->prints, (size_t)(p->nprints + 1) * sizeof(*np));
	if (np)
		p->prints = np;
	ns = realloc(p->print_src, (size_t)(p->nprints + 1) * sizeof(*ns));
	if (ns)
		p->print_src = ns;
	if (!np || !ns) {
		perr(ps, "out of memory");
		return -1;
	}
	p->prints[p->nprints] = expr(ps);
	len = (size_t)(ps->s - start);
	while (len && isspace((unsigned char)start[len - 1]))
		len--;
	p->print_src[p->nprints] = strndup(start, len);
	p->nprints++;
	accept(ps, ";");
	return ps->failed ? -1 : 0;
}

int parse_program(const char *src, struct prog *p, char *err, size_t errlen)
{
	struct parser ps = { .s = src, .line = 1, .p = p, .err = err,
			     .errlen = errlen };

	memset(p, 0, sizeof(*p));
	for (;;) {
		skip(&ps);
		if (!*ps.s)
			break;
		if (accept(&ps, "fn")) {
			if (add_func(&ps))
				break;
		} else if (accept(&ps, "print")) {
			if (add_print(&ps))
				break;
		} else {
			perr(&ps, "expected 'fn' or 'print'");
			break;
		}
	}
	return ps.failed ? -1 : 0;
}

static void free_node(struct node *n)
{
	int i;

	if (!n)
		return;
	for (i = 0; i < 3; i++)
		free_node(n->kid[i]);
	for (i = 0; i < n->nargs; i++)
		free_node(n->args[i]);
	free(n->args);
	free(n);
}

void free_program(struct prog *p)
{
	int i;

	for (i = 0; i < p->nfuncs; i++)
		free_node(p->funcs[i].body);
	for (i = 0; i < p->nprints; i++) {
		free_node(p->prints[i]);
		free(p->print_src[i]);
	}
	free(p->funcs);
	free(p->prints);
	free(p->print_src);
	memset(p, 0, sizeof(*p));
}

/* The reference semantics the JIT is checked against. */
int64_t interp(const struct prog *p, const struct node *n, const int64_t *env,
	       uint64_t *calls)
{
	uint64_t a, b;
	int64_t args[MAX_PARAMS];
	int i;

	switch (n->kind) {
	case N_NUM:
		return n->num;
	case N_VAR:
		return env[n->index];
	case N_CALL:
		for (i = 0; i < n->nargs; i++)
			args[i] = interp(p, n->args[i], env, calls);
		(*calls)++;
		return interp(p, p->funcs[n->index].body, args, calls);
	case N_IF:
		return interp(p, n->kid[interp(p, n->kid[0], env, calls) ? 1 : 2],
			      env, calls);
	case N_NEG:
		return (int64_t)(0 - (uint64_t)interp(p, n->kid[0], env, calls));
	default:
		break;
	}
	a = (uint64_t)interp(p, n->kid[0], env, calls);
	b = (uint64_t)interp(p, n->kid[1], env, calls);
	switch (n->kind) {
	case N_ADD: return (int64_t)(a + b);
	case N_SUB: return (int64_t)(a - b);
	case N_MUL: return (int64_t)(a * b);
	/* x / 0 = x % 0 = 0; x / -1 = -x, x % -1 = 0 (no trap) */
	case N_DIV: return !b ? 0 : (int64_t)b == -1 ? (int64_t)(0 - a) :
				(int64_t)a / (int64_t)b;
	case N_MOD: return !b || (int64_t)b == -1 ? 0 : (int64_t)a % (int64_t)b;
	case N_LT: return (int64_t)a < (int64_t)b;
	case N_LE: return (int64_t)a <= (int64_t)b;
	case N_GT: return (int64_t)a > (int64_t)b;
	case N_GE: return (int64_t)a >= (int64_t)b;
	case N_EQ: return a == b;
	case N_NE: return a != b;
	default: return 0;
	}
}
