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
 * Conventions as in vmm.h: __vmm_*() return 0 or a negative errno with a
 * sentence, vmm_*() assert.  No global state: everything is in struct vmm.
 */
#ifndef LIVEMIG_VMM_RUN_H
#define LIVEMIG_VMM_RUN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lm_guest.h"
#include "vmm.h"

#define VMM_EVENT_TIMEOUT_MS	1000	/* how often the run loop looks up */
#define VMM_RING_STUCK_LIMIT	3	/* full-ring exits that free nothing */
#define VMM_RING_WAIT_MS	10	/* waiting for someone else's reset */

/**
 * struct vmm_config - the machine a struct vmm runs
 * @image:	the guest image (guest_image_default() finds the usual one)
 * @ram_size:	bytes of RAM from guest address 0, one region (slot 0)
 * @ring_entries: dirty ring entries per vCPU (a power of two)
 * @dirty_log:	start with KVM_MEM_LOG_DIRTY_PAGES on (normally off until
 *		livemig's PREPARE, DESIGN.md 3.4)
 * @rate:	the guest's rate= (pattern pages per second, 0 = no limit)
 * @idle:	the guest's idle=
 * @reserved_pages: pages at the top of RAM the guest must leave alone
 *		(a device's area); the guest's pattern ends below them
 * @console_echo: print the guest's console lines as they come
 */
struct vmm_config {
	const char *image;
	uint64_t ram_size;
	uint32_t ring_entries;
	bool dirty_log;
	uint64_t rate;
	bool idle;
	uint64_t reserved_pages;
	bool console_echo;
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
};

/**
 * struct vmm - a test guest and the thread that runs its vCPU
 * @vm:		the VM (one region, slot 0)
 * @vcpu:	its vCPU
 * @state:	the guest's own record, in guest RAM (lm_guest.h)
 * @start_gfn:	first page of the guest's pattern
 * @end_gfn:	one past its last
 * @cmdline:	the guest's options as loaded
 * @self_harvest: on a full dirty ring, collect and reset it here (true
 *		until livemig's harvest thread does it; see vmm_ring_full())
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
/* Starts (or resumes) the run thread. */
int __vmm_start(struct vmm *vmm);
void vmm_start(struct vmm *vmm);
/* Takes the vCPU out of KVM_RUN and joins the run thread; the VM stays. */
void vmm_stop(struct vmm *vmm);
/* Stops it if needed and frees everything. */
void vmm_destroy(struct vmm *vmm);

void vmm_stats(struct vmm *vmm, struct vmm_stats *st);
/* Why the VM failed, "" if it did not; stable once vmm_stats() said so. */
const char *vmm_why(const struct vmm *vmm);

#endif /* LIVEMIG_VMM_RUN_H */
