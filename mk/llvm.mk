# LLVM 16 settings for the C++ parts (lib/llvm, tools/jitseal-lli,
# selftests/llvm); tools/deps installs llvm-16-dev and clang-16.
LLVM_CONFIG ?= llvm-config-16
CLANG16 ?= clang-16
CXX := clang++-16
LLVM_CXXFLAGS := $(shell $(LLVM_CONFIG) --cxxflags 2>/dev/null)
LLVM_LDFLAGS := $(shell $(LLVM_CONFIG) --ldflags 2>/dev/null)
LLVM_LIBS := $(shell $(LLVM_CONFIG) --libs 2>/dev/null)
LLVM_LIBDIR := $(shell $(LLVM_CONFIG) --libdir 2>/dev/null)
LLVM_INCLUDEDIR := $(shell $(LLVM_CONFIG) --includedir 2>/dev/null)
# LLVM's own flags (-fno-exceptions, -std=c++17), then ours.
USER_CXXFLAGS = $(LLVM_CXXFLAGS) $(CFLAGS) $(WARNFLAGS) -Wno-unused-parameter \
		-I$(TOP)/uapi -I$(TOP)/lib/include -I$(TOP)/lib/llvm/include
