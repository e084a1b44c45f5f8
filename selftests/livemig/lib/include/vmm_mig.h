/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig test VMM library: the VMM's side of livemig's migration contract
 * (uapi/linux/livemig.h: LIVEMIG_CMD_VMM_REQUEST and the commands that
 * answer it) for a struct vmm, its test device and the netlink socket
 * that registered or attached it.
 *
 *   source                                destination (lm_vmm --incoming)
 *   ------                                -------------------------------
 *   RUNNING --PREPARE--> PREPARED         INCOMING --LOAD--> LOADED
 *     ^  (dirty logging on; livemig          |                 |
 *     |   empties the dirty rings)           DISCARD           RUN
 *     |                    |                 v                 v
 *     +---- RESUME --------+ PAUSE        the VM is         RUNNING: a
 *     |  (logging off, a new epoch: v     destroyed         source like
 *     |   the guest checks its pages)     (exit)            any other
 *     +---- RESUME --- PAUSED (state
 *                      handed over) --COMPLETED--> the VM runs on the
 *                                                  destination (exit)
 *
 * PAUSE stops the test device (no write in flight once it returns) and
 * the vCPU (out of KVM_RUN, not entering it again, its last I/O
 * completed), saves the state (vmm_run.h) and hands it over chunk by
 * chunk, then acknowledges.  LOAD fetches the state and checks it before
 * loading anything (vmstate.h); a refusal's sentence is the reason its
 * acknowledgement carries back to the source.  Every request is
 * acknowledged, also those that make no sense in the current phase.
 *
 * For tests, set after vmm_mig_init():
 *  - @burst_ms: PAUSE first lets the guest write unthrottled (its rate=
 *    lifted, vm_set_burst()) and the device go on, for that long; only
 *    then does it stop them.  Writes made while PAUSE is handled.
 *  - @digest: a file that PAUSE (once stopped, before the ack) and LOAD
 *    (before the state loads: the guest has not run here) write with the
 *    digest of guest RAM (memdigest.h), for a test to compare.
 */
#ifndef LIVEMIG_VMM_MIG_H
#define LIVEMIG_VMM_MIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lm_client.h"
#include "testdev.h"
#include "vmm_run.h"

#define VMM_MIG_NOTE_LEN	256

enum vmm_mig_phase {
	VMM_MIG_RUNNING,	/* runs; dirty logging as the VMM keeps it */
	VMM_MIG_PREPARED,	/* dirty logging on, livemig harvests */
	VMM_MIG_PAUSED,		/* stopped, its state handed over */
	VMM_MIG_INCOMING,	/* empty, attached, waiting for LOAD */
	VMM_MIG_LOADED,		/* state loaded, waiting for RUN */
};

enum vmm_mig_outcome {
	VMM_MIG_GO_ON,		/* nothing for the caller to do */
	VMM_MIG_STARTED,	/* RUN: the destination's guest runs */
	VMM_MIG_RESUMED,	/* RESUME: the paused guest runs again here */
	VMM_MIG_MIGRATED,	/* COMPLETED: the VM is gone from here */
	VMM_MIG_DISCARDED,	/* DISCARD: the incoming VM is to go */
};

/**
 * struct vmm_mig - one VM's side of the contract
 * @vmm:	the guest
 * @dev:	its test device, or NULL; a destination gets it at RUN
 * @client:	the socket that registered or attached the VM
 * @name:	the VM's name on this host
 * @phase:	where the VM is (see above)
 * @logging:	PREPARE turned dirty logging on, RESUME turns it off
 * @flags:	each region's memslot flags before PREPARE
 * @self_harvest: whether the VMM emptied the rings itself before PREPARE
 * @ds:		the devices' state LOAD brought, for RUN
 * @burst_ms:	PAUSE's burst of unthrottled writes first, 0 = none
 * @lie:	a broken VMM for the tests: after acknowledging PAUSE, its
 *		vCPU runs on (livemig must find out and abort)
 * @lied:	it did: the vCPU already runs, RESUME must not start it
 * @fail_load:	a broken VMM for the tests: LOAD fails
 * @digest:	where PAUSE and LOAD write the memory digest, or NULL
 * @note:	what the last request did, for the VMM's log
 * @reason:	why it failed, as its acknowledgement says
 */
struct vmm_mig {
	struct vmm *vmm;
	struct testdev *dev;
	struct lm_client *client;
	const char *name;
	enum vmm_mig_phase phase;
	bool logging;
	uint32_t flags[VM_MAX_REGIONS];
	bool self_harvest;
	struct vmm_devstate ds;
	unsigned int burst_ms;
	bool lie;
	bool lied;
	bool fail_load;
	const char *digest;
	char note[VMM_MIG_NOTE_LEN];
	char reason[LIVEMIG_REASON_MAX];
};

/* A running source (@incoming false) or an attached, empty destination. */
void vmm_mig_init(struct vmm_mig *m, struct vmm *vmm, struct testdev *dev,
		  struct lm_client *client, const char *name, bool incoming);
/*
 * Carries out @req and acknowledges it: *@error is the errno the
 * acknowledgement carried (0: done; m->reason says why not), m->note what
 * was done.  Returns 0, or -errno when the acknowledgement itself failed
 * (m->client->err says why).
 */
int vmm_mig_handle(struct vmm_mig *m, const struct lm_vmm_req *req,
		   enum vmm_mig_outcome *outcome, int *error);

#endif /* LIVEMIG_VMM_MIG_H */
