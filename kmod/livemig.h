/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig: module-internal declarations shared between its files.
 */
#ifndef _LIVEMIG_H
#define _LIVEMIG_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "auth.h"
#include "proto.h"
#include "settings.h"
#include "vmdesc.h"

struct net;
struct genl_info;
struct kvm;
struct file;
struct pid;
struct sk_buff;
struct sock;
struct socket;
struct lm_mig;
struct kvm_dirty_gfn;
struct page;
struct task_struct;

#define LIVEMIG_MODULE_VERSION	"0.1.0"

/**
 * struct lm_host - the migration "host" of one network namespace
 * @net: the namespace this host lives in (not a counted reference: the
 *	host is created and destroyed by the namespace itself)
 * @lock: serialises configuration changes and the state they guard; the
 *	first lock in the module's lock order
 * @cfg: the settings; protected by @lock
 * @listeners: &struct lm_listener on the migration port; protected by @lock
 * @rebind_work: recomputes @listeners after an address change
 * @accept_work: takes connections off the listening sockets
 * @reap_work: unregisters VMs whose VMM went away
 * @vm_gen: changes whenever a VM of this host comes or goes; protected by
 *	@lock (dumps use it to detect that they were interrupted)
 * @work_lock: protects @live against the address notifiers and socket
 *	callbacks that queue work (IPv6's notifier and socket callbacks run
 *	in atomic context)
 * @live: the host is set up and not going away: work may be queued
 * @migs: &struct lm_mig of this host, both directions, active and
 *	finished (kept for an hour); protected by @lock
 * @mig_ids: the last local migration id given out; protected by @lock
 * @mig_wq: woken whenever a migration of this host ends (host exit and
 *	the queue wait on it)
 * @agent_portid: netlink port of the agent (lmctl agent), 0 if none;
 *	protected by @lock
 * @agent_sk: the agent's socket, counted reference, or NULL
 * @thread_lock: protects @threads; a waiter checks it under this lock, so
 *	the last thread's wake-up is its last touch of the host
 * @threads: migration threads (and pending incoming connections) running
 * @closing: the host is going away: no new thread may start
 *
 * One instance per network namespace, allocated by the pernet machinery
 * when the namespace (or the module) comes up and freed with it.
 */
struct lm_host {
	struct net *net;
	/* first in the lock order; see the kernel-doc above */
	struct mutex lock;
	struct lm_settings cfg;
	struct list_head listeners;
	struct work_struct rebind_work;
	struct work_struct accept_work;
	struct work_struct reap_work;
	unsigned int vm_gen;
	/* guards @live; taken in atomic context too */
	spinlock_t work_lock;
	bool live;
	struct list_head migs;
	u32 mig_ids;
	wait_queue_head_t mig_wq;
	u32 agent_portid;
	struct sock *agent_sk;
	/* guards @threads; see the kernel-doc above */
	spinlock_t thread_lock;
	unsigned int threads;
	bool closing;
};

/* How long a peer or a VMM may keep us waiting. */
#define LM_CONNECT_TIMEOUT	(10 * HZ)
#define LM_IO_TIMEOUT		(30 * HZ)
/* HELLO, AUTH and the first message of an incoming connection, in all. */
#define LM_HANDSHAKE_TIMEOUT	(30 * HZ)
#define LM_VMM_TIMEOUT		(10 * HZ)
#define LM_DOUBT_TIMEOUT	(60 * HZ)
#define LM_CTRL_BUF		(64 * 1024)
#define LM_DATA_BUF		(1024 * 1024)
#define LM_ERR_MAX		256

/**
 * struct lm_err - why a migration failed, for the admin
 * @code: positive errno
 * @phase: &enum lm_phase it happened in
 * @remote: the sentence came from the peer (its ABORT)
 * @msg: the sentence
 */
struct lm_err {
	int code;
	u8 phase;
	bool remote;
	bool named;
	char msg[LM_ERR_MAX];
};

struct lm_conn;

__printf(4, 5) int lm_err_set(struct lm_err *e, int code, u8 phase,
			      const char *fmt, ...);
int lm_err_io(struct lm_err *e, const struct lm_conn *c, int err, u8 phase);
void lm_err_named(struct lm_err *e);
void lm_err_place(struct lm_err *e, const char *host);

/**
 * struct lm_conn - one migration connection (control or data)
 * @sock: the kernel TCP socket
 * @version: negotiated wire protocol version, 0 before HELLO
 * @buf: receive buffer, @buf_len bytes: the largest payload accepted
 * @buf_len: its size
 * @recv_max: largest payload accepted now: small until authenticated, so
 *	an unauthenticated peer cannot make us read a large message
 * @timeout: the bound of each blocking send or receive, in jiffies
 * @deadline: jiffies by which the whole exchange must be over, or 0; a
 *	peer that trickles one byte per timeout is cut off here
 * @peer: the peer's host name once its HELLO arrived, for messages
 */
struct lm_conn {
	struct socket *sock;
	u8 version;
	u8 *buf;
	size_t buf_len;
	size_t recv_max;
	long timeout;
	unsigned long deadline;
	char peer[LIVEMIG_HOST_NAME_MAX];
};

/* conn.c */
struct lm_conn *lm_conn_alloc(struct socket *sock, size_t buf_len);
void lm_conn_set_timeout(struct lm_conn *c, long timeout);
void lm_conn_set_deadline(struct lm_conn *c, unsigned long deadline);
int lm_conn_grow(struct lm_conn *c, size_t buf_len);
void lm_conn_free(struct lm_conn *c);
void lm_conn_shutdown(struct lm_conn *c);
void lm_conn_wake_reader(struct lm_conn *c);
int lm_conn_connect(struct net *net, const struct sockaddr_storage *peer,
		    struct lm_conn **cp);
int lm_conn_send(struct lm_conn *c, u8 type, const void *payload, size_t len);
bool lm_conn_has_input(struct lm_conn *c);
int lm_conn_recv(struct lm_conn *c, struct lm_msg_hdr *hdr);
int lm_conn_expect(struct lm_conn *c, u8 type, struct lm_msg_hdr *hdr,
		   struct lm_err *e, u8 phase);
int lm_conn_expect_hdr(struct lm_conn *c, u8 type,
		       const struct lm_msg_hdr *hdr, struct lm_err *e, u8 phase);
void lm_conn_abort(struct lm_conn *c, int code, u8 phase, const char *reason);
int lm_conn_handshake(struct lm_conn *c, enum lm_role role,
		      const struct lm_settings *cfg, char *peer_name,
		      struct lm_err *e);

/**
 * struct lm_vm - a registered VM
 * @node: in the global registry; protected by its spinlock
 * @ref: the registry holds one, a migration of the VM another
 * @host: the host (namespace) it is registered on; it outlives the VM's
 *	registration, since host teardown unregisters its VMs first
 * @kvm: counted reference
 * @file: the VM file, counted reference
 * @portid: netlink port of the VMM's socket; its release unregisters us
 * @vmm_sk: that socket, counted reference: a port id is free for reuse
 *	before its release is announced, so the announcement only counts
 *	for a socket that is already dead
 * @owner: the VMM's thread group, counted reference
 * @dead: why the VM is being unregistered (for the log), or NULL while
 *	registered; the host's reap work unregisters it
 * @mig: the migration moving it, or NULL; protected by the host's lock
 * @memory: bytes of guest RAM in @desc
 * @config: the VMM's machine description, @config_len bytes
 * @config_len: length of @config
 * @vcpus: vCPUs when registered
 * @req_wq: woken when the VMM answers a request or dies
 * @req_lock: protects @req_id, @req_done, @req_err and @req_reason
 * @req_id: the request waiting for an answer, 0 if none
 * @req_done: it was answered
 * @req_err: the answer, 0 or a positive errno
 * @req_reason: the VMM's sentence with an error
 * @state_lock: protects @state, @state_len, @state_open
 * @state: the VM's state records (source: from the VMM at PAUSE;
 *	destination: from the wire), kvmalloc'ed
 * @state_len: bytes in @state
 * @state_open: the VMM may send state now (PAUSE pending)
 * @desc: name and regions
 */
struct lm_vm {
	struct list_head node;
	struct kref ref;
	struct lm_host *host;
	struct kvm *kvm;
	struct file *file;
	u32 portid;
	struct sock *vmm_sk;
	struct pid *owner;
	const char *dead;
	struct lm_mig *mig;
	u64 memory;
	void *config;
	u32 config_len;
	u32 vcpus;
	wait_queue_head_t req_wq;
	/* guards the request fields below */
	spinlock_t req_lock;
	u32 req_id;
	bool req_done;
	u32 req_err;
	char req_reason[LIVEMIG_REASON_MAX];
	/* guards the state fields below */
	struct mutex state_lock;
	u8 *state;
	u32 state_len;
	bool state_open;
	struct lm_vm_desc desc;
};

/* host.c */
struct lm_host *lm_host_get(const struct net *net);
int lm_host_init(void);
void lm_host_exit(void);

void lm_host_queue_work(struct lm_host *host, struct work_struct *work);
bool lm_host_thread_start(struct lm_host *host);
void lm_host_thread_done(struct lm_host *host);
void lm_host_wait_threads(struct lm_host *host);
void lm_host_flush_work(void);

/* netlink.c */
int lm_genl_init(void);
void lm_genl_exit(void);
void lm_nl_notify_settings(struct lm_host *host);
void lm_nl_notify_mig(struct lm_mig *mig);
int lm_nl_vmm_request(struct net *net, u32 portid, u32 req_id, u8 req,
		      const char *vm_name, u32 mig_id);
int lm_nl_incoming(struct lm_mig *mig);

/**
 * struct lm_vm_info - what VM_GET reports of a registered VM
 * @desc: name and regions
 * @memory: bytes of guest RAM
 * @pid: the VMM's pid in the caller's pid namespace, 0 if not visible
 * @gen: the host's VM generation the VM was read in
 */
struct lm_vm_info {
	const struct lm_vm_desc *desc;
	u64 memory;
	pid_t pid;
	unsigned int gen;
};

/* vm.c */
int lm_vm_add(struct lm_host *host, int fd, u32 portid, struct sock *vmm_sk,
	      const struct lm_vm_desc *desc, const void *config,
	      u32 config_len, u32 mig_id, const char **why);
struct lm_vm *lm_vm_find(struct lm_host *host, const char *name);
void lm_vm_get(struct lm_vm *vm);
void lm_vm_put(struct lm_vm *vm);
int lm_vm_request(struct lm_vm *vm, u8 req, u32 mig_id, long timeout,
		  struct lm_err *e, u8 phase);
int lm_vm_ack(struct lm_host *host, u32 portid, u32 req_id, u32 err,
	      const char *reason);
int lm_vm_state_put(struct lm_host *host, u32 portid, const char *name,
		    u32 offset, const void *data, u32 len, const char **why);
int lm_vm_state_append(struct lm_vm *vm, u32 offset, const void *data,
		       u32 len);
void lm_vm_state_reset(struct lm_vm *vm, bool open);
int lm_vm_state_read(struct lm_host *host, u32 portid, const char *name,
		     u32 offset, void *buf, u32 len, u32 *total);
void lm_vm_kill(struct lm_vm *vm);
void lm_vm_unregister(struct lm_vm *vm, const char *reason);
bool lm_vm_mm_enter(struct lm_vm *vm);
void lm_vm_mm_leave(struct lm_vm *vm);
int lm_vm_read_page(struct lm_vm *vm, unsigned int region, u32 index,
		    void *buf);
int lm_vm_write_page(struct lm_vm *vm, unsigned int region, u32 index,
		     const void *buf);
void lm_vm_kick(struct lm_vm *vm);
u64 lm_vm_vcpu_exits(struct lm_vm *vm);
int lm_vm_hold_vcpus(struct lm_vm *vm, unsigned int *held);
void lm_vm_release_vcpus(struct lm_vm *vm, unsigned int held);

/**
 * struct lm_dirty - what a source VM dirtied, per region, since last taken
 * @vm: the VM (reference held by its migration)
 * @bits: per region, one bit per 4 KiB page; set by the harvester after
 *	the ring entries behind them were reset, so a page whose bit is
 *	taken and then read is caught again if written after the read
 * @lock: one harvester at a time: the harvest thread or the migration
 *	thread's synchronous harvests
 * @thread: the harvest thread
 * @fetch: per vCPU, the next ring entry to look at
 * @seen: per vCPU, @fetch is initialised
 * @pend: entries harvested, not yet reset and published
 * @pend_max: size of @pend
 * @vmm_pages: per region, the pinned pages of the VMM's dirty bitmap
 * @vmm_npages: per region, how many
 * @vmm_map: per region, the bitmap mapped in the kernel, or NULL
 * @vmm_off: per region, offset of the bitmap in the first page
 * @harvested: ring entries and VMM bits seen so far (statistics)
 * @unmapped: ring entries that named no memslot (layout changed)
 * @gen: the memslot generation whose layout the tracking was checked
 *	against (lm_dirty_layout())
 * @err: the first harvest error (the VMM gone, a reset refused)
 */
struct lm_dirty {
	struct lm_vm *vm;
	unsigned long *bits[LIVEMIG_VM_REGIONS_MAX];
	/* one harvester at a time */
	struct mutex lock;
	struct task_struct *thread;
	u32 *fetch;
	unsigned long *seen;
	struct kvm_dirty_gfn *pend;
	u32 pend_max;
	struct page **vmm_pages[LIVEMIG_VM_REGIONS_MAX];
	unsigned int vmm_npages[LIVEMIG_VM_REGIONS_MAX];
	unsigned long *vmm_map[LIVEMIG_VM_REGIONS_MAX];
	unsigned int vmm_off[LIVEMIG_VM_REGIONS_MAX];
	atomic64_t harvested;
	atomic64_t unmapped;
	u64 gen;
	int err;
};

int lm_dirty_start(struct lm_vm *vm, struct lm_dirty **dp, struct lm_err *e);
int lm_dirty_harvest(struct lm_dirty *d);
void lm_dirty_stop_thread(struct lm_dirty *d);
void lm_dirty_stop(struct lm_dirty *d);
u64 lm_dirty_count(const struct lm_dirty *d);
int lm_dirty_layout(struct lm_dirty *d, const char **why);
int lm_vm_del(struct lm_host *host, const char *name, bool admin,
	      const char **why);
int lm_vm_fill(struct lm_host *host, const char *name, unsigned long *skip,
	       unsigned int *gen,
	       int (*put)(void *ctx, const struct lm_vm_info *info), void *ctx);
void lm_vm_reap(struct lm_host *host);
void lm_vm_host_exit(struct lm_host *host);
int lm_vm_init(void);
void lm_vm_exit(void);

/* listen.c */
void lm_listen_init_host(struct lm_host *host);
bool lm_listen_update(struct lm_host *host);
void lm_listen_stop(struct lm_host *host);
int lm_listen_fill(struct sk_buff *msg, struct lm_host *host);
void lm_listen_addrs(struct lm_host *host, struct lm_accept *acc);
int lm_listen_init(void);
void lm_listen_exit(void);

#endif /* _LIVEMIG_H */
