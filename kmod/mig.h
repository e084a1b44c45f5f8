/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig: migrations, both directions.
 */
#ifndef _LIVEMIG_MIG_H
#define _LIVEMIG_MIG_H

#include <linux/completion.h>
#include <linux/ktime.h>
#include <linux/mutex.h>

#include "livemig.h"

#define LM_PAGE_LOCKS		64
#define LM_ROUNDS_MAX		30
/* Rounds in a row that do not shrink what remains: it will not converge. */
#define LM_STALL_ROUNDS		5
#define LM_KEEP_FINISHED	64
#define LM_QUEUE_MAX		64

/**
 * struct lm_mig_stats - what lmctl status shows; written by the migration's
 *	threads, read without locking (each field is a word)
 * @round: pre-copy round
 * @pages_total: 4 KiB pages of guest RAM
 * @pages_remaining: known dirty, not yet sent
 * @pages_sent: sent or received, all rounds
 * @pages_zero: of those, zero markers
 * @bytes: page bytes before compression
 * @wire_bytes: bytes on the wire
 * @dirty_rate: pages dirtied per second in the last round
 * @throughput: wire bytes per second in the last round
 * @downtime_expected_us: estimate at switch-over
 * @downtime_us: measured pause
 * @setup_us: start to first page
 */
struct lm_mig_stats {
	u32 round;
	u64 pages_total;
	u64 pages_remaining;
	u64 pages_sent;
	u64 pages_zero;
	u64 bytes;
	u64 wire_bytes;
	u64 dirty_rate;
	u64 throughput;
	u64 downtime_expected_us;
	u64 downtime_us;
	u64 setup_us;
};

/**
 * struct lm_mig - one migration, outgoing or incoming
 * @node: in the host's list; protected by the host's lock
 * @ref: the host's list holds one, each thread of the migration one
 * @host: its host
 * @id: local id, for the CLI
 * @uuid: id on the wire
 * @dir: &enum livemig_direction
 * @state: &enum livemig_mig_state
 * @active: counted in the host's budget (not queued, not finished)
 * @cancel: an admin asked to cancel, or the host is going away
 * @cancel_why: NULL, or what a cancel adds to the error (disable --now)
 * @resolving: in doubt, lmctl resolve is resuming the VM; host lock
 * @commit_sent: COMMIT left (source): the VM must not resume any more
 * @outcome: destination's record, &enum lm_outcome_kind
 * @vm_name: the VM
 * @peer_name: the peer's host name, once known
 * @peer: the peer's address (source: where we connect; destination: who
 *	connected)
 * @data_addr: where pages go (source) or arrive (destination)
 * @cfg: settings snapshot taken at start; wiped at the end
 * @vm: the VM (counted reference), NULL on a destination until attached
 * @memory: bytes of guest RAM
 * @conn_lock: protects @ctrl and @data against a cancel shutting them
 *	down; a mutex, since shutting a socket down takes its lock and sleeps
 * @ctrl: the control connection
 * @data: the data connections
 * @n_data: how many in @data
 * @err: why it failed
 * @stats: statistics
 * @t_start: when it started
 * @t_end: when it ended, 0 while active
 * @wq: destination: woken on attach, refusal, stream end and cancel
 * @done: completed by the migration's main thread when it ends
 * @desc: destination: the VM as announced in SETUP
 * @config: destination: the machine description from SETUP
 * @config_len: its length
 * @vcpus: destination: vCPUs announced
 * @refused: destination: the agent or VMM refused, @refuse_reason says why
 * @refuse_reason: the sentence
 * @rmap: destination: region index in SETUP to region index of the VM
 * @held: destination: per region, per page, round + 1 of what it holds
 * @page_lock: destination: hashed per page, so the newest round wins
 *	even when two streams carry the same page
 * @streams: destination: data connections announced in JOIN
 * @joined: destination: bitmap of streams that joined
 * @ended: destination: streams whose STREAM_END checked out
 * @stream_err: destination: a data stream failed
 * @stream_why: destination: how the first one failed (host lock)
 * @state_done: destination: the whole state arrived on the control
 *	connection
 * @accepting: destination: ACCEPT is on its way, everything pages need is
 *	in place: data streams may join; protected by the host's lock
 * @stats_lock: destination: data streams add their counts to @stats
 *	under it (one writer per message, readers take plain loads)
 */
struct lm_mig {
	struct list_head node;
	struct kref ref;
	struct lm_host *host;
	u32 id;
	u8 uuid[LIVEMIG_UUID_LEN];
	u8 dir;
	u8 state;
	bool active;
	bool cancel;
	const char *cancel_why;
	bool commit_sent;
	bool resolving;
	u8 outcome;
	char vm_name[LIVEMIG_VM_NAME_MAX];
	char peer_name[LIVEMIG_HOST_NAME_MAX];
	struct sockaddr_storage peer;
	struct sockaddr_storage data_addr;
	struct lm_settings *cfg;
	struct lm_vm *vm;
	u64 memory;
	/* guards @ctrl, @data and @n_data */
	struct mutex conn_lock;
	struct lm_conn *ctrl;
	struct lm_conn *data[LIVEMIG_STREAMS_MAX];
	unsigned int n_data;
	struct lm_err err;
	struct lm_mig_stats stats;
	ktime_t t_start;
	ktime_t t_end;
	wait_queue_head_t wq;
	struct completion done;
	struct lm_vm_desc *desc;
	void *config;
	u32 config_len;
	u32 vcpus;
	bool refused;
	char refuse_reason[LIVEMIG_REASON_MAX];
	u8 rmap[LIVEMIG_VM_REGIONS_MAX];
	u32 *held[LIVEMIG_VM_REGIONS_MAX];
	/* hashed per page: the newest round wins */
	struct mutex page_lock[LM_PAGE_LOCKS];
	u32 streams;
	unsigned long joined;
	u32 ended;
	bool stream_err;
	char stream_why[LM_ERR_MAX];
	bool state_done;
	bool accepting;
	/* destination: data streams add their counts to @stats under it */
	spinlock_t stats_lock;
};

/* mig.c */
struct lm_mig *lm_mig_alloc(struct lm_host *host, u8 dir);
void lm_mig_get(struct lm_mig *mig);
void lm_mig_put(struct lm_mig *mig);
void lm_mig_set_state(struct lm_mig *mig, u8 state);
void lm_mig_set_conn(struct lm_mig *mig, struct lm_conn **slot,
		     struct lm_conn *c);
void lm_mig_end(struct lm_mig *mig, u8 state);
void lm_mig_list(struct lm_host *host, struct lm_mig *mig);
bool lm_mig_stop_requested(const struct lm_mig *mig);
int lm_mig_start(struct lm_host *host, const char *vm_name,
		 const struct sockaddr_storage *peer, const char **why);
int lm_mig_cancel(struct lm_host *host, u32 id, const char **why);
unsigned int lm_mig_cancel_all(struct lm_host *host, const char *why);
void lm_mig_cancelled(struct lm_mig *mig, struct lm_err *e);
int lm_mig_resolve(struct lm_host *host, u32 id, const char **why);
bool lm_mig_vm_gone(struct lm_vm *vm);
struct lm_mig *lm_mig_find(struct lm_host *host, u32 id);
struct lm_mig *lm_mig_find_uuid(struct lm_host *host, const u8 *uuid);
void lm_mig_host_exit(struct lm_host *host);
u8 lm_mig_phase(u8 state);

/* dest.c */
void lm_in_accept(struct lm_host *host, struct socket *sock);
struct lm_mig *lm_mig_find_incoming(struct lm_host *host, u32 id,
				    const struct lm_vm_desc *desc,
				    const char **why);
void lm_mig_attached(struct lm_mig *mig, struct lm_vm *vm);
int lm_mig_refuse(struct lm_host *host, u32 id, const char *reason,
		  const char **why);

#endif /* _LIVEMIG_MIG_H */
