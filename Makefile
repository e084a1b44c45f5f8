# SPDX-License-Identifier: GPL-2.0
#
# livemig: build the module, lmctl and the tests; run the tests.
#
#   make               livemig.ko (W=1), lmctl, the selftest programs
#   make check         every test (what CI runs; see README.md)
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

# sparse over every module file (C=2 checks them all, not just rebuilt ones).
sparse:
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 C=2 modules

lmctl:
	$(MAKE) -C $(TOP)/tools/lmctl OUTPUT=$(BUILD)/lmctl

selftests:
	$(MAKE) -C $(TOP)/selftests/livemig OUTPUT=$(BUILD)/selftests

check:
	$(TOP)/scripts/check.sh

# Numbers, not pass/fail: 256 MiB moves (idle, busy) against raw TCP.
bench:
	$(TOP)/scripts/bench.sh

clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean
	rm -rf $(BUILD)

.PHONY: all module sparse lmctl selftests check bench clean
