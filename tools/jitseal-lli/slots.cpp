// SPDX-License-Identifier: GPL-2.0
/*
 * jitseal-lli --lazy: ORC's stubs and trampolines on sealed slots, so that
 * no code pointer of the lazy JIT lives in RW memory.
 *
 * SlotStubsManager is an IndirectStubsManager whose stubs are sealed code
 * that jumps through a slot (the ABI's own indirect stub, x86-64
 * "jmp *slot(%rip)", AArch64 "ldr x16, slot; br x16", written by
 * EPCIndirectionUtils' ABI support), the slots sealed read-only data of
 * the same pool, declared at their finalize with the trampolines as their
 * first targets; updatePointer() is jitseal_slots_set(), which with the
 * kmod backend the kernel checks: the new target must be a declared entry
 * point, which the memory manager makes of every function it seals
 * (jitseal::MemoryManager::declareEntryPoints()).  SlotTrampolinePool
 * writes the ABI's trampolines into sealed code and declares each one an
 * entry point, the first target of a stub's slot.
 */
#include "lli.h"

#include <unistd.h>

using namespace llvm;
using namespace llvm::orc;

namespace {

/* Finalize @B with @Entries and @Slots declared, then destroy it. */
Error sealBatch(jitseal_batch *B, const std::vector<const void *> &Entries,
		const std::vector<jitseal_slot_decl> &Slots, const Twine &What)
{
	jitseal_finalize_opts O = {};
	int Err;

	O.sz = sizeof(O);
	O.entries = Entries.data();
	O.nr_entries = Entries.size();
	O.slots = Slots.data();
	O.nr_slots = Slots.size();
	Err = jitseal_batch_finalize(B, &O);
	if (Err)
		jitseal_batch_discard(B);
	jitseal_batch_destroy(B);
	return Err ? jitseal::makeError(Err, What) : Error::success();
}

class SlotTrampolinePool final : public TrampolinePool {
public:
	SlotTrampolinePool(jitseal_pool *Pool, const EPCIndirectionUtils &EPCIU)
		: Pool(Pool), EPCIU(EPCIU) {}

private:
	/* A page of trampolines, each a declared entry point. */
	Error grow() override
	{
		const EPCIndirectionUtils::ABISupport &ABI = EPCIU.getABISupport();
		unsigned Size = ABI.getTrampolineSize();
		size_t Page = (size_t)sysconf(_SC_PAGESIZE);
		/* The ABI keeps the resolver's address after the trampolines. */
		unsigned N = (unsigned)((Page - ABI.getPointerSize()) / Size);
		jitseal_batch *B = jitseal_batch_create(Pool);
		std::vector<const void *> Entries;
		jitseal_mem M;
		int Err;

		if (!B)
			return jitseal::makeError(-errno, "jitseal: trampolines");
		Err = jitseal_batch_alloc(B, Page, Page, JITSEAL_CODE, &M);
		if (Err) {
			jitseal_batch_destroy(B);
			return jitseal::makeError(Err, "jitseal: trampolines");
		}
		ABI.writeTrampolines(static_cast<char *>(M.stage),
				     pointerToJITTargetAddress(M.addr),
				     EPCIU.getResolverBlockAddress(), N);
		for (unsigned I = 0; I < N; I++)
			Entries.push_back(static_cast<char *>(M.addr) + I * Size);
		if (Error E = sealBatch(B, Entries, {}, "jitseal: trampolines"))
			return E;
		for (unsigned I = N; I > 0; I--)
			AvailableTrampolines.push_back(
				pointerToJITTargetAddress(Entries[I - 1]));
		return Error::success();
	}

	jitseal_pool *Pool;
	const EPCIndirectionUtils &EPCIU;
};

class SlotStubsManager final : public IndirectStubsManager {
public:
	SlotStubsManager(jitseal_pool *Pool,
			 const EPCIndirectionUtils::ABISupport &ABI)
		: Pool(Pool), ABI(ABI) {}

	Error createStub(StringRef Name, JITTargetAddress Addr,
			 JITSymbolFlags Flags) override
	{
		StubInitsMap Inits;

		Inits[Name] = std::make_pair(Addr, Flags);
		return createStubs(Inits);
	}

	Error createStubs(const StubInitsMap &Inits) override;

	JITEvaluatedSymbol findStub(StringRef Name, bool ExportedOnly) override
	{
		std::lock_guard<std::mutex> Lock(M);
		auto I = Stubs.find(Name);

		if (I == Stubs.end() ||
		    (ExportedOnly && !I->second.Flags.isExported()))
			return nullptr;
		return JITEvaluatedSymbol(I->second.Stub, I->second.Flags);
	}

	JITEvaluatedSymbol findPointer(StringRef Name) override
	{
		std::lock_guard<std::mutex> Lock(M);
		auto I = Stubs.find(Name);

		if (I == Stubs.end())
			return nullptr;
		return JITEvaluatedSymbol(pointerToJITTargetAddress(I->second.Slot),
					  I->second.Flags);
	}

	/* The kernel (kmod) checks @Addr: a declared entry point. */
	Error updatePointer(StringRef Name, JITTargetAddress Addr) override
	{
		jitseal_slot_set Set;
		int Err;

		{
			std::lock_guard<std::mutex> Lock(M);
			auto I = Stubs.find(Name);

			if (I == Stubs.end())
				return make_error<StringError>(
					"jitseal: no stub " + Name,
					inconvertibleErrorCode());
			Set.slot = I->second.Slot;
		}
		Set.target = jitTargetAddressToPointer<const void *>(Addr);
		Err = jitseal_slots_set(Pool, &Set, 1);
		return Err ? jitseal::makeError(Err, "jitseal: stub " + Name) :
			     Error::success();
	}

private:
	struct Stub {
		JITTargetAddress Stub;
		void *Slot;
		JITSymbolFlags Flags;
	};

	jitseal_pool *Pool;
	const EPCIndirectionUtils::ABISupport &ABI;
	std::mutex M;
	StringMap<Stub> Stubs;
};

/*
 * One batch for a set of stubs: their code in one block, their slots in
 * read-only data, each slot starting at the stub's initial target.
 */
Error SlotStubsManager::createStubs(const StubInitsMap &Inits)
{
	unsigned N = Inits.size(), I = 0;
	std::vector<jitseal_slot_decl> Decls(N);
	jitseal_mem Code, Slots;
	jitseal_batch *B;
	uint64_t *Init;
	int Err;

	if (!N)
		return Error::success();
	B = jitseal_batch_create(Pool);
	if (!B)
		return jitseal::makeError(-errno, "jitseal: stubs");
	Err = jitseal_batch_alloc(B, (size_t)N * ABI.getStubSize(), 16,
				  JITSEAL_CODE, &Code);
	if (!Err)
		Err = jitseal_batch_alloc(B, (size_t)N * 8, 8, JITSEAL_RODATA,
					  &Slots);
	if (!Err && (uint64_t)std::abs(static_cast<char *>(Slots.addr) -
				       static_cast<char *>(Code.addr)) >
			    ABI.getStubToPointerMaxDisplacement())
		Err = -ERANGE;
	if (Err) {
		jitseal_batch_discard(B);
		jitseal_batch_destroy(B);
		return jitseal::makeError(Err, "jitseal: stubs");
	}
	/* The ABI's stub i jumps through the word i of the pointer block. */
	Init = static_cast<uint64_t *>(Slots.stage);
	for (auto &KV : Inits) {
		Init[I] = KV.second.first;
		Decls[I] = jitseal_slot_decl{ static_cast<char *>(Slots.addr) +
						      8 * I, 0 };
		I++;
	}
	ABI.writeIndirectStubsBlock(static_cast<char *>(Code.stage),
				    pointerToJITTargetAddress(Code.addr),
				    pointerToJITTargetAddress(Slots.addr), N);
	if (Error E = sealBatch(B, {}, Decls, "jitseal: stubs"))
		return E;

	std::lock_guard<std::mutex> Lock(M);
	I = 0;
	for (auto &KV : Inits) {
		Stubs[KV.first()] = Stub{
			pointerToJITTargetAddress(static_cast<char *>(Code.addr) +
						  I * ABI.getStubSize()),
			Decls[I].slot, KV.second.second };
		I++;
	}
	return Error::success();
}

} /* namespace */

std::unique_ptr<TrampolinePool>
slotTrampolinePool(jitseal_pool *Pool, const EPCIndirectionUtils &EPCIU)
{
	return std::make_unique<SlotTrampolinePool>(Pool, EPCIU);
}

std::unique_ptr<IndirectStubsManager>
slotStubsManager(jitseal_pool *Pool, const EPCIndirectionUtils &EPCIU)
{
	return std::make_unique<SlotStubsManager>(Pool, EPCIU.getABISupport());
}

/*
 * Can every stub reach its slot?  The library keeps all of a pool's
 * regions within a 2 GiB span, which the x86-64 stub (+-2 GiB) covers;
 * AArch64's ldr literal reaches only +-1 MiB, less than a default region,
 * so there the stubs keep RW pointers.
 */
bool slotsReach(jitseal_pool *Pool, const EPCIndirectionUtils &EPCIU)
{
	(void)Pool;
	return EPCIU.getABISupport().getStubToPointerMaxDisplacement() >=
	       (1U << 31);
}
