# Shared build settings, included by every Makefile of the project.
# The Debian kernel version is derived in one place: tools/kernel-version.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
CACHE := $(TOP)/.cache
# The one version of module, library, tools and packages.
JITSEAL_VERSION := $(shell cat $(TOP)/VERSION)

KVER ?= $(shell $(TOP)/tools/kernel-version 2>/dev/null)
KDIR ?= /usr/src/linux-headers-$(KVER)
# Debian's kernel image and modules for the guest, unpacked by tools/deps.
KIMAGE_DIR ?= $(CACHE)/kernel/$(KVER)
# Members extracted from Debian's linux-source tarball (kselftest harness,
# checkpatch.pl, extract-vmlinux), by tools/deps.
KSRC := $(CACHE)/linux-source

CC ?= cc
CFLAGS ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Werror
USER_CFLAGS = $(CFLAGS) $(WARNFLAGS) -std=gnu11 -D_GNU_SOURCE \
	      -I$(TOP)/uapi -I$(TOP)/lib/include
# -isystem: the 6.1 harness itself trips -Wextra (unused parameters).
# selftests/include: the tests' code emitters per architecture (jsarch.h).
SELFTEST_CFLAGS = $(USER_CFLAGS) -isystem $(KSRC)/tools/testing/selftests \
		  -I$(TOP)/selftests/include
