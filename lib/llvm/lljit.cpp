// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * jitseal::setUpLLJIT(): an LLJITBuilder on sealed memory in one call
 * (see <jitseal/llvm.h>): the memory manager under the executor process
 * control, JITLink with eh-frame registration, a PIC small-code-model
 * target machine.
 */
#include <jitseal/llvm.h>

#include <llvm/ExecutionEngine/JITLink/EHFrameSupport.h>
#include <llvm/ExecutionEngine/Orc/EPCEHFrameRegistrar.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/Support/TargetSelect.h>

using namespace llvm;
using namespace llvm::orc;

namespace jitseal {

/*
 * LLVM 16's ELF JITLink gives every section that is not code read+write
 * protection, constants included (.rodata, .rodata.str1.1, .rodata.cst8):
 * they would land in the pool's RW data.  Their fixups are applied in
 * staging before the graph is finalized, so nothing writes them later:
 * they go to read-only data, sealed with the code.
 */
class ReadOnlyData final : public ObjectLinkingLayer::Plugin {
public:
	void modifyPassConfig(MaterializationResponsibility &, jitlink::LinkGraph &,
			      jitlink::PassConfiguration &Config) override
	{
		Config.PrePrunePasses.push_back([](jitlink::LinkGraph &G) {
			for (auto &S : G.sections())
				if (S.getName() == ".rodata" ||
				    S.getName().startswith(".rodata."))
					S.setMemProt(MemProt::Read);
			return Error::success();
		});
	}
	Error notifyFailed(MaterializationResponsibility &) override
	{
		return Error::success();
	}
	Error notifyRemovingResources(JITDylib &, ResourceKey) override
	{
		return Error::success();
	}
	void notifyTransferringResources(JITDylib &, ResourceKey, ResourceKey) override
	{
	}
};

void addLinkPlugins(ObjectLinkingLayer &L)
{
	L.addPlugin(std::make_unique<EHFrameRegistrationPlugin>(
		L.getExecutionSession(),
		std::make_unique<jitlink::InProcessEHFrameRegistrar>()));
	L.addPlugin(std::make_unique<ReadOnlyData>());
}

/* JITLink with addLinkPlugins(), on the executor's memory manager. */
static Expected<std::unique_ptr<ObjectLayer>>
linkingLayer(ExecutionSession &ES, const Triple &)
{
	auto L = std::make_unique<ObjectLinkingLayer>(ES);

	addLinkPlugins(*L);
	return std::move(L);
}

Expected<MemoryManager *> setUpLLJIT(LLJITBuilder &B,
				     const jitseal_pool_opts *Opts)
{
	if (InitializeNativeTarget() || InitializeNativeTargetAsmPrinter())
		return make_error<StringError>("jitseal: no native target in this LLVM",
					       inconvertibleErrorCode());
	auto JTMB = JITTargetMachineBuilder::detectHost();
	if (!JTMB)
		return JTMB.takeError();
	/* JITLink's model: PIC, small code model (constants read-only) */
	JTMB->setRelocationModel(Reloc::PIC_);
	JTMB->setCodeModel(CodeModel::Small);

	auto MM = MemoryManager::Create(Opts);
	if (!MM)
		return MM.takeError();
	MemoryManager *Raw = MM->get();
	auto EPC = SelfExecutorProcessControl::Create(nullptr, nullptr,
						      std::move(*MM));
	if (!EPC)
		return EPC.takeError();
	B.setExecutorProcessControl(std::move(*EPC))
		.setJITTargetMachineBuilder(std::move(*JTMB))
		.setObjectLinkingLayerCreator(linkingLayer);
	return Raw;
}

} /* namespace jitseal */
