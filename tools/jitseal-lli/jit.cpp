// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal-lli: the JIT.  LLJIT (LLLazyJIT for --lazy) on an
 * ObjectLinkingLayer whose memory manager is the executor's, a
 * SelfExecutorProcessControl made with jitseal::MemoryManager (or, for
 * --llvm-default, LLVM's InProcessMemoryManager).
 */
#include "lli.h"

#include <llvm/ExecutionEngine/JITLink/EHFrameSupport.h>
#include <llvm/ExecutionEngine/Orc/EPCIndirectionUtils.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/ExecutionEngine/Orc/TargetProcess/TargetExecutionUtils.h>
#include <llvm/IR/Verifier.h>
#include <llvm/IRReader/IRReader.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SourceMgr.h>

#include <unistd.h>

#include <linux/jitseal.h>

using namespace llvm;
using namespace llvm::orc;

static Error error(const Twine &Msg)
{
	return make_error<StringError>(Msg, inconvertibleErrorCode());
}

Runner::~Runner()
{
	if (J)
		consumeError(shutDown());
	J.reset();
	EPCIU.reset();
}

/*
 * Give everything back while the memory manager still lives: stubs and
 * trampolines, then every graph (dealloc actions, jitseal_free()).  ORC
 * reports what fails there to the session's error reporter.
 */
Error Runner::shutDown()
{
	Error E = Error::success();

	/* -v reports what was sealed while the program ran. */
	Sealed.sz = sizeof(Sealed);
	if (MM && jitseal_pool_stats(MM->pool(), &Sealed))
		Sealed.sz = 0;
	if (EPCIU)
		E = EPCIU->cleanup();
	EPCIU.reset();
	Trampolines.reset();
	return joinErrors(std::move(E), J->getExecutionSession().endSession());
}

static jitseal_pool_opts poolOptions(const Options &O)
{
	jitseal_pool_opts P = {};

	P.sz = sizeof(P);
	P.backend = O.Backend;
	P.code_size = O.CodeSize;
	/* Asking for a fallback by name is the caller's informed choice. */
	P.sealing = O.Backend == JITSEAL_BACKEND_MEMFD ||
		    O.Backend == JITSEAL_BACKEND_MPROTECT ?
		    JITSEAL_SEALED_PREFERRED : JITSEAL_SEALED_ONLY;
	if (O.NoGrow)
		P.flags |= JITSEAL_POOL_NO_GROW;
	return P;
}

Expected<std::unique_ptr<ExecutionSession>> Runner::session()
{
	std::unique_ptr<jitlink::JITLinkMemoryManager> Mem;

	if (!O.LLVMDefault) {
		jitseal_pool_opts P = poolOptions(O);
		auto M = jitseal::MemoryManager::Create(&P);

		if (!M) {
			/* the adapter's words (the library's line), and our own knob */
			if (P.sealing == JITSEAL_SEALED_ONLY)
				return error(oneLine(M.takeError()) +
					     " (jitseal-lli: --backend memfd or mprotect)");
			return M.takeError();
		}
		MM = M->get();
		Mem = std::move(*M);
	}
	/* A null memory manager: LLVM's InProcessMemoryManager. */
	auto EPC = SelfExecutorProcessControl::Create(nullptr, nullptr, std::move(Mem));
	if (!EPC)
		return EPC.takeError();
	auto ES = std::make_unique<ExecutionSession>(std::move(*EPC));
	ES->setErrorReporter(reportJITError);
	return std::move(ES);
}

static Expected<JITTargetMachineBuilder> targetMachine()
{
	auto JTMB = JITTargetMachineBuilder::detectHost();

	if (!JTMB)
		return JTMB.takeError();
	/* JITLink's ELF x86-64 model: PIC, small code model. */
	JTMB->setRelocationModel(Reloc::PIC_);
	JTMB->setCodeModel(CodeModel::Small);
	return JTMB;
}

/* JITLink with the adapter's plugins, on the executor's memory manager. */
static Expected<std::unique_ptr<ObjectLayer>> linkingLayer(ExecutionSession &ES,
							   const Triple &)
{
	auto L = std::make_unique<ObjectLinkingLayer>(ES);

	/* eh-frame registration; constants read-only (also for --llvm-default) */
	jitseal::addLinkPlugins(*L);
	return std::move(L);
}

/* What both JITs share: session, target, JITLink layer, compile threads. */
template <typename BuilderT>
static auto create(BuilderT &B, std::unique_ptr<ExecutionSession> ES, unsigned Threads)
	-> decltype(B.create())
{
	auto JTMB = targetMachine();

	if (!JTMB)
		return JTMB.takeError();
	return B.setExecutionSession(std::move(ES))
		.setJITTargetMachineBuilder(std::move(*JTMB))
		.setObjectLinkingLayerCreator(linkingLayer)
		.setNumCompileThreads(Threads)
		.create();
}

Error Runner::setUpEager(std::unique_ptr<ExecutionSession> ES)
{
	LLJITBuilder B;
	auto JIT = create(B, std::move(ES), O.Threads);

	if (!JIT)
		return JIT.takeError();
	J = std::move(*JIT);
	return Error::success();
}

/*
 * Stubs on sealed slots: with the module, when it has them; the host
 * backends take the same calls, unprotected.  --rw-stubs keeps ORC's
 * pointers in RW data, as before slots.
 */
bool Runner::slotsUsable() const
{
	struct jitseal_module_info Info = {};

	if (!MM || O.RWStubs)
		return false;
	if (jitseal_pool_backend(MM->pool()) != JITSEAL_BACKEND_KMOD)
		return true;
	Info.sz = sizeof(Info);
	return !jitseal_module_info(&Info) &&
	       (Info.features & JITSEAL_FEAT_SLOTS);
}

Error Runner::setUpLazy(std::unique_ptr<ExecutionSession> ES)
{
	std::unique_ptr<LazyCallThroughManager> LCTM;
	LLLazyJITBuilder B;

	if (!O.LLVMDefault) {
		jitseal_pool *SP = slotsUsable() ? MM->pool() : nullptr;
		auto IU = lazySupport(*ES, LCTM, SP, Trampolines);

		if (!IU)
			return IU.takeError();
		EPCIU = std::move(*IU);
		EPCIndirectionUtils *P = EPCIU.get();
		B.setLazyCallthroughManager(std::move(LCTM));
		if (SP) {	/* lazySupport() cleared it if out of reach */
			/* Every sealed function may become a slot's target. */
			MM->declareEntryPoints(true);
			B.setIndirectStubsManagerBuilder([SP, P] {
				return slotStubsManager(SP, *P);
			});
		} else {
			B.setIndirectStubsManagerBuilder([P] {
				return P->createIndirectStubsManager();
			});
		}
	}
	auto JIT = create(B, std::move(ES), O.Threads);
	if (!JIT)
		return JIT.takeError();
	LJ = JIT->get();
	LJ->setPartitionFunction(calleesTwoDeep);
	J = std::move(*JIT);
	return Error::success();
}

Error Runner::setUp()
{
	auto ES = session();

	if (!ES)
		return ES.takeError();
	if (Error E = O.Lazy ? setUpLazy(std::move(*ES)) : setUpEager(std::move(*ES)))
		return E;
	return addGenerators();
}

/* The process's own symbols (libc, libstdc++), then each --dlopen LIB. */
Error Runner::addGenerators()
{
	char Prefix = J->getDataLayout().getGlobalPrefix();
	auto &JD = J->getMainJITDylib();
	auto G = DynamicLibrarySearchGenerator::GetForCurrentProcess(Prefix);

	if (!G)
		return G.takeError();
	JD.addGenerator(std::move(*G));
	for (const std::string &L : O.Dlopen) {
		auto D = DynamicLibrarySearchGenerator::Load(L.c_str(), Prefix);

		if (!D)
			return error("--dlopen " + L + ": " + oneLine(D.takeError()));
		JD.addGenerator(std::move(*D));
	}
	return Error::success();
}

static Error parseError(const std::string &Path, const SMDiagnostic &D)
{
	if (D.getLineNo() > 0)
		return error(Path + ":" + Twine(D.getLineNo()) + ":" +
			     Twine(D.getColumnNo() + 1) + ": " + D.getMessage());
	return error(Path + ": " + D.getMessage());
}

Error Runner::addFile(const std::string &Path)
{
	if (StringRef(Path).endswith(".o")) {
		auto Buf = MemoryBuffer::getFile(Path);

		if (!Buf)
			return error(Path + ": " + Buf.getError().message());
		return J->addObjectFile(std::move(*Buf));
	}
	auto Ctx = std::make_unique<LLVMContext>();
	SMDiagnostic D;
	std::string Why;
	auto M = parseIRFile(Path, D, *Ctx);

	if (!M)
		return parseError(Path, D);
	raw_string_ostream OS(Why);
	if (verifyModule(*M, &OS))
		return error(Path + ": invalid module: " + OS.str());
	ThreadSafeModule TSM(std::move(M), std::move(Ctx));
	return LJ ? LJ->addLazyIRModule(std::move(TSM)) : J->addIRModule(std::move(TSM));
}

Error Runner::addFiles()
{
	for (const std::string &F : O.Files)
		if (Error E = addFile(F))
			return E;
	return Error::success();
}

Expected<int> Runner::run()
{
	auto &JD = J->getMainJITDylib();

	if (Error E = J->initialize(JD))
		return std::move(E);
	auto Main = J->lookup("main");
	if (!Main)
		return Main.takeError();
	int RC = runAsMain(Main->toPtr<int (*)(int, char **)>(), O.Args,
			   StringRef(O.Files[0]));
	if (Error E = J->deinitialize(JD))
		return std::move(E);
	return RC;
}

void Runner::printStats()
{
	const struct jitseal_pool_stats &S = Sealed;

	if (!MM) {
		fail("memory: LLVM's InProcessMemoryManager (not jitseal)");
		return;
	}
	jitseal::MemoryManagerStats M = MM->stats();
	if (!S.sz)
		return;
	fprintf(stderr,
		"jitseal-lli: backend %s, %llu graphs, %llu finalizes, %llu loads, "
		"%u regions; sealed code %zu, rodata %zu, data %zu bytes; "
		"%llu abandoned, %llu failed; %llu of %llu allocations freed\n",
		jitseal_backend_name(S.backend), (unsigned long long)M.Graphs,
		(unsigned long long)S.finalizes, (unsigned long long)S.loads,
		S.regions, S.sealed[JITSEAL_CODE], S.sealed[JITSEAL_RODATA],
		S.sealed[JITSEAL_DATA], (unsigned long long)M.Abandoned,
		(unsigned long long)M.Failed, (unsigned long long)M.Freed,
		(unsigned long long)M.Segments);
}
