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
#include <net/sock.h>

#include "mig.h"

static unsigned int lm_host_net_id __read_mostly;

/* Host work (listener rebinds, accepts); flushed before the family goes. */
static struct workqueue_struct *lm_wq;

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

/**
 * lm_host_queue_work() - queue work for a host unless it is going away
 * @host: the host
 * @work: one of its work items
 *
 * Callable from any context. Work queued before the host's exit begins
 * is cancelled there; @live keeps anything from queueing after that (a
 * socket callback or an address event racing with the exit).
 */
void lm_host_queue_work(struct lm_host *host, struct work_struct *work)
{
	unsigned long flags;

	/* Pairs with smp_store_release() in lm_host_net_init(). */
	if (!smp_load_acquire(&host->live))
		return;
	spin_lock_irqsave(&host->work_lock, flags);
	if (host->live)
		queue_work(lm_wq, work);
	spin_unlock_irqrestore(&host->work_lock, flags);
}

/**
 * lm_host_flush_work() - wait for all host work queued so far
 */
void lm_host_flush_work(void)
{
	flush_workqueue(lm_wq);
}

/**
 * lm_host_thread_start() - count a migration thread about to start
 * @host: the host
 *
 * Return: false if the host is going away (start nothing then).
 */
bool lm_host_thread_start(struct lm_host *host)
{
	bool ok;

	spin_lock_irq(&host->thread_lock);
	ok = !host->closing;
	if (ok)
		host->threads++;
	spin_unlock_irq(&host->thread_lock);
	return ok;
}

/**
 * lm_host_thread_done() - a migration thread's last touch of its host
 * @host: the host; may be freed as soon as this returns
 */
void lm_host_thread_done(struct lm_host *host)
{
	spin_lock_irq(&host->thread_lock);
	if (!--host->threads)
		wake_up_all(&host->mig_wq);
	spin_unlock_irq(&host->thread_lock);
}

/**
 * lm_host_wait_threads() - refuse new threads and wait for the running ones
 * @host: the host going away
 */
void lm_host_wait_threads(struct lm_host *host)
{
	spin_lock_irq(&host->thread_lock);
	host->closing = true;
	/* Checked under the lock, so the last thread is done with us after. */
	wait_event_lock_irq(host->mig_wq, !host->threads, host->thread_lock);
	spin_unlock_irq(&host->thread_lock);
}

static void lm_host_reap_work(struct work_struct *work)
{
	lm_vm_reap(container_of(work, struct lm_host, reap_work));
}

static int __net_init lm_host_net_init(struct net *net)
{
	struct lm_host *host = lm_host_get(net);

	host->net = net;
	mutex_init(&host->lock);
	spin_lock_init(&host->work_lock);
	lm_settings_init(&host->cfg);
	lm_listen_init_host(host);
	INIT_WORK(&host->reap_work, lm_host_reap_work);
	INIT_LIST_HEAD(&host->migs);
	init_waitqueue_head(&host->mig_wq);
	spin_lock_init(&host->thread_lock);
	/* Pairs with smp_load_acquire() in lm_host_queue_work(). */
	smp_store_release(&host->live, true);
	return 0;
}

static void __net_exit lm_host_net_exit(struct net *net)
{
	struct lm_host *host = lm_host_get(net);
	unsigned long flags;

	spin_lock_irqsave(&host->work_lock, flags);
	host->live = false;
	spin_unlock_irqrestore(&host->work_lock, flags);

	/* Nothing queues work now; wait for what is queued or running. */
	cancel_work_sync(&host->rebind_work);
	mutex_lock(&host->lock);
	lm_listen_stop(host);
	mutex_unlock(&host->lock);
	/* Closing the listeners stopped their callbacks; drain the last run. */
	cancel_work_sync(&host->accept_work);
	/* Migrations end (VMs resume on the source) before VMs go. */
	lm_mig_host_exit(host);
	cancel_work_sync(&host->reap_work);
	lm_vm_host_exit(host);
	if (host->agent_sk)
		sock_put(host->agent_sk);

	memzero_explicit(&host->cfg, sizeof(host->cfg));
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
int __init lm_host_init(void)
{
	int err;

	lm_wq = alloc_workqueue("livemig", 0, 0);
	if (!lm_wq)
		return -ENOMEM;
	err = register_pernet_subsys(&lm_host_net_ops);
	if (err)
		destroy_workqueue(lm_wq);
	return err;
}

/**
 * lm_host_exit() - destroy the host state of every netns
 */
void lm_host_exit(void)
{
	unregister_pernet_subsys(&lm_host_net_ops);
	destroy_workqueue(lm_wq);
}
