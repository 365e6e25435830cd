# Which parts of jitseal this machine can build, decided once for the
# top-level Makefile: the library always; the LLVM adapter where
# llvm-config-16 is; jitsealctl where libbpf, libkmod, bpftool, clang and
# a kernel BTF (the cached Debian kernel's, else the running kernel's
# /sys/kernel/btf/vmlinux before 6.6) are; the module and the tests once `make deps`
# has put kernel headers and the kselftest harness in place.

LLVM_CONFIG ?= llvm-config-16
HAVE_LLVM := $(shell $(LLVM_CONFIG) --version 2>/dev/null)

# The BPF programs are written against 6.1's struct inode (newer layouts
# are CO-RE flavours), so a running kernel's BTF serves before 6.6 only.
CTL_HOST_BTF := $(shell test -r /sys/kernel/btf/vmlinux && \
	test "$$(printf '6.6\n%s\n' "$$(uname -r)" | sort -V | head -n1)" != 6.6 && echo y)
CTL_MISSING := $(strip \
	$(if $(shell pkg-config --exists libbpf libkmod 2>/dev/null && echo y),,no libbpf-dev or libkmod-dev;) \
	$(if $(shell command -v bpftool 2>/dev/null),,no bpftool;) \
	$(if $(shell command -v clang 2>/dev/null),,no clang;) \
	$(if $(or $(wildcard $(KIMAGE_DIR)/boot/vmlinuz-$(KVER)),$(CTL_HOST_BTF)),,no kernel BTF for its BPF programs (make deps fetches Debian's, and a running kernel before 6.6 also serves)))
HAVE_CTL := $(if $(CTL_MISSING),,y)

HARNESS := $(KSRC)/tools/testing/selftests/kselftest_harness.h
HDRS_MISSING := $(if $(wildcard $(KDIR)/Makefile),,kernel headers (KDIR=$(KDIR)))
HARNESS_MISSING := $(if $(wildcard $(HARNESS)),,the kselftest harness ($(HARNESS)))
DEPS_MISSING := $(strip $(HDRS_MISSING) $(if $(and $(HDRS_MISSING),$(HARNESS_MISSING)),and) $(HARNESS_MISSING))
DEPS_MISSING := $(if $(DEPS_MISSING),the module and the tests need $(DEPS_MISSING))
DEPS_READY := $(if $(DEPS_MISSING),,y)
