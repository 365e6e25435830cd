/* SPDX-License-Identifier: GPL-2.0 */
/* jitseal-lli: run LLVM IR and objects with ORC on sealed memory. */
#ifndef JITSEAL_LLI_H
#define JITSEAL_LLI_H

#include <jitseal.h>
#include <jitseal/llvm.h>

#include <llvm/ExecutionEngine/Orc/EPCIndirectionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>

#include <string>
#include <vector>

struct Options {
	bool Lazy = false;
	bool Verbose = false;
	bool LLVMDefault = false;	/* LLVM's InProcessMemoryManager */
	unsigned Threads = 0;
	enum jitseal_backend Backend = JITSEAL_BACKEND_AUTO;
	bool BackendGiven = false;
	size_t CodeSize = 0;		/* 0: the library's default */
	bool NoGrow = false;
	bool RWStubs = false;		/* --lazy: ORC's stub pointers in RW data */
	std::vector<std::string> Dlopen;
	std::vector<std::string> Files;
	std::vector<std::string> Args;	/* after "--" */
};

/* options.cpp */
int parseOptions(int argc, char **argv, Options &O);

/* errors.cpp: one line on stderr per failure */
void fail(const std::string &Msg);
std::string oneLine(llvm::Error Err);
void reportJITError(llvm::Error Err);
bool reportedJITError();

/* jit.cpp */
class Runner {
public:
	explicit Runner(const Options &O) : O(O) {}
	~Runner();
	llvm::Error setUp();
	llvm::Error addFiles();
	llvm::Expected<int> run();
	llvm::Error shutDown();
	void printStats();

private:
	llvm::Error setUpEager(std::unique_ptr<llvm::orc::ExecutionSession> ES);
	llvm::Error setUpLazy(std::unique_ptr<llvm::orc::ExecutionSession> ES);
	llvm::Expected<std::unique_ptr<llvm::orc::ExecutionSession>> session();
	llvm::Error addGenerators();
	bool slotsUsable() const;
	llvm::Error addFile(const std::string &Path);

	const Options &O;
	jitseal::MemoryManager *MM = nullptr;	/* owned by the session */
	struct jitseal_pool_stats Sealed = {};	/* before shutDown() */
	std::unique_ptr<llvm::orc::EPCIndirectionUtils> EPCIU;
	/* --lazy on slots: the trampolines, after EPCIU's resolver block */
	std::unique_ptr<llvm::orc::TrampolinePool> Trampolines;
	std::unique_ptr<llvm::orc::LLJIT> J;
	llvm::orc::LLLazyJIT *LJ = nullptr;
};

/* lazy.cpp */
/*
 * With @SlotPool, the trampolines go to *@TP, on sealed slots (slots.cpp);
 * without, to EPCIndirectionUtils' own pool.  @SlotPool is cleared where
 * the ABI's stubs cannot reach slots across a region (slotsReach()).
 */
llvm::Expected<std::unique_ptr<llvm::orc::EPCIndirectionUtils>>
lazySupport(llvm::orc::ExecutionSession &ES,
	    std::unique_ptr<llvm::orc::LazyCallThroughManager> &LCTM,
	    jitseal_pool *&SlotPool,
	    std::unique_ptr<llvm::orc::TrampolinePool> &TP);
std::optional<llvm::orc::CompileOnDemandLayer::GlobalValueSet>
calleesTwoDeep(llvm::orc::CompileOnDemandLayer::GlobalValueSet Requested);

/* slots.cpp: stubs and trampolines on sealed slots */
std::unique_ptr<llvm::orc::TrampolinePool>
slotTrampolinePool(jitseal_pool *Pool,
		   const llvm::orc::EPCIndirectionUtils &EPCIU);
std::unique_ptr<llvm::orc::IndirectStubsManager>
slotStubsManager(jitseal_pool *Pool,
		 const llvm::orc::EPCIndirectionUtils &EPCIU);
bool slotsReach(jitseal_pool *Pool, const llvm::orc::EPCIndirectionUtils &EPCIU);

#endif /* JITSEAL_LLI_H */
