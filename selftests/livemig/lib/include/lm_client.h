/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig test VMM library: the VMM's side of the livemig generic netlink
 * family (the VMM contract, uapi/linux/livemig.h), on a raw NETLINK_GENERIC
 * socket, so that test programs need no libnl.
 *
 *   test VMM                                   livemig.ko
 *   --------                                   ----------
 *   struct lm_client (one netlink socket) ---> VM_ADD {fd, name, config,
 *                                                      regions}
 *                                        <--- ack, or -errno + sentence
 *   ... the registration lives as long as the socket: close it (or die)
 *   and the module unregisters the VM.
 *
 *   The migration contract, on the same socket:
 *                                        <--- VMM_REQUEST {id, req, name,
 *                                                          mig id}
 *   VM_STATE_PUT {name, offset, chunk} --->   (PAUSE: each chunk acked)
 *   VM_STATE_GET {name} (a dump)       --->   (LOAD)
 *                                        <--- chunks {offset, data}
 *   VM_ACK {id, errno, reason}         --->   every request, answered
 *   MIG_REFUSE {mig id, reason}        --->   a destination says no
 *
 * The module's requests come whenever it sends them, also between a
 * request of ours and its answer: whatever waits for an answer keeps the
 * requests it reads in a small queue, which __lm_req_recv() empties
 * before it reads the socket again.  So a VMM polls client->fd only after
 * __lm_req_recv() said -EAGAIN.
 *
 * Conventions as in vmm.h: __lm_*() return 0 or a negative errno and keep
 * the kernel's extended ack sentence (or our own, for local failures) in
 * client->err; lm_*() assert success and end the test otherwise. A client
 * belongs to one thread at a time; a test may open several (in different
 * network namespaces, say).
 */
#ifndef LIVEMIG_LM_CLIENT_H
#define LIVEMIG_LM_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/livemig.h>

#include "vmm.h"

#define LM_CLIENT_ERR_LEN	256
#define LM_CLIENT_TIMEOUT_MS	10000	/* a reply later than this is lost */
#define LM_REQ_QUEUE		8	/* requests seen while waiting */

/**
 * struct lm_vmm_req - a request of the module to the VMM
 *	(LIVEMIG_CMD_VMM_REQUEST)
 * @id:		LIVEMIG_A_REQ_ID, to answer with
 * @req:	LIVEMIG_A_REQ, &enum livemig_vmm_req
 * @vm_name:	LIVEMIG_A_VM_NAME, "" if absent
 * @mig_id:	LIVEMIG_A_MIG_ID, 0 if absent
 */
struct lm_vmm_req {
	uint32_t id;
	uint8_t req;
	char vm_name[LIVEMIG_VM_NAME_MAX];
	uint32_t mig_id;
};

/**
 * struct lm_client - one netlink socket speaking to the livemig family
 * @fd:		the NETLINK_GENERIC socket; VMs registered through it stay
 *		registered until it is closed
 * @family:	the family id, resolved at open
 * @port:	the socket's netlink port id (what the module records)
 * @seq:	sequence number of the last request
 * @err:	the kernel's sentence for the last failed request (extended
 *		ack), or ours when the failure was local; "" when the kernel
 *		gave none
 * @bad_attr_off: the kernel's offset of the attribute it blamed, 0 if none
 * @dump_intr:	a reply of the last request carried NLM_F_DUMP_INTR (the
 *		dump may be inconsistent)
 * @req_type:	the message type of the last request (its replies' type)
 * @reqs:	the module's requests read while waiting for an answer, a
 *		ring, oldest at @req_head
 * @req_head:	see @reqs
 * @nr_reqs:	requests in @reqs
 * @reqs_lost:	requests dropped: @reqs was full or they made no sense
 *		(without an id they cannot be answered)
 */
struct lm_client {
	int fd;
	uint16_t family;
	uint32_t port;
	uint32_t seq;
	char err[LM_CLIENT_ERR_LEN];
	uint32_t bad_attr_off;
	bool dump_intr;
	uint16_t req_type;
	struct lm_vmm_req reqs[LM_REQ_QUEUE];
	unsigned int req_head;
	unsigned int nr_reqs;
	uint64_t reqs_lost;
};

/**
 * struct lm_region - one LIVEMIG_A_VM_REGION of a VM_ADD request
 * @id:		the VMM's id for the region
 * @name:	for messages; NULL leaves the attribute out
 * @gpa:	guest physical address
 * @size:	bytes
 * @hva:	where this process maps it
 * @dirty_bitmap: the VMM's own dirty bitmap for it, 0 = none
 */
struct lm_region {
	uint32_t id;
	const char *name;
	uint64_t gpa;
	uint64_t size;
	uint64_t hva;
	uint64_t dirty_bitmap;
};

/**
 * struct lm_vm_req - a VM_ADD request, field by field, so tests can also
 *	send the wrong ones
 * @fd:		LIVEMIG_A_VM_FD; negative leaves it out
 * @name:	LIVEMIG_A_VM_NAME; NULL leaves it out
 * @config:	LIVEMIG_A_VM_CONFIG; NULL leaves it out
 * @config_len:	its length
 * @regions:	the LIVEMIG_A_VM_REGION entries
 * @nr_regions:	how many; 0 sends an empty LIVEMIG_A_VM_REGIONS nest
 * @no_regions:	leave LIVEMIG_A_VM_REGIONS out altogether
 * @mig_id:	LIVEMIG_A_MIG_ID: attach to this incoming migration; 0
 *		leaves it out (a registration)
 */
struct lm_vm_req {
	int fd;
	const char *name;
	const void *config;
	size_t config_len;
	const struct lm_region *regions;
	unsigned int nr_regions;
	bool no_regions;
	uint32_t mig_id;
};

#define LM_VM_INFO_REGIONS	LIVEMIG_VM_REGIONS_MAX

/**
 * struct lm_vm_info - one VM as VM_GET reports it
 * @name:	LIVEMIG_A_VM_NAME
 * @has_pid:	LIVEMIG_A_VM_PID was present
 * @pid:	the owning VMM's pid in our pid namespace (0: not visible)
 * @has_memory:	LIVEMIG_A_VM_MEMORY was present
 * @memory:	bytes of RAM in its regions
 * @nr_regions:	entries of LIVEMIG_A_VM_REGIONS
 * @regions:	the first %LM_VM_INFO_REGIONS of them (no hva, no bitmap:
 *		the kernel never reports those)
 * @region_names: their names, "" if absent
 * @region_has_hva: the reply carried an HVA it should not have
 */
struct lm_vm_info {
	char name[LIVEMIG_VM_NAME_MAX];
	bool has_pid;
	uint32_t pid;
	bool has_memory;
	uint64_t memory;
	unsigned int nr_regions;
	struct lm_region regions[LM_VM_INFO_REGIONS];
	char region_names[LM_VM_INFO_REGIONS][LIVEMIG_REGION_NAME_MAX];
	bool region_has_hva;
};

/* Resolves the family; -ENOENT when it is not registered (no module). */
int __lm_client_open(struct lm_client **clientp);
struct lm_client *lm_client_open(void);
/* Closing the socket unregisters every VM registered through it. */
void lm_client_close(struct lm_client *client);

/*
 * The regions of @vm as VM_ADD describes them: id = slot, "ram<slot>", and
 * the VMM's dirty bitmap of each (see vm_alloc_dirty_bitmaps()).
 */
unsigned int lm_vm_regions(const struct vm *vm, struct lm_region *regions,
			   unsigned int max, char names[][LIVEMIG_REGION_NAME_MAX]);

int __lm_vm_add_req(struct lm_client *client, const struct lm_vm_req *req);
int __lm_vm_add(struct lm_client *client, const struct vm *vm,
		const char *name, const void *config, size_t len);
void lm_vm_add(struct lm_client *client, const struct vm *vm,
	       const char *name, const void *config, size_t len);
/*
 * A destination VMM attaches its empty VM to incoming migration @mig_id
 * (VM_ADD with LIVEMIG_A_MIG_ID); regions as __lm_vm_add().
 */
int __lm_vm_attach(struct lm_client *client, const struct vm *vm,
		   const char *name, const void *config, size_t len,
		   uint32_t mig_id);
/*
 * A destination refuses incoming migration @mig_id, saying why.  An admin
 * command (CAP_NET_ADMIN), as the agent's VMMs have.
 */
int __lm_mig_refuse(struct lm_client *client, uint32_t mig_id,
		    const char *reason);
int __lm_vm_del(struct lm_client *client, const char *name);
void lm_vm_del(struct lm_client *client, const char *name);

/*
 * VM_GET: every VM of the client's host (a dump), or one by name (a do).
 * __lm_vm_list() fills at most @max entries and sets *@nr to the number
 * of VMs reported, which may be larger.
 */
int __lm_vm_list(struct lm_client *client, struct lm_vm_info *vms,
		 unsigned int max, unsigned int *nr);
int __lm_vm_get(struct lm_client *client, const char *name,
		struct lm_vm_info *info);
/*
 * The same dump one datagram at a time, for tests that change the registry
 * while it runs: start it, then call next until *@done; each call appends
 * to @vms (at most @max) and advances *@nr. Nothing else may use the
 * client in between.
 */
int __lm_vm_dump_start(struct lm_client *client);
int __lm_vm_dump_next(struct lm_client *client, struct lm_vm_info *vms,
		      unsigned int max, unsigned int *nr, bool *done);

/* --- the migration contract ------------------------------------------ */

/*
 * The module's next request, without blocking: 0 with *@req filled, or
 * -EAGAIN when none is waiting (then poll client->fd for POLLIN), or
 * another -errno when the socket failed (-ENOBUFS: the kernel dropped
 * messages, maybe a request).
 */
int __lm_req_recv(struct lm_client *client, struct lm_vmm_req *req);
/* "PAUSE", "LOAD", ...; "request N" for a number this VMM does not know. */
const char *lm_req_name(uint8_t req, char *buf, size_t len);
/*
 * Answers request @req_id: @error 0 (done) or a positive errno, @reason
 * (NULL for none) cut to LIVEMIG_REASON_MAX - 1 bytes.
 */
int __lm_vm_ack(struct lm_client *client, uint32_t req_id, int error,
		const char *reason);
/*
 * Hands the state of VM @name over (PAUSE), in chunks of at most
 * LIVEMIG_STATE_CHUNK_MAX bytes, each acknowledged before the next.
 */
int __lm_state_put(struct lm_client *client, const char *name,
		   const void *state, size_t len);
/*
 * Fetches the state of VM @name (LOAD): *@statep (malloc()ed, the caller
 * frees it) and *@lenp.  The chunks must come in order, without a gap.
 */
int __lm_state_get(struct lm_client *client, const char *name,
		   void **statep, size_t *lenp);

/* The entry named @name in @vms, or NULL. */
const struct lm_vm_info *lm_vm_find(const struct lm_vm_info *vms,
				    unsigned int nr, const char *name);

#endif /* LIVEMIG_LM_CLIENT_H */
