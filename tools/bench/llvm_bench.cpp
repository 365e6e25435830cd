// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal-llvm-bench: what linking one module costs with ORC's JITLink,
 * on jitseal (jitseal::MemoryManager, one batch and one finalize per
 * graph) and on LLVM's InProcessMemoryManager (mmap, then one mprotect per
 * segment).  Each repetition links the object file into a fresh session
 * and looks up one symbol; the figures are the medians of
 *   link: addObjectFile + lookup (JITLink's own work included),
 *   mm:   the memory manager's allocate + finalize alone.
 * Under tools/vm-run --icount the clock counts instructions.
 *
 *   jitseal-llvm-bench [--reps N] NAME=FILE.o[,FILE.o...][:SYMBOL]...
 *
 * A program of several object files is linked whole (the lookup of
 * SYMBOL, default main, pulls in every file it reaches).  Keep modules to
 * a few hundred functions: LLVM 16's ORC tracks symbol dependencies at a
 * cost that grows faster than linearly within one module (2,000 functions
 * in a single module take minutes to link, with either memory manager).
 */
#include <jitseal/llvm.h>

#include <llvm/ExecutionEngine/JITLink/JITLink.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/ExecutorProcessControl.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

using namespace llvm;
using namespace llvm::orc;
using namespace llvm::jitlink;

static uint64_t now()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Forwards to another manager and adds up the time spent in it. */
class TimedMM final : public JITLinkMemoryManager {
public:
	explicit TimedMM(JITLinkMemoryManager &Inner) : Inner(Inner) {}
	uint64_t Spent = 0;

	void allocate(const JITLinkDylib *JD, LinkGraph &G,
		      OnAllocatedFunction OnAllocated) override
	{
		uint64_t T0 = now();
		auto A = Inner.allocate(JD, G);

		Spent += now() - T0;
		if (!A)
			return OnAllocated(A.takeError());
		OnAllocated(std::make_unique<Timed>(*this, std::move(*A)));
	}

	void deallocate(std::vector<FinalizedAlloc> Allocs,
			OnDeallocatedFunction OnDeallocated) override
	{
		Inner.deallocate(std::move(Allocs), std::move(OnDeallocated));
	}

private:
	struct Timed final : InFlightAlloc {
		Timed(TimedMM &M, std::unique_ptr<InFlightAlloc> A) : M(M), A(std::move(A)) {}
		void finalize(OnFinalizedFunction OnFinalized) override
		{
			uint64_t T0 = now();
			auto F = A->finalize();

			M.Spent += now() - T0;
			OnFinalized(std::move(F));
		}
		void abandon(OnAbandonedFunction OnAbandoned) override
		{
			A->abandon(std::move(OnAbandoned));
		}
		TimedMM &M;
		std::unique_ptr<InFlightAlloc> A;
	};

	JITLinkMemoryManager &Inner;
};

struct Figures {
	uint64_t Link, MM;
};

using Objects = std::vector<std::unique_ptr<MemoryBuffer>>;

/* One repetition: link @Objs into a fresh session, look up @Sym. */
static Expected<Figures> linkOnce(JITLinkMemoryManager &Base, const Objects &Objs,
				  StringRef Sym)
{
	TimedMM MM(Base);
	auto EPC = SelfExecutorProcessControl::Create();

	if (!EPC)
		return EPC.takeError();
	ExecutionSession ES(std::move(*EPC));
	ObjectLinkingLayer L(ES, MM);
	auto &JD = ES.createBareJITDylib("bench");
	auto G = DynamicLibrarySearchGenerator::GetForCurrentProcess('\0');

	if (!G)
		return G.takeError();
	JD.addGenerator(std::move(*G));
	uint64_t T0 = now();
	Error E = Error::success();

	for (auto &Obj : Objs)
		if (!E)
			E = L.add(JD, MemoryBuffer::getMemBuffer(Obj->getMemBufferRef(), false));
	if (!E) {
		auto R = ES.lookup({ &JD }, ES.intern(Sym));
		E = R ? Error::success() : R.takeError();
	}
	Figures F = { now() - T0, MM.Spent };
	E = joinErrors(std::move(E), ES.endSession());
	if (E)
		return std::move(E);
	return F;
}

static uint64_t median(std::vector<uint64_t> V)
{
	std::sort(V.begin(), V.end());
	return V[V.size() / 2];
}

static int bench(const char *Name, JITLinkMemoryManager &MM, const Objects &Obj,
		 StringRef Sym, int Reps, Figures &Out)
{
	std::vector<uint64_t> Link, Mem;

	for (int I = 0; I < Reps + 1; I++) {
		auto F = linkOnce(MM, Obj, Sym);

		if (!F) {
			fprintf(stderr, "jitseal-llvm-bench: %s: %s\n", Name,
				toString(F.takeError()).c_str());
			return 1;
		}
		if (I) {	/* the first one warms caches and the pool */
			Link.push_back(F->Link);
			Mem.push_back(F->MM);
		}
	}
	Out = { median(Link), median(Mem) };
	return 0;
}

int main(int argc, char **argv)
{
	int Reps = 9, I = 1, RC = 0;

	if (argc > 2 && !strcmp(argv[1], "--reps"))
		Reps = atoi(argv[2]), I = 3;
	InitializeNativeTarget();
	/* Sealed, unless JITSEAL_BACKEND names a fallback (host trials). */
	struct jitseal_pool_opts PO = {};
	PO.sz = sizeof(PO);
	PO.sealing = getenv("JITSEAL_BACKEND") ? JITSEAL_SEALED_PREFERRED :
						 JITSEAL_SEALED_ONLY;
	auto Sealed = jitseal::MemoryManager::Create(&PO);
	auto Default = InProcessMemoryManager::Create();
	if (!Sealed || !Default) {
		fprintf(stderr, "jitseal-llvm-bench: %s\n",
			toString(Sealed ? Default.takeError() : Sealed.takeError()).c_str());
		return 1;
	}
	printf("# llvm: median of %d links per module, jitseal backend %s; "
	       "ns (icount: instructions)\n", Reps,
	       jitseal_backend_name((enum jitseal_backend)
				    jitseal_pool_backend((*Sealed)->pool())));
	printf("llvm,module,memmgr,link_ns,mm_ns\n");
	for (; I < argc; I++) {
		std::string Arg = argv[I], Name = Arg.substr(0, Arg.find('='));
		std::string Path = Arg.substr(Arg.find('=') + 1), Sym = "main";
		Figures S, D;

		if (Path.find(':') != std::string::npos) {
			Sym = Path.substr(Path.find(':') + 1);
			Path = Path.substr(0, Path.find(':'));
		}
		Objects Objs;

		for (size_t P = 0; P <= Path.size();) {
			size_t C = std::min(Path.find(',', P), Path.size());
			std::string F = Path.substr(P, C - P);
			auto Obj = MemoryBuffer::getFile(F);

			if (!Obj) {
				fprintf(stderr, "jitseal-llvm-bench: %s: %s\n", F.c_str(),
					Obj.getError().message().c_str());
				return 1;
			}
			Objs.push_back(std::move(*Obj));
			P = C + 1;
		}
		RC |= bench("jitseal", **Sealed, Objs, Sym, Reps, S);
		RC |= bench("default", **Default, Objs, Sym, Reps, D);
		if (RC)
			break;
		printf("llvm,%s,jitseal,%llu,%llu\n", Name.c_str(),
		       (unsigned long long)S.Link, (unsigned long long)S.MM);
		printf("llvm,%s,default,%llu,%llu\n", Name.c_str(),
		       (unsigned long long)D.Link, (unsigned long long)D.MM);
		printf("ratio llvm %s: jitseal/default link+finalize per module %.2f, "
		       "memory manager alone %.2f\n", Name.c_str(),
		       (double)S.Link / D.Link, (double)S.MM / D.MM);
	}
	return RC;
}
