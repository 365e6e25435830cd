// SPDX-License-Identifier: GPL-2.0
/* jitseal-lli: the command line. */
#include "lli.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

static const char Usage[] =
	"usage: jitseal-lli [--lazy [--rw-stubs]] [--threads N] [--backend B] [--dlopen LIB]...\n"
	"                   [--llvm-default] [--code-size BYTES] [--no-grow] [-v]\n"
	"                   FILE.{bc,ll,o}... [-- ARGS...]\n"
	"  --lazy           compile each function on its first call (with its\n"
	"                   callees two levels deep), stubs in sealed code\n"
	"                   jumping through sealed slots\n"
	"  --rw-stubs       with --lazy: the stubs' pointers in RW data, as\n"
	"                   without slots\n"
	"  --threads N      compile and link on N threads\n"
	"  --backend B      auto (default: sealed or an error), kmod, memfd, mprotect\n"
	"  --dlopen LIB     make a shared library's symbols available\n"
	"  --llvm-default   LLVM's own memory manager instead of jitseal (W^X\n"
	"                   enforcement refuses it)\n"
	"  --code-size N    bytes of code per pool region (suffix K or M)\n"
	"  --no-grow        fail instead of adding a region to the pool\n"
	"  -v               print the backend and the pool statistics\n";

static int usage(const char *Why, const char *Arg)
{
	fprintf(stderr, "jitseal-lli: %s%s%s (see jitseal-lli --help)\n", Why,
		Arg ? ": " : "", Arg ? Arg : "");
	return -1;
}

static bool parseSize(const char *S, size_t &Out)
{
	char *End;
	unsigned long long V;

	errno = 0;
	V = strtoull(S, &End, 0);
	if (errno || End == S || *S == '-')
		return false;
	if (*End == 'K' || *End == 'k')
		V <<= 10, End++;
	else if (*End == 'M' || *End == 'm')
		V <<= 20, End++;
	if (*End || !V)
		return false;
	Out = V;
	return true;
}

static bool parseBackend(const char *S, enum jitseal_backend &B)
{
	static const struct { const char *Name; enum jitseal_backend B; } T[] = {
		{ "auto", JITSEAL_BACKEND_AUTO }, { "kmod", JITSEAL_BACKEND_KMOD },
		{ "memfd", JITSEAL_BACKEND_MEMFD },
		{ "mprotect", JITSEAL_BACKEND_MPROTECT },
	};

	for (auto &E : T) {
		if (!strcmp(S, E.Name)) {
			B = E.B;
			return true;
		}
	}
	return false;
}

/* Options that take a value; returns false on a bad value. */
static bool valueOption(const char *Opt, const char *V, Options &O)
{
	size_t N;

	if (!strcmp(Opt, "--threads")) {
		if (!parseSize(V, N) || N > 256)
			return false;
		O.Threads = N;
	} else if (!strcmp(Opt, "--backend")) {
		O.BackendGiven = true;
		return parseBackend(V, O.Backend);
	} else if (!strcmp(Opt, "--dlopen")) {
		O.Dlopen.push_back(V);
	} else if (!strcmp(Opt, "--code-size")) {
		return parseSize(V, O.CodeSize);
	}
	return true;
}

int parseOptions(int argc, char **argv, Options &O)
{
	static const char *const WithValue[] = {
		"--threads", "--backend", "--dlopen", "--code-size",
	};
	int I;

	for (I = 1; I < argc; I++) {
		const char *A = argv[I];
		bool Takes = false;

		for (const char *W : WithValue)
			Takes |= !strcmp(A, W);
		if (Takes) {
			if (I + 1 >= argc)
				return usage("missing value for", A);
			if (!valueOption(A, argv[I + 1], O))
				return usage(std::string("bad value for ").append(A).c_str(),
					     argv[I + 1]);
			I++;
		} else if (!strcmp(A, "--lazy")) {
			O.Lazy = true;
		} else if (!strcmp(A, "--llvm-default")) {
			O.LLVMDefault = true;
		} else if (!strcmp(A, "--rw-stubs")) {
			O.RWStubs = true;
		} else if (!strcmp(A, "--no-grow")) {
			O.NoGrow = true;
		} else if (!strcmp(A, "-v")) {
			O.Verbose = true;
		} else if (!strcmp(A, "-h") || !strcmp(A, "--help")) {
			fputs(Usage, stdout);
			exit(0);
		} else if (!strcmp(A, "--")) {
			for (I++; I < argc; I++)
				O.Args.push_back(argv[I]);
		} else if (A[0] == '-' && A[1]) {
			return usage("unknown option", A);
		} else {
			O.Files.push_back(A);
		}
	}
	if (O.Files.empty())
		return usage("no input file", nullptr);
	/*
	 * LLVM 16's LLLazyJIT with several compile threads calls through
	 * stubs that are not set yet (it crashes with LLVM's own memory
	 * manager and partitioning too): refuse rather than crash.
	 */
	if (O.Lazy && O.Threads > 1)
		return usage("--lazy runs on at most one compile thread with LLVM 16",
			     "--threads");
	if (O.LLVMDefault && O.BackendGiven)
		return usage("--llvm-default uses no jitseal backend", "--backend");
	return 0;
}
