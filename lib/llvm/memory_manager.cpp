// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * jitseal::MemoryManager: JITLink's memory manager on a libjitseal pool.
 *
 * allocate():   one jitseal_batch per LinkGraph, one allocation per segment
 *               (BasicLayout), JITLink writes into the staging memory.
 * finalize():   the graph's function names go to jitseal_symbol() (perf
 *               and gdb see them once sealed, when profiling is on), one
 *               jitseal_batch_finalize(), then the finalize actions.
 * abandon():    jitseal_batch_discard(): nothing of the graph is installed.
 * deallocate(): the dealloc actions, then each allocation goes back to the
 *               pool with jitseal_free() where the library has it.
 *
 * The pool is thread-safe and every graph has a batch of its own, so
 * graphs link concurrently without a lock here.
 */
#include <jitseal/llvm.h>

#include <llvm/ExecutionEngine/JITLink/JITLink.h>
#include <llvm/ExecutionEngine/Orc/Shared/AllocationActions.h>

#include <cerrno>
#include <cstring>

using namespace llvm;
using namespace llvm::jitlink;
using orc::ExecutorAddr;
using orc::MemProt;

namespace jitseal {

/* What the library's errno means for a graph, naming the limit. */
static const char *why(int Err)
{
	switch (-Err) {
	case EDQUOT:
		return "over the per-user sealed-bytes quota "
		       "(/sys/kernel/jitseal/max_user_bytes)";
	case ENOSPC:
		return "no room: the pool may not grow (JITSEAL_POOL_NO_GROW) or "
		       "would pass /sys/kernel/jitseal/max_pool_bytes";
	case E2BIG:
		return "larger than one allocation may be (1 GiB)";
	case EACCES:
	case EPERM:
		return "refused by policy (/sys/kernel/jitseal, W^X enforcement)";
	default:
		return nullptr;
	}
}

Error makeError(int Err, const Twine &What)
{
	const char *Hint = why(Err);
	std::string Msg = What.str() + ": " + std::strerror(-Err);

	if (Hint)
		Msg += std::string(" (") + Hint + ")";
	return make_error<StringError>(Msg,
				       std::error_code(-Err, std::generic_category()));
}

static const char *kindName(int Kind)
{
	static const char *const Names[] = { "code", "rodata", "data" };

	return Kind >= 0 && Kind < JITSEAL_KIND_MAX ? Names[Kind] : "?";
}

/* The jitseal kind for a segment's protection, or -1. */
static int kindFor(MemProt P)
{
	if (P == (MemProt::Read | MemProt::Exec))
		return JITSEAL_CODE;
	if (P == MemProt::Read)
		return JITSEAL_RODATA;
	if (P == (MemProt::Read | MemProt::Write))
		return JITSEAL_DATA;
	return -1;
}

/* The FinalizedAlloc's address points at one of these. */
struct MemoryManager::Finalized {
	std::vector<void *> Addrs;
	std::vector<orc::shared::WrapperFunctionCall> DeallocActions;
};

class MemoryManager::InFlight final : public JITLinkMemoryManager::InFlightAlloc {
public:
	InFlight(MemoryManager &MM, LinkGraph &G, jitseal_batch *B,
		 std::vector<void *> Addrs, size_t Bytes)
		: MM(MM), G(G), B(B), Addrs(std::move(Addrs)), Bytes(Bytes) {}

	~InFlight() override
	{
		/* Neither finalized nor abandoned: nothing gets installed. */
		if (B) {
			drop();
			MM.count(MM.Abandoned);
		}
	}

	void finalize(OnFinalizedFunction OnFinalized) override;
	void abandon(OnAbandonedFunction OnAbandoned) override;

private:
	void drop()
	{
		jitseal_batch_discard(B);
		jitseal_batch_destroy(B);
		B = nullptr;
	}

	MemoryManager &MM;
	LinkGraph &G;
	jitseal_batch *B;
	std::vector<void *> Addrs;
	size_t Bytes;
};

/*
 * Name every defined function of the graph for profilers and debuggers.
 * jitseal_symbol() keeps names only while a sink is on, and publishes
 * them only for code the finalize below really seals; its errors (e.g. a
 * zero-sized symbol) only mean one name less.
 */
static void nameFunctions(jitseal_pool *Pool, LinkGraph &G)
{
	for (auto *Sym : G.defined_symbols()) {
		if (!Sym->hasName() || !Sym->isCallable() || !Sym->getSize() ||
		    kindFor(Sym->getBlock().getSection().getMemProt()) !=
			    JITSEAL_CODE)
			continue;
		std::string Name = Sym->getName().str();
		jitseal_symbol(Pool, Sym->getAddress().toPtr<void *>(),
			       Sym->getSize(), Name.c_str());
	}
}

/* The graph's functions, as entry points of its finalize. */
static std::vector<const void *> entryPoints(LinkGraph &G)
{
	std::vector<const void *> V;

	for (auto *Sym : G.defined_symbols())
		if (Sym->isCallable() &&
		    kindFor(Sym->getBlock().getSection().getMemProt()) ==
			    JITSEAL_CODE)
			V.push_back(Sym->getAddress().toPtr<void *>());
	return V;
}

void MemoryManager::InFlight::finalize(OnFinalizedFunction OnFinalized)
{
	jitseal_finalize_opts Opts = {};
	std::vector<const void *> Entries;
	int Err;

	nameFunctions(MM.pool(), G);
	Opts.sz = sizeof(Opts);
	if (MM.Entries) {
		Entries = entryPoints(G);
		Opts.entries = Entries.data();
		Opts.nr_entries = Entries.size();
	}
	Err = jitseal_batch_finalize(B, &Opts);

	if (Err) {
		drop();
		MM.count(MM.Failed);
		return OnFinalized(makeError(Err, "jitseal: cannot seal graph " +
					     G.getName() + " (" + Twine(Bytes) +
					     " bytes)"));
	}
	jitseal_batch_destroy(B);
	B = nullptr;
	MM.count(MM.NFinalized);

	auto DeallocActions = orc::shared::runFinalizeActions(G.allocActions());
	if (!DeallocActions) {
		/* Installed, but the graph cannot be used: give it back. */
		Error E = DeallocActions.takeError();
		E = joinErrors(std::move(E), MM.release(Addrs));
		return OnFinalized(std::move(E));
	}
	auto *F = new Finalized{ std::move(Addrs), std::move(*DeallocActions) };
	OnFinalized(FinalizedAlloc(ExecutorAddr::fromPtr(F)));
}

void MemoryManager::InFlight::abandon(OnAbandonedFunction OnAbandoned)
{
	drop();
	MM.count(MM.Abandoned);
	OnAbandoned(Error::success());
}

MemoryManager::MemoryManager(jitseal_pool *Pool, bool Own)
	: Pool(Pool), Own(Own)
{
}

MemoryManager::~MemoryManager()
{
	if (Own)
		jitseal_pool_destroy(Pool);
}

Expected<std::unique_ptr<MemoryManager>>
MemoryManager::Create(const jitseal_pool_opts *Opts)
{
	jitseal_pool *P = jitseal_pool_create(Opts);

	if (!P) {
		int Err = errno;
		const char *Why = jitseal_pool_error();

		/* the library's line says what to do: the same words everywhere */
		if (Why)
			return make_error<StringError>(
				std::string("jitseal: cannot create a pool: ") + Why,
				std::error_code(Err, std::generic_category()));
		return makeError(-Err, "jitseal: cannot create a pool");
	}
	return std::make_unique<MemoryManager>(P, true);
}

void MemoryManager::allocate(const JITLinkDylib *, LinkGraph &G,
			     OnAllocatedFunction OnAllocated)
{
	BasicLayout BL(G);
	jitseal_batch *B = jitseal_batch_create(Pool);
	std::vector<void *> Addrs;
	size_t Total = 0;
	Error E = Error::success();

	if (!B) {
		count(Failed);
		return OnAllocated(makeError(-errno, "jitseal: cannot start a batch for graph " +
					     G.getName()));
	}
	for (auto &KV : BL.segments()) {
		auto &Seg = KV.second;
		int Kind = kindFor(KV.first.getMemProt());
		size_t Size = Seg.ContentSize + Seg.ZeroFillSize;
		jitseal_mem M;
		int Err;

		if (Kind < 0) {
			std::string P;
			raw_string_ostream(P) << KV.first.getMemProt();
			E = make_error<StringError>("jitseal: graph " + G.getName() +
						    ": no sealed kind for a " + P +
						    " segment", inconvertibleErrorCode());
			break;
		}
		Err = jitseal_batch_alloc(B, Size ? Size : 1, Seg.Alignment.value(),
					  (jitseal_kind)Kind, &M);
		if (Err) {
			E = makeError(Err, "jitseal: graph " + G.getName() +
				      ": cannot allocate " + Twine(Size) + " bytes of " +
				      kindName(Kind) + " (align " +
				      Twine(Seg.Alignment.value()) + ")");
			break;
		}
		/* Zero-fill lies after the content; staging is not zeroed. */
		std::memset((char *)M.stage + Seg.ContentSize, 0, Seg.ZeroFillSize);
		Seg.WorkingMem = (char *)M.stage;
		Seg.Addr = ExecutorAddr::fromPtr(M.addr);
		Addrs.push_back(M.addr);
		count(Bytes[Kind], Size);
		Total += Size;
	}
	if (!E)
		E = BL.apply();
	if (E) {
		jitseal_batch_discard(B);
		jitseal_batch_destroy(B);
		count(Failed);
		return OnAllocated(std::move(E));
	}
	count(Graphs);
	count(Segments, Addrs.size());
	OnAllocated(std::make_unique<InFlight>(*this, G, B, std::move(Addrs), Total));
}

void MemoryManager::deallocate(std::vector<FinalizedAlloc> Allocs,
			       OnDeallocatedFunction OnDeallocated)
{
	Error E = Error::success();

	/* Last first, as JITLink asks. */
	for (auto I = Allocs.rbegin(); I != Allocs.rend(); ++I) {
		auto *F = I->release().toPtr<Finalized *>();

		E = joinErrors(std::move(E),
			       orc::shared::runDeallocActions(F->DeallocActions));
		E = joinErrors(std::move(E), release(F->Addrs));
		delete F;
		count(Deallocated);
	}
	OnDeallocated(std::move(E));
}

bool MemoryManager::freesMemory()
{
#ifdef JITSEAL_HAVE_FREE
	return true;
#else
	return false;
#endif
}

/*
 * The one place that gives a graph's memory back.  Until libjitseal has
 * jitseal_free() (JITSEAL_HAVE_FREE), a deallocated graph stays sealed,
 * unreachable, until the pool is destroyed.
 */
Error MemoryManager::release(const std::vector<void *> &Addrs)
{
	Error E = Error::success();

#ifdef JITSEAL_HAVE_FREE
	for (void *A : Addrs) {
		int Err = jitseal_free(Pool, A);

		if (Err)
			E = joinErrors(std::move(E),
				       makeError(Err, "jitseal: cannot free " +
						 Twine::utohexstr((uintptr_t)A)));
		else
			count(Freed);
	}
#else
	(void)Addrs;
#endif
	return E;
}

MemoryManagerStats MemoryManager::stats() const
{
	MemoryManagerStats S = {};

	S.Graphs = Graphs;
	S.Segments = Segments;
	S.Finalized = NFinalized;
	S.Abandoned = Abandoned;
	S.Failed = Failed;
	S.Deallocated = Deallocated;
	S.Freed = Freed;
	for (int K = 0; K < JITSEAL_KIND_MAX; K++)
		S.Bytes[K] = Bytes[K];
	return S;
}

} // namespace jitseal
