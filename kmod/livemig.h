/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig: module-internal declarations shared between its files.
 */
#ifndef _LIVEMIG_H
#define _LIVEMIG_H

#include <linux/mutex.h>
#include <linux/types.h>

struct net;
struct genl_info;

#define LIVEMIG_MODULE_VERSION	"0.1.0"

/**
 * struct lm_host - the migration "host" of one network namespace
 * @net: the namespace this host lives in (not a counted reference: the
 *	host is created and destroyed by the namespace itself)
 * @lock: serialises configuration changes and the state they guard; the
 *	first lock in the module's lock order
 *
 * One instance per network namespace, allocated by the pernet machinery
 * when the namespace (or the module) comes up and freed with it.
 */
struct lm_host {
	struct net *net;
	/* first in the lock order; see the kernel-doc above */
	struct mutex lock;
};

/* host.c */
struct lm_host *lm_host_get(const struct net *net);
int lm_host_init(void);
void lm_host_exit(void);

/* netlink.c */
int lm_genl_init(void);
void lm_genl_exit(void);

#endif /* _LIVEMIG_H */
