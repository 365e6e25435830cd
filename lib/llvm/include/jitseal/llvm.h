/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libjitseal-llvm: LLVM ORC/JITLink on sealed memory.
 *
 * jitseal::MemoryManager is a llvm::jitlink::JITLinkMemoryManager on a
 * libjitseal pool: one jitseal_batch per LinkGraph, each segment placed by
 * its protection (Read|Exec -> JITSEAL_CODE, Read -> JITSEAL_RODATA,
 * Read|Write -> JITSEAL_DATA), JITLink's working memory is the staging
 * memory, and finalizing a graph is one jitseal_batch_finalize() (one
 * LOAD on the kmod backend) before the graph's finalize actions run.
 *
 *   auto MM = jitseal::MemoryManager::Create();      // sealed pool
 *   auto EPC = llvm::orc::SelfExecutorProcessControl::Create(
 *           nullptr, nullptr, std::move(*MM));
 *
 * See Documentation/userspace-api/libjitseal-llvm.rst.
 */
#ifndef JITSEAL_LLVM_H
#define JITSEAL_LLVM_H

#include <jitseal.h>

#include <llvm/ExecutionEngine/JITLink/JITLinkMemoryManager.h>
#include <llvm/Support/Error.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#define JITSEAL_LLVM_VERSION_MAJOR	0
#define JITSEAL_LLVM_VERSION_MINOR	2

namespace jitseal {

/* Counters of one MemoryManager (all graphs, every thread). */
struct MemoryManagerStats {
	uint64_t Graphs;	/* LinkGraphs given memory */
	uint64_t Segments;	/* jitseal allocations made for them */
	uint64_t Finalized;	/* graphs installed (one batch finalize each) */
	uint64_t Abandoned;	/* graphs discarded before finalize */
	uint64_t Failed;	/* graphs whose allocation or finalize failed */
	uint64_t Deallocated;	/* finalized graphs given back */
	uint64_t Freed;		/* allocations returned with jitseal_free() */
	uint64_t Bytes[JITSEAL_KIND_MAX];	/* bytes per enum jitseal_kind */
};

class JITSEAL_API MemoryManager final
	: public llvm::jitlink::JITLinkMemoryManager {
public:
	/*
	 * A manager on a new pool made with @Opts (nullptr: the library's
	 * defaults, i.e. sealed or an error).  The error carries the
	 * library's line (jitseal_pool_error(3)): what failed and what to do.
	 */
	static llvm::Expected<std::unique_ptr<MemoryManager>>
	Create(const jitseal_pool_opts *Opts = nullptr);

	/* A manager on @Pool; with @Own it destroys the pool when it goes. */
	MemoryManager(jitseal_pool *Pool, bool Own);
	~MemoryManager() override;
	MemoryManager(const MemoryManager &) = delete;
	MemoryManager &operator=(const MemoryManager &) = delete;

	void allocate(const llvm::jitlink::JITLinkDylib *JD,
		      llvm::jitlink::LinkGraph &G,
		      OnAllocatedFunction OnAllocated) override;
	using JITLinkMemoryManager::allocate;

	void deallocate(std::vector<FinalizedAlloc> Allocs,
			OnDeallocatedFunction OnDeallocated) override;
	using JITLinkMemoryManager::deallocate;

	jitseal_pool *pool() const { return Pool; }

	/*
	 * From now on, declare every function a graph seals an entry point
	 * (jitseal_slots_set(3)), so that sealed slots may hold it.
	 */
	void declareEntryPoints(bool On) { Entries = On; }
	MemoryManagerStats stats() const;

	/* True when deallocate() gives memory back (jitseal_free()). */
	static bool freesMemory();

private:
	class InFlight;
	struct Finalized;

	void count(std::atomic<uint64_t> &C, uint64_t N = 1) { C += N; }
	llvm::Error release(const std::vector<void *> &Addrs);

	jitseal_pool *Pool;
	bool Own;
	std::atomic<bool> Entries{false};
	std::atomic<uint64_t> Graphs{0}, Segments{0}, NFinalized{0},
		Abandoned{0}, Failed{0}, Deallocated{0}, Freed{0};
	std::atomic<uint64_t> Bytes[JITSEAL_KIND_MAX] = {};
};

/* An llvm::Error for the negative errno @Err of libjitseal: "What: why". */
JITSEAL_API llvm::Error makeError(int Err, const llvm::Twine &What);

} /* namespace jitseal */

/*
 * LLJIT on sealed memory in one call (lljit.cpp, libjitseal-llvm 0.2): everything a
 * user of the adapter needs and could get wrong.
 *
 *   llvm::orc::LLJITBuilder B;
 *   auto MM = jitseal::setUpLLJIT(B);      // nullptr: sealed or an error
 *   if (!MM) ...;
 *   auto J = B.create();
 *
 * It initialises the native target, makes a MemoryManager on a new pool
 * made with @Opts, puts it under a SelfExecutorProcessControl (so that
 * everything ORC allocates in the process goes through it), selects
 * JITLink (ObjectLinkingLayer) with eh-frame registration, and a target
 * machine with Reloc::PIC_ and CodeModel::Small: without them LLVM 16
 * puts constants into writable memory, and sealing protects less.  The
 * MemoryManager returned belongs to the JIT (statistics, the pool).
 * Calls into the process's libraries (printf) still need a
 * DynamicLibrarySearchGenerator on the JIT's main JITDylib.
 *
 * addLinkPlugins() is the linking part alone, for a JIT that makes its
 * own ObjectLinkingLayer: eh-frame registration, and constants in
 * read-only data (LLVM 16's ELF JITLink makes every section that is not
 * code read+write, so .rodata would otherwise be writable data).
 */
#define JITSEAL_LLVM_HAVE_SETUP_LLJIT	1

namespace llvm {
namespace orc {
class LLJITBuilder;
class ObjectLinkingLayer;
} /* namespace orc */
} /* namespace llvm */

namespace jitseal {

JITSEAL_API llvm::Expected<MemoryManager *>
setUpLLJIT(llvm::orc::LLJITBuilder &B, const jitseal_pool_opts *Opts = nullptr);
JITSEAL_API void addLinkPlugins(llvm::orc::ObjectLinkingLayer &L);

} /* namespace jitseal */

#endif /* JITSEAL_LLVM_H */
