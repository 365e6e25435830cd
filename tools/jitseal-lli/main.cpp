// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal-lli: run main() of LLVM IR or object files with ORC, the code
 * on sealed memory.  Exits with the program's status, or 1 with one line
 * on stderr when the JIT fails, 2 on bad usage.
 */
#include "lli.h"

#include <llvm/Support/TargetSelect.h>

#include <cstdio>

static int failed(llvm::Error Err)
{
	if (reportedJITError())
		llvm::consumeError(std::move(Err));
	else
		fail(oneLine(std::move(Err)));
	return 1;
}

int main(int argc, char **argv)
{
	Options O;
	int RC;

	if (parseOptions(argc, argv, O))
		return 2;
	llvm::InitializeNativeTarget();
	llvm::InitializeNativeTargetAsmPrinter();
	llvm::InitializeNativeTargetAsmParser();

	Runner R(O);
	if (llvm::Error E = R.setUp())
		return failed(std::move(E));
	if (llvm::Error E = R.addFiles())
		return failed(std::move(E));
	auto Status = R.run();
	if (!Status)
		return failed(Status.takeError());
	RC = *Status;
	fflush(stdout);
	if (llvm::Error E = R.shutDown())
		return failed(std::move(E));
	if (reportedJITError())
		return 1;
	if (O.Verbose)
		R.printStats();
	return RC;
}
