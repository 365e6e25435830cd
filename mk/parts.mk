# Which parts of jitseal this machine can build, decided once for the
# top-level Makefile: the library always; the LLVM adapter where
# llvm-config-16 is; jitsealctl where libbpf, libkmod, bpftool, clang and
# a kernel BTF (the cached Debian kernel's, else the running kernel's
# /sys/kernel/btf/vmlinux) are; the module and the tests once `make deps`
# has put kernel headers and the kselftest harness in place.

LLVM_CONFIG ?= llvm-config-16
HAVE_LLVM := $(shell $(LLVM_CONFIG) --version 2>/dev/null)

CTL_MISSING := $(strip \
	$(if $(shell pkg-config --exists libbpf libkmod 2>/dev/null && echo y),,libbpf-dev and libkmod-dev) \
	$(if $(shell command -v bpftool 2>/dev/null),,bpftool) \
	$(if $(shell command -v clang 2>/dev/null),,clang) \
	$(if $(or $(wildcard $(KIMAGE_DIR)/boot/vmlinuz-$(KVER)),$(wildcard /sys/kernel/btf/vmlinux)),,a kernel BTF (/sys/kernel/btf/vmlinux)))
CTL_MISSING := $(if $(CTL_MISSING),no $(CTL_MISSING))
HAVE_CTL := $(if $(CTL_MISSING),,y)

HARNESS := $(KSRC)/tools/testing/selftests/kselftest_harness.h
DEPS_MISSING := $(strip \
	$(if $(wildcard $(KDIR)/Makefile),,kernel headers (KDIR=$(KDIR))) \
	$(if $(wildcard $(HARNESS)),,the kselftest harness ($(HARNESS))))
DEPS_MISSING := $(if $(DEPS_MISSING),the module and the tests need $(DEPS_MISSING))
DEPS_READY := $(if $(DEPS_MISSING),,y)
