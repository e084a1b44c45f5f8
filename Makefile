# SPDX-License-Identifier: GPL-2.0
#
# livemig: build the module, lmctl and the tests; run the tests.
#
#   make               livemig.ko (W=1), lmctl, the selftest programs
#   make module-fault  the test build with fault points: build/fault/livemig.ko
#   make check         every test (what CI runs; see README.md)
#   make check-full    the whole fault matrix, every fault at every fault
#                      point (about an hour; after make check)
#   make check-mutations  plant each bug of selftests/mutations/ in a copy
#                      of the tree and show the tests catch it (~40 min)
#   make fuzz          the wire decoders under libFuzzer for FUZZ_SECONDS
#                      (1800); selftests/fuzz/Makefile has the rest
#   make KDIR=/path    build against another kernel tree
#
# Kbuild (the file next to this one) lists the module's objects.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD := $(TOP)/build
KVER ?= $(shell $(TOP)/scripts/kver.sh)
KDIR ?= /lib/modules/$(KVER)/build

all: module lmctl selftests

module:
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 modules

# The test build: the same sources with fault points (kmod/fault.c), built
# in a copy of the tree so that its objects never mix with the shipped ones.
FAULT := $(BUILD)/fault
module-fault:
	mkdir -p $(FAULT)/kmod $(FAULT)/uapi/linux
	cp -p -u $(TOP)/Kbuild $(FAULT)/
	cp -p -u $(TOP)/kmod/*.[ch] $(FAULT)/kmod/
	cp -p -u $(TOP)/uapi/linux/livemig.h $(FAULT)/uapi/linux/
	$(MAKE) -C $(KDIR) M=$(FAULT) W=1 CONFIG_LIVEMIG_FAULT=y modules

# sparse over every module file (C=2 checks them all, not just rebuilt ones).
sparse:
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 C=2 modules

lmctl:
	$(MAKE) -C $(TOP)/tools/lmctl OUTPUT=$(BUILD)/lmctl

selftests:
	$(MAKE) -C $(TOP)/selftests/livemig OUTPUT=$(BUILD)/selftests

check:
	$(TOP)/scripts/check.sh

check-full:
	$(TOP)/scripts/check-full.sh

check-mutations:
	$(TOP)/scripts/mutations.sh

# Numbers, not pass/fail: 256 MiB moves (idle, busy) against raw TCP.
bench:
	$(TOP)/scripts/bench.sh

fuzz:
	$(MAKE) -C $(TOP)/selftests/fuzz OUTPUT=$(BUILD)/fuzz fuzz

clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean
	rm -rf $(BUILD)

.PHONY: all module module-fault sparse lmctl selftests check check-full check-mutations bench fuzz clean
