// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal-lli --lazy: compile on first call, ORC's lazy reexports on
 * sealed memory.  EPCIndirectionUtils builds the resolver block, the
 * trampolines and the stubs as small LinkGraphs through the executor's
 * memory manager (ours), so all of them are sealed code.  Where the
 * pool has sealed slots (slots.cpp), the stubs jump through slots and the
 * trampolines are declared entry points; otherwise the stubs' pointers
 * are RW data, rewritten when a function has been compiled.
 * LLVM's own LocalIndirectStubsManager would mprotect anonymous memory
 * to read+exec, which W^X enforcement refuses.
 */
#include "lli.h"

#include <llvm/ExecutionEngine/Orc/EPCIndirectionUtils.h>
#include <llvm/IR/InstIterator.h>
#include <llvm/IR/Instructions.h>

#include <future>

#include <unistd.h>

using namespace llvm;
using namespace llvm::orc;

/* The resolver block calls this with (context, trampoline address). */
static JITTargetAddress reenter(void *Ctx, void *Trampoline)
{
	auto *LCTM = static_cast<LazyCallThroughManager *>(Ctx);
	std::promise<JITTargetAddress> P;
	auto F = P.get_future();

	LCTM->resolveTrampolineLandingAddress(
		pointerToJITTargetAddress(Trampoline),
		[&P](JITTargetAddress A) { P.set_value(A); });
	return F.get();
}

/* The landing address of a trampoline whose function failed to compile. */
static void lazyCompileFailed()
{
	if (!reportedJITError())
		fail("lazy compilation failed");
	fflush(stdout);
	_exit(1);
}

Expected<std::unique_ptr<EPCIndirectionUtils>>
lazySupport(ExecutionSession &ES, std::unique_ptr<LazyCallThroughManager> &LCTM,
	    jitseal_pool *&SlotPool, std::unique_ptr<TrampolinePool> &TP)
{
	auto EPCIU = EPCIndirectionUtils::Create(ES.getExecutorProcessControl());

	if (!EPCIU)
		return EPCIU.takeError();
	if (SlotPool && !slotsReach(SlotPool, **EPCIU))
		SlotPool = nullptr;
	if (SlotPool)
		TP = slotTrampolinePool(SlotPool, **EPCIU);
	LCTM = std::make_unique<LazyCallThroughManager>(
		ES, pointerToJITTargetAddress(&lazyCompileFailed),
		SlotPool ? TP.get() : &(*EPCIU)->getTrampolinePool());
	if (auto Addr = (*EPCIU)->writeResolverBlock(
		    pointerToJITTargetAddress(&reenter),
		    pointerToJITTargetAddress(LCTM.get())); !Addr) {
		consumeError((*EPCIU)->cleanup());
		return Addr.takeError();
	}
	return std::move(*EPCIU);
}

/*
 * The partition compiled when a function is first called: the function,
 * the functions it calls and the functions those call (defined in the
 * same module).  Deeper callees and functions only referenced (callbacks,
 * function pointers) stay behind their stubs until they are called.
 */
std::optional<CompileOnDemandLayer::GlobalValueSet>
calleesTwoDeep(CompileOnDemandLayer::GlobalValueSet Requested)
{
	CompileOnDemandLayer::GlobalValueSet Part = Requested;
	std::vector<const Function *> Level, Next;

	for (const GlobalValue *GV : Requested)
		if (auto *F = dyn_cast<Function>(GV))
			Level.push_back(F);
	for (int Depth = 0; Depth < 2; Depth++, Level.swap(Next), Next.clear()) {
		for (const Function *F : Level) {
			for (const Instruction &I : instructions(F)) {
				auto *CB = dyn_cast<CallBase>(&I);
				const Function *Callee = CB ? CB->getCalledFunction() : nullptr;

				if (Callee && !Callee->isDeclaration() &&
				    Part.insert(Callee).second)
					Next.push_back(Callee);
			}
		}
	}
	return Part;
}
