/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig: module-internal declarations shared between its files.
 */
#ifndef _LIVEMIG_H
#define _LIVEMIG_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "settings.h"
#include "vmdesc.h"

struct net;
struct genl_info;
struct sk_buff;
struct sock;

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
};

/* host.c */
struct lm_host *lm_host_get(const struct net *net);
int lm_host_init(void);
void lm_host_exit(void);

void lm_host_queue_work(struct lm_host *host, struct work_struct *work);
void lm_host_flush_work(void);

/* netlink.c */
int lm_genl_init(void);
void lm_genl_exit(void);
void lm_nl_notify_settings(struct lm_host *host);

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
	      u32 config_len, const char **why);
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
int lm_listen_init(void);
void lm_listen_exit(void);

#endif /* _LIVEMIG_H */
