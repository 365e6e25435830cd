// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal-lli: errors.  ORC reports a failed link both to the session's
 * error reporter (the cause: "Symbols not found: [ f ]", a refused LOAD)
 * and to the lookup that waited for it ("Failed to materialize ...").
 * The first cause is the one line printed.
 */
#include "lli.h"

#include <cstdio>
#include <mutex>

static std::mutex Lock;
static std::string First;

void fail(const std::string &Msg)
{
	fprintf(stderr, "jitseal-lli: %s\n", Msg.c_str());
}

std::string oneLine(llvm::Error Err)
{
	std::string S = llvm::toString(std::move(Err));

	for (size_t P; (P = S.find('\n')) != std::string::npos;)
		S.replace(P, 1, "; ");
	while (!S.empty() && (S.back() == ' ' || S.back() == ';'))
		S.pop_back();
	return S;
}

void reportJITError(llvm::Error Err)
{
	std::string S = oneLine(std::move(Err));
	std::lock_guard<std::mutex> G(Lock);

	if (First.empty())
		First = S;
}

/* Prints the first reported cause, if any. */
bool reportedJITError()
{
	std::lock_guard<std::mutex> G(Lock);

	if (First.empty())
		return false;
	fail(First);
	return true;
}
