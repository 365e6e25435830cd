# jitseal: top-level build.  `make` builds what installs (the library,
# the LLVM adapter where LLVM 16 is, jitsealctl where libbpf is, the
# examples) with only their own build dependencies, and the module and
# the tests too once `make deps` has run; `make install` installs the
# first group.  `make check` runs every test (host tests, lint, then the
# kernel selftests in one VM); `make check-debug` the deeper tier on a
# debug kernel; `make demo` seals and runs real JIT code in a VM.  Those
# run `make deps` first.
include mk/config.mk

# Userspace parts, each a directory with its own Makefile (all, clean).
USER_DIRS := lib tools/jitsealctl examples/jitcalc tools/bench \
	     selftests/vm-run selftests/jitseal selftests/lib selftests/enforce \
	     selftests/profile lib/llvm tools/jitseal-lli selftests/llvm \
	     selftests/admin selftests/pcre2 selftests/mdwe
USER_DIRS := $(foreach d,$(USER_DIRS),$(if $(wildcard $(d)/Makefile),$(d)))

# What `make install` installs, each part where its own build dependencies
# are (mk/parts.mk decides): no kernel headers, kernel image, kselftest
# harness or VM tool chain needed.
include mk/parts.mk
INSTALL_PARTS := lib $(if $(HAVE_LLVM),lib/llvm) $(if $(HAVE_CTL),tools/jitsealctl)
EXAMPLE_DIRS := examples/hello $(if $(HAVE_LLVM),examples/lljit)
USER_DIRS += $(EXAMPLE_DIRS)

.PHONY: all build deps deps-kernels deps-arm64 check-arm64 module modules-kernels userspace check check-debug check-kernels lint demo bench bench-native \
	install dkms-source deb clean distclean pcre2 parts $(USER_DIRS)

# The module and the tests need `make deps` (kernel headers, the kselftest
# harness); without them `make` builds the rest and says so.
all: build $(if $(DEPS_READY),module userspace)
	@$(if $(DEPS_READY),:,echo "jitseal: built $(strip $(INSTALL_PARTS) $(EXAMPLE_DIRS)); $(DEPS_MISSING): run \`make deps\` (root, apt) to build them")
	@$(if $(HAVE_LLVM),:,echo "jitseal: no $(LLVM_CONFIG): the LLVM adapter (lib/llvm) and examples/lljit are not built (install llvm-16-dev)")
	@$(if $(HAVE_CTL),:,echo "jitseal: tools/jitsealctl is not built: $(patsubst %;,%,$(CTL_MISSING))")

build: $(INSTALL_PARTS) $(EXAMPLE_DIRS)

# What make decided (tested by selftests/build).
parts:
	@echo "install: $(INSTALL_PARTS)"
	@echo "examples: $(EXAMPLE_DIRS)"
	@echo "deps: $(if $(DEPS_READY),ready,missing)"

deps:
	@tools/deps

# Every kernel of tools/kernel-matrix (make check needs only the first).
deps-kernels: deps
	@tools/deps --kernels

# arm64: cross compiler, qemu-system-aarch64, Debian's arm64 kernel, headers
# and guest root (tools/arm64-fetch).
deps-arm64: deps
	@tools/deps --arm64

module:
	@test -d "$(KDIR)" || { echo "jitseal: no kernel headers at KDIR=$(KDIR) (run: make deps)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) modules

# The module for each kernel of tools/kernel-matrix, each in its own folder
# (a copy of the DKMS source): build/kernels/RELEASE/kmod/jitseal.ko, which
# tools/vm-run --release RELEASE loads.
modules-kernels:
	@set -e; for r in $$(tools/kernel-matrix); do \
		test -d /usr/src/linux-headers-$$r || { echo "jitseal: no headers for $$r (run: make deps-kernels)" >&2; exit 1; }; \
		$(MAKE) -s --no-print-directory dkms-source DKMS_SRCDIR=$(TOP)/build/kernels/$$r INSTALL_FLAGS=-C; \
		$(MAKE) -C /usr/src/linux-headers-$$r M=$(TOP)/build/kernels/$$r/kmod modules; \
	done

userspace: $(USER_DIRS)
$(USER_DIRS):
	$(MAKE) -C $@
# Everything that links the library waits for it.
$(filter-out lib,$(USER_DIRS)): $(filter lib,$(USER_DIRS))
# The LLVM runner, benchmark and example link the adapter.
tools/jitseal-lli tools/bench examples/lljit: $(filter lib/llvm,$(USER_DIRS))

# Debian's PCRE2 built on jitseal (<jitseal/sljit.h>) and stock, with the
# tests and benchmark that use them: selftests/pcre2/build (part of `make`).
pcre2: lib
	$(MAKE) -C selftests/pcre2

check: deps
	@$(MAKE) --no-print-directory all
	@tools/check

# The deeper tier: the same tests and longer runs on a debug kernel (KASAN,
# lockdep, kmemleak, UBSAN, fault injection, gcov), built once and cached
# outside the tree by tools/debug-kernel (about 20 minutes the first time).
check-debug: deps
	@$(MAKE) --no-print-directory all
	@tools/check-debug

# Every VM suite on every kernel of tools/kernel-matrix (tools/check-kernels).
check-kernels: deps-kernels
	@$(MAKE) --no-print-directory all modules-kernels
	@tools/check-kernels

# The arm64 tier: a cross-built copy of the tree in build/arm64/src, its
# suites in a qemu-system-aarch64 guest (tools/check-arm64).
check-arm64: deps-arm64
	@tools/check-arm64

lint:
	@tools/lint

demo: deps
	@$(MAKE) --no-print-directory all
	@examples/jitcalc/run

bench: deps
	@$(MAKE) --no-print-directory all
	@tools/bench/run

bench-native:
	@$(MAKE) --no-print-directory userspace
	@tools/bench/run --native

# The library (headers, jitseal.pc, man pages), the LLVM adapter
# (jitseal-llvm.pc) and jitsealctl (its man pages, unit, udev rule), each
# where it was built; PREFIX and DESTDIR honoured.  The module installs
# through DKMS (make dkms-source) or the packages (make deb).
install: build
	@set -e; for d in $(INSTALL_PARTS); do $(MAKE) --no-print-directory -C $$d install; done

# The module's source as DKMS wants it: $(DKMS_SRCDIR) with dkms.conf.
DKMS_SRCDIR ?= $(DESTDIR)/usr/src/jitseal-$(JITSEAL_VERSION)
DKMS_FILES := VERSION uapi/linux/jitseal.h $(wildcard kmod/probes/*.c) \
	$(filter-out %.mod.c kmod/compat-probes.h,$(sort $(wildcard kmod/*.c kmod/*.h))) kmod/Kbuild
dkms-source:
	install -d $(DKMS_SRCDIR)/kmod/probes $(DKMS_SRCDIR)/uapi/linux
	for f in $(DKMS_FILES); do install $(INSTALL_FLAGS) -m 644 $$f $(DKMS_SRCDIR)/$$f || exit 1; done
	install $(INSTALL_FLAGS) -m 755 kmod/compat-probe $(DKMS_SRCDIR)/kmod/compat-probe
	sed 's/#MODULE_VERSION#/$(JITSEAL_VERSION)/' dkms.conf > $(DKMS_SRCDIR)/dkms.conf

# Debian packages of a clean copy of the tree, in build/deb (tools/mkdeb).
deb:
	@tools/mkdeb

clean:
	-test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(TOP) clean
	for d in $(sort $(USER_DIRS) $(INSTALL_PARTS) examples/hello examples/lljit); do $(MAKE) -C $$d clean || exit 1; done
	rm -rf build

# Also the caches of make deps: kernel image, linux-source members, initramfs.
distclean: clean
	rm -rf .cache
