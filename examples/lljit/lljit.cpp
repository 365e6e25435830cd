// SPDX-License-Identifier: MIT
/*
 * lljit: an LLVM ORC LLJIT program on sealed memory.  It parses a small
 * LLVM IR module (a function that keeps a count in a global and calls
 * printf with a constant string), JIT-compiles it with LLJIT on
 * libjitseal-llvm, calls it, and prints how many bytes the pool holds of
 * code, read-only data and data.
 *
 *   lljit [--allow-unsealed] N...
 *
 * jitseal::setUpLLJIT() does the part that is easy to get wrong: the
 * memory manager under the executor process control, JITLink with
 * eh-frame registration, PIC and the small code model (so the string
 * lands in read-only data).  See examples/README.md for the build lines.
 */
#include <jitseal/llvm.h>

#include <llvm/AsmParser/Parser.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace llvm;
using namespace llvm::orc;

static const char IR[] = R"(
@fmt = private unnamed_addr constant [31 x i8] c"sealed code says: total is %d\0A\00"
@total = global i32 0

declare i32 @printf(ptr, ...)

define i32 @add(i32 %n) {
  %t = load i32, ptr @total
  %s = add i32 %t, %n
  store i32 %s, ptr @total
  %r = call i32 (ptr, ...) @printf(ptr @fmt, i32 %s)
  ret i32 %s
}
)";

static int fail(Error E)
{
	errs() << "lljit: " << toString(std::move(E)) << "\n";
	return 1;
}

int main(int argc, char **argv)
{
	bool Unsealed = argc > 1 && !strcmp(argv[1], "--allow-unsealed");
	jitseal_pool_opts Opts{};
	LLJITBuilder B;

	Opts.sz = sizeof(Opts);
	Opts.sealing = Unsealed ? JITSEAL_SEALED_PREFERRED : JITSEAL_SEALED_ONLY;
	auto MM = jitseal::setUpLLJIT(B, &Opts);
	if (!MM)
		return fail(MM.takeError());
	auto J = B.create();
	if (!J)
		return fail(J.takeError());

	/* printf and the rest of the process's libraries */
	char Prefix = (*J)->getDataLayout().getGlobalPrefix();
	auto Gen = DynamicLibrarySearchGenerator::GetForCurrentProcess(Prefix);
	if (!Gen)
		return fail(Gen.takeError());
	(*J)->getMainJITDylib().addGenerator(std::move(*Gen));

	auto Ctx = std::make_unique<LLVMContext>();
	SMDiagnostic Diag;
	auto M = parseAssemblyString(IR, Diag, *Ctx);
	if (!M) {
		Diag.print("lljit", errs());
		return 1;
	}
	if (Error E = (*J)->addIRModule(ThreadSafeModule(std::move(M), std::move(Ctx))))
		return fail(std::move(E));
	auto Sym = (*J)->lookup("add");
	if (!Sym)
		return fail(Sym.takeError());
	auto *Add = Sym->toPtr<int (*)(int)>();
	for (int I = 1 + Unsealed; I < argc; I++)
		Add(atoi(argv[I]));

	struct jitseal_pool_stats St{};
	St.sz = sizeof(St);
	if (jitseal_pool_stats((*MM)->pool(), &St) == 0)
		printf("code/rodata/data: %zu/%zu/%zu bytes on the %s backend\n",
		       St.sealed[JITSEAL_CODE], St.sealed[JITSEAL_RODATA],
		       St.sealed[JITSEAL_DATA], jitseal_backend_name(St.backend));
	return 0;
}
