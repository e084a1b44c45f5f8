// SPDX-License-Identifier: GPL-2.0
/*
 * livemig: per-network-namespace host state.
 *
 * Each network namespace is one migration host: real hosts have one, tests
 * run several in one kernel. The pernet machinery allocates and frees the
 * state, so it lives exactly as long as its namespace or the module.
 */
#include <linux/netdevice.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "livemig.h"

static unsigned int lm_host_net_id __read_mostly;

/**
 * lm_host_get() - the host state of a network namespace
 * @net: the namespace; the caller keeps it alive
 *
 * Return: the host, never NULL while the module is registered.
 */
struct lm_host *lm_host_get(const struct net *net)
{
	return net_generic(net, lm_host_net_id);
}

static int __net_init lm_host_net_init(struct net *net)
{
	struct lm_host *host = lm_host_get(net);

	host->net = net;
	mutex_init(&host->lock);
	return 0;
}

static void __net_exit lm_host_net_exit(struct net *net)
{
	struct lm_host *host = lm_host_get(net);

	mutex_destroy(&host->lock);
}

static struct pernet_operations lm_host_net_ops = {
	.init = lm_host_net_init,
	.exit = lm_host_net_exit,
	.id = &lm_host_net_id,
	.size = sizeof(struct lm_host),
};

/**
 * lm_host_init() - create the host state of every present and future netns
 *
 * Return: 0 or a negative errno.
 */
int lm_host_init(void)
{
	return register_pernet_subsys(&lm_host_net_ops);
}

/**
 * lm_host_exit() - destroy the host state of every netns
 */
void lm_host_exit(void)
{
	unregister_pernet_subsys(&lm_host_net_ops);
}
