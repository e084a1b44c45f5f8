/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig test VMM library: a running test guest.
 *
 * struct vmm is a VM with one vCPU running the test guest (../../guest) on a
 * thread of its own, what a command-line VMM (lm_vmm) and, later, a
 * destination VMM build on:
 *
 *   caller (main thread)              run thread
 *   --------------------              ----------
 *   vmm_create(cfg)                   
 *   vmm_start()  -------------------> KVM_RUN loop: pass and mismatch
 *   vmm_stats() <- atomics, and the     reports, dirty ring full
 *                  guest's own record   (vmm_ring_full()), guest exit
 *   vmm_stop()   -- stop + kick ----> returns; the VM stays, paused
 *   vmm_start() again resumes it; vmm_destroy() ends it.
 *
 * Migration (livemig's VMM contract, see vmm_mig.h):
 *   source:       __vmm_pause() (stopped, last I/O completed), __vmm_save()
 *                 (KVM's state, vmstate.h, and the VMM's devices: the
 *                 epoch port and the test device); after a cancelled
 *                 migration vmm_new_epoch() and vmm_start() again.
 *   destination:  __vmm_create() with @incoming (same machine, nothing
 *                 loaded), guest RAM written by livemig, __vmm_load(),
 *                 vmm_new_epoch(), vmm_start().
 *   A new epoch makes the guest check all its pages (lm_guest.h); the
 *   result shows in vmm_stats().
 *
 * Conventions as in vmm.h: __vmm_*() return 0 or a negative errno with a
 * sentence, vmm_*() assert.  No global state: everything is in struct vmm.
 */
#ifndef LIVEMIG_VMM_RUN_H
#define LIVEMIG_VMM_RUN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lm_guest.h"
#include "testdev.h"
#include "vmm.h"
#include "vmstate.h"

#define VMM_EVENT_TIMEOUT_MS	1000	/* how often the run loop looks up */
#define VMM_RING_STUCK_LIMIT	3	/* full-ring exits that free nothing */
#define VMM_RING_WAIT_US	200	/* waiting for livemig's reset */

/**
 * struct vmm_config - the machine a struct vmm runs
 * @image:	the guest image (guest_image_default() finds the usual one)
 * @ram_size:	bytes of RAM from guest address 0, one region (slot 0)
 * @ring_entries: dirty ring entries per vCPU (a power of two)
 * @dirty_log:	start with KVM_MEM_LOG_DIRTY_PAGES on (normally off until
 *		livemig's PREPARE, DESIGN.md 3.4)
 * @rate:	the guest's rate= (pattern pages per second, 0 = no limit)
 * @idle:	the guest's idle=
 * @fill:	the guest's fill= (LM_FILL_*)
 * @zero_pages:	the guest's zero= (pages zeroed from its second pass on)
 * @reserved_pages: pages at the top of RAM the guest must leave alone
 *		(a device's area); the guest's pattern ends below them
 * @console_echo: print the guest's console lines as they come
 * @regions:	the RAM layout (a migration source's), NULL for one region
 *		of @ram_size at 0
 * @nr_regions:	entries of @regions
 * @incoming:	a migration's destination: build the machine, load nothing
 * @guard_pages: a guard page before and after each RAM region (&struct vm)
 */
struct vmm_config {
	const char *image;
	uint64_t ram_size;
	uint32_t ring_entries;
	bool dirty_log;
	uint64_t rate;
	bool idle;
	uint32_t fill;
	uint64_t zero_pages;
	uint64_t reserved_pages;
	bool console_echo;
	const struct guest_region *regions;
	unsigned int nr_regions;
	bool incoming;
	bool guard_pages;
};

/**
 * struct vmm_stats - a snapshot of a running guest
 * @passes:	the last pass the guest reported done
 * @mismatches:	pages the guest reported wrong
 * @first_bad_gfn: the first of them
 * @counter:	the guest's heartbeat
 * @checks:	check sweeps of an idle guest
 * @pages_written: pattern pages the guest wrote since it started
 * @clock:	the guest runs kvmclock (so rate= holds)
 * @ring_full_exits: KVM_EXIT_DIRTY_RING_FULL exits
 * @harvested:	ring entries the VMM collected itself
 * @running:	the run thread is in its loop
 * @failed:	the VM failed (see vmm_why())
 * @guest_exit:	the guest exited with this code, -1 while it runs
 * @dead:	KVM_RUN failed with EIO while a migration could have killed
 *		the VM (vmm_expect_dead()): not a failure
 * @epoch:	the epoch the guest is shown
 * @verifies:	checks of all pages the guest made after a new epoch
 * @verified_pages: pages the last of them checked
 * @verify_errors: wrong pages it found
 * @clock_back:	times the guest saw its kvmclock go backwards
 * @bursts:	times the guest found its rate= lifted (vm_set_burst())
 */
struct vmm_stats {
	uint64_t passes;
	uint64_t mismatches;
	uint64_t first_bad_gfn;
	uint64_t counter;
	uint64_t checks;
	uint64_t pages_written;
	bool clock;
	uint64_t ring_full_exits;
	uint64_t harvested;
	bool running;
	bool failed;
	int64_t guest_exit;
	bool dead;
	uint32_t epoch;
	uint64_t verifies;
	uint64_t verified_pages;
	uint64_t verify_errors;
	uint64_t clock_back;
	uint64_t bursts;
};

/**
 * struct vmm_devstate - the VMM's own devices, as the DEVICE record of a
 *	migration carries them (native byte order, like every record)
 * @magic:	VMM_DEVSTATE_MAGIC
 * @version:	VMM_DEVSTATE_VERSION
 * @has_testdev: @testdev is valid
 * @epoch:	the epoch port's value at the pause
 * @testdev:	the test device, stopped
 */
struct vmm_devstate {
	uint64_t magic;
	uint32_t version;
	uint32_t has_testdev;
	uint64_t epoch;
	struct testdev_state testdev;
};

#define VMM_DEVSTATE_MAGIC	0x5645444d4d564d4cull	/* "LMVMMDEV" */
#define VMM_DEVSTATE_VERSION	1

/**
 * struct vmm - a test guest and the thread that runs its vCPU
 * @vm:		the VM (one region, slot 0)
 * @vcpu:	its vCPU
 * @state:	the guest's own record, in guest RAM (lm_guest.h)
 * @start_gfn:	first page of the guest's pattern
 * @end_gfn:	one past its last
 * @cmdline:	the guest's options as loaded
 * @self_harvest: on a full dirty ring, collect and reset it here; false
 *		while livemig's harvest thread does it (atomic; see
 *		vmm_ring_full())
 * @expect_dead: a migration may kill the VM now: KVM_RUN's EIO is no
 *		failure (atomic)
 * @dead:	it did (atomic)
 * @thread:	the run thread, valid while @started
 * @started:	@thread exists and has not been joined
 * @running:	the run thread is in its loop (atomic)
 * @failed:	the VM failed; @why says how (atomic; @why written first)
 * @guest_exit:	the guest's exit code, -1 while it runs (atomic)
 * @passes:	last pass reported (atomic)
 * @mismatches:	mismatch reports (atomic)
 * @first_bad_gfn: gfn of the first (written before @mismatches moves)
 * @harvested:	ring entries collected by vmm_ring_full() (atomic)
 * @ring_stuck:	full-ring exits in a row that freed nothing (run thread)
 * @why:	what went wrong, once @failed
 */
struct vmm {
	struct vm *vm;
	struct vcpu *vcpu;
	struct lm_guest_state *state;
	uint64_t start_gfn;
	uint64_t end_gfn;
	char cmdline[VM_CMDLINE_MAX];
	bool self_harvest;
	bool expect_dead;
	bool dead;
	pthread_t thread;
	bool started;
	bool running;
	bool failed;
	int64_t guest_exit;
	uint64_t passes;
	uint64_t mismatches;
	uint64_t first_bad_gfn;
	uint64_t harvested;
	unsigned int ring_stuck;
	char why[VM_ERR_LEN];
};

int __vmm_create(struct vmm **vmmp, const struct vmm_config *cfg, char *err,
		 size_t errlen);
struct vmm *vmm_create(const struct vmm_config *cfg);
/* Starts (or resumes) the run thread; -ESRCH once the guest failed or ended. */
int __vmm_start(struct vmm *vmm);
void vmm_start(struct vmm *vmm);
/* Takes the vCPU out of KVM_RUN and joins the run thread; the VM stays. */
void vmm_stop(struct vmm *vmm);
/* Stops it if needed and frees everything. */
void vmm_destroy(struct vmm *vmm);

/*
 * Who empties a full dirty ring: this VMM (@on) or livemig.  The run thread
 * is stopped around the change, so the two never collect at once.
 */
int __vmm_set_self_harvest(struct vmm *vmm, bool on);
/* While a migration may kill the VM, KVM_RUN's EIO is no failure. */
void vmm_expect_dead(struct vmm *vmm, bool expect);

/* Stops the vCPU for good (until vmm_start()) and completes its last I/O. */
int __vmm_pause(struct vmm *vmm, char *err, size_t errlen);
/*
 * The state of a paused guest: KVM's and the VMM's devices (the epoch, and
 * @dev unless NULL, which must be stopped).  @st must be empty.
 */
int __vmm_save(struct vmm *vmm, const struct testdev *dev,
	       struct vm_state *st, char *err, size_t errlen);
void vmm_save(struct vmm *vmm, const struct testdev *dev, struct vm_state *st);
/*
 * Checks and loads a state into an incoming vmm (never started); its
 * devices' state goes to *@ds, for the caller to restore.
 */
int __vmm_load(struct vmm *vmm, const void *state, size_t len,
	       struct vmm_devstate *ds, char *err, size_t errlen);
/* Before a paused guest runs again: it will check all its pages. */
void vmm_new_epoch(struct vmm *vmm);

void vmm_stats(struct vmm *vmm, struct vmm_stats *st);
/* Why the VM failed, "" if it did not; stable once vmm_stats() said so. */
const char *vmm_why(const struct vmm *vmm);

#endif /* LIVEMIG_VMM_RUN_H */
