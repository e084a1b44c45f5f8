// SPDX-License-Identifier: GPL-2.0
/*
 * livemig: the listener on the migration port.
 *
 * A host listens only where its settings say: nowhere when migrations are
 * disabled (unless it has migrations or keeps their outcomes), on the
 * wildcard addresses in "any" mode, and in "specific"
 * mode on each of its own addresses inside a migration network. Address
 * notifiers (IPv6's is atomic) only queue work; the work recomputes the
 * wanted set and opens and closes sockets to match, under the host lock.
 *
 * Accepted connections go to dest.c, each to its own thread.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/addrconf.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "fault.h"
#include "mig.h"

/* A host with more addresses than this in its networks listens on the first. */
#define LM_LISTEN_MAX		64
#define LM_LISTEN_BACKLOG	16

/**
 * struct lm_listener - one listening socket of a host
 * @node: in &lm_host.listeners
 * @sock: the socket; owned here, released by lm_listener_close()
 * @family: AF_INET or AF_INET6
 * @addr: the bound address (all zero for a wildcard)
 * @port: the bound port
 * @saved_data_ready: the socket's own callback, restored before release
 */
struct lm_listener {
	struct list_head node;
	struct socket *sock;
	u8 family;
	union {
		u8 bytes[16];
		__be32 v4;
		struct in6_addr v6;
	} addr;
	u16 port;
	void (*saved_data_ready)(struct sock *sk);
};

/* An address the host should listen on. */
struct lm_want {
	u8 family;
	u8 bytes[16];
};

static void lm_listen_data_ready(struct sock *sk)
{
	struct lm_host *host;

	/*
	 * Connections are cloned from the listener with its callback and
	 * user data; until lm_listen_accept_work() resets them, data that
	 * arrives on one lands here too. Only the listener has work for us.
	 */
	if (sk->sk_state != TCP_LISTEN)
		return;

	read_lock_bh(&sk->sk_callback_lock);
	host = sk->sk_user_data;
	if (host)
		lm_host_queue_work(host, &host->accept_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void lm_listener_close(struct lm_listener *l)
{
	struct sock *sk = l->sock->sk;

	/* After this, no callback can queue work for this socket. */
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = l->saved_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);

	sock_release(l->sock);
	list_del(&l->node);
	kfree(l);
	lm_obj_count(LM_OBJ_LISTENER, -1);
}

static int lm_listener_open(struct lm_host *host, const struct lm_want *w,
			    u16 port)
{
	struct sockaddr_storage ss = {};
	struct lm_listener *l;
	struct socket *sock;
	int len, err;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;

	err = sock_create_kern(host->net, w->family, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (err)
		goto err_free;

	sock_set_reuseaddr(sock->sk);
	if (w->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, w->bytes, 4);
		len = sizeof(*sin);
		/* Addresses may still be coming up: bind anyway. */
		ip_sock_set_freebind(sock->sk);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, w->bytes, 16);
		len = sizeof(*sin6);
		/* The IPv4 wildcard has its own socket. */
		ip6_sock_set_v6only(sock->sk);
		/* An IPv6 address in DAD cannot be bound otherwise. */
		ip_sock_set_freebind(sock->sk);
	}

	err = kernel_bind(sock, (struct sockaddr *)&ss, len);
	if (err)
		goto err_release;
	err = kernel_listen(sock, LM_LISTEN_BACKLOG);
	if (err)
		goto err_release;

	l->sock = sock;
	l->family = w->family;
	memcpy(l->addr.bytes, w->bytes, sizeof(l->addr.bytes));
	l->port = port;

	write_lock_bh(&sock->sk->sk_callback_lock);
	l->saved_data_ready = sock->sk->sk_data_ready;
	sock->sk->sk_user_data = host;
	sock->sk->sk_data_ready = lm_listen_data_ready;
	write_unlock_bh(&sock->sk->sk_callback_lock);

	list_add_tail(&l->node, &host->listeners);
	lm_obj_count(LM_OBJ_LISTENER, 1);
	return 0;

err_release:
	sock_release(sock);
err_free:
	kfree(l);
	return err;
}

static bool lm_want_add(struct lm_want *want, unsigned int *n, u8 family,
			const void *addr)
{
	if (*n == LM_LISTEN_MAX)
		return false;
	want[*n].family = family;
	memset(want[*n].bytes, 0, sizeof(want[*n].bytes));
	memcpy(want[*n].bytes, addr, family == AF_INET ? 4 : 16);
	(*n)++;
	return true;
}

/*
 * The host's own addresses inside its migration networks. Link-local IPv6
 * addresses are left out: binding them needs an interface, and migration
 * networks are routed networks.
 */
static unsigned int lm_want_specific(struct lm_host *host, struct lm_want *want)
{
	const struct lm_settings *cfg = &host->cfg;
	struct net_device *dev;
	unsigned int n = 0;

	rcu_read_lock();
	for_each_netdev_rcu(host->net, dev) {
		struct in_device *in_dev = __in_dev_get_rcu(dev);
		struct inet6_dev *in6_dev = __in6_dev_get(dev);
		const struct in_ifaddr *ifa;
		const struct inet6_ifaddr *ifa6;

		if (in_dev) {
			in_dev_for_each_ifa_rcu(ifa, in_dev) {
				if (lm_settings_addr_allowed(cfg, AF_INET, &ifa->ifa_local))
					lm_want_add(want, &n, AF_INET, &ifa->ifa_local);
			}
		}
		if (!in6_dev)
			continue;
		read_lock_bh(&in6_dev->lock);
		list_for_each_entry(ifa6, &in6_dev->addr_list, if_list) {
			if (ipv6_addr_type(&ifa6->addr) & IPV6_ADDR_LINKLOCAL)
				continue;
			if (lm_settings_addr_allowed(cfg, AF_INET6, &ifa6->addr))
				lm_want_add(want, &n, AF_INET6, &ifa6->addr);
		}
		read_unlock_bh(&in6_dev->lock);
	}
	rcu_read_unlock();
	return n;
}

static bool lm_listener_is(const struct lm_listener *l, const struct lm_want *w)
{
	return l->family == w->family && !memcmp(l->addr.bytes, w->bytes, 16);
}

/**
 * lm_listen_update() - make the host listen exactly where its settings say
 * @host: the host; its lock held
 *
 * A socket that cannot be bound (the port taken by someone else, say) is
 * logged and left out; lmctl show lists where the host really listens.
 *
 * Return: true if a listener was opened or closed.
 */
bool lm_listen_update(struct lm_host *host)
{
	static const u8 any[16];
	struct lm_listener *l, *tmp;
	struct lm_want *want;
	unsigned int n = 0, i;
	u16 port = host->cfg.port;
	bool changed = false, open;
	int err;

	lockdep_assert_held(&host->lock);

	want = kcalloc(LM_LISTEN_MAX, sizeof(*want), GFP_KERNEL);
	if (!want)
		return false;

	/*
	 * A disabled host still listens while it has migrations or keeps
	 * their outcomes: a source in doubt must reach it, and a new source
	 * hears "migrations are disabled on this host" instead of a refusal.
	 */
	open = host->cfg.enabled || !list_empty(&host->migs);
	if (open && host->cfg.network_mode == LIVEMIG_NETWORK_ANY) {
		lm_want_add(want, &n, AF_INET, any);
		if (ipv6_mod_enabled())
			lm_want_add(want, &n, AF_INET6, any);
	} else if (open) {
		n = lm_want_specific(host, want);
	}

	/* Close what is no longer wanted... */
	list_for_each_entry_safe(l, tmp, &host->listeners, node) {
		bool keep = false;

		for (i = 0; i < n && !keep; i++)
			keep = l->port == port && lm_listener_is(l, &want[i]);
		if (!keep) {
			lm_listener_close(l);
			changed = true;
		}
	}

	/* ...and open what is missing. */
	for (i = 0; i < n; i++) {
		bool have = false;

		list_for_each_entry(l, &host->listeners, node)
			have |= lm_listener_is(l, &want[i]);
		if (have)
			continue;
		err = lm_listener_open(host, &want[i], port);
		changed |= !err;
		if (err)
			net_warn_ratelimited("livemig: cannot listen on %s port %u: error %d\n",
					     want[i].family == AF_INET ? "an IPv4 address" :
					     "an IPv6 address", port, err);
	}
	kfree(want);
	return changed;
}

/**
 * lm_listen_stop() - close every listener of a host
 * @host: the host; its lock held
 */
void lm_listen_stop(struct lm_host *host)
{
	struct lm_listener *l, *tmp;

	lockdep_assert_held(&host->lock);
	list_for_each_entry_safe(l, tmp, &host->listeners, node)
		lm_listener_close(l);
}

/**
 * lm_listen_fill() - put the listening addresses in a netlink message
 * @msg: the message
 * @host: the host; its lock held
 *
 * Return: 0 or -EMSGSIZE.
 */
int lm_listen_fill(struct sk_buff *msg, struct lm_host *host)
{
	struct lm_listener *l;
	struct nlattr *all, *one;

	lockdep_assert_held(&host->lock);

	all = nla_nest_start(msg, LIVEMIG_A_LISTENERS);
	if (!all)
		return -EMSGSIZE;
	list_for_each_entry(l, &host->listeners, node) {
		one = nla_nest_start(msg, LIVEMIG_A_LISTENER);
		if (!one ||
		    nla_put(msg, LIVEMIG_LISTENER_A_ADDR,
			    l->family == AF_INET ? 4 : 16, l->addr.bytes) ||
		    nla_put_u16(msg, LIVEMIG_LISTENER_A_PORT, l->port))
			return -EMSGSIZE;
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, all);
	return 0;
}

/**
 * lm_listen_addrs() - where further streams of a migration should go
 * @host: the host; its lock held
 * @acc: filled with the host's listening addresses, by the priority of
 *	the migration network each is in; none for the wildcards of "any"
 */
void lm_listen_addrs(struct lm_host *host, struct lm_accept *acc)
{
	const struct lm_settings *cfg = &host->cfg;
	struct lm_listener *l;
	unsigned int i;

	lockdep_assert_held(&host->lock);
	acc->n_addrs = 0;
	if (cfg->network_mode != LIVEMIG_NETWORK_SPECIFIC)
		return;
	for (i = 0; i < cfg->n_networks; i++) {
		list_for_each_entry(l, &host->listeners, node) {
			struct lm_wire_addr *a = &acc->addrs[acc->n_addrs];

			if (acc->n_addrs == LM_ACCEPT_ADDRS_MAX)
				return;
			if (!lm_prefix_contains(&cfg->networks[i], l->family, l->addr.bytes))
				continue;
			a->family = l->family == AF_INET ? 4 : 6;
			memcpy(a->addr, l->addr.bytes, 16);
			a->port = l->port;
			acc->n_addrs++;
		}
	}
}

static void lm_listen_rebind_work(struct work_struct *work)
{
	struct lm_host *host = container_of(work, struct lm_host, rebind_work);
	bool changed;

	/* Every address change in the namespace lands here: announce real changes. */
	mutex_lock(&host->lock);
	changed = lm_listen_update(host);
	mutex_unlock(&host->lock);
	if (changed)
		lm_nl_notify_settings(host);
}

static void lm_listen_accept_work(struct work_struct *work)
{
	struct lm_host *host = container_of(work, struct lm_host, accept_work);
	struct lm_listener *l;
	struct socket *conn;

	mutex_lock(&host->lock);
	list_for_each_entry(l, &host->listeners, node) {
		while (!kernel_accept(l->sock, &conn, O_NONBLOCK)) {
			/* Not the listener's: the socket's own callback, no host. */
			write_lock_bh(&conn->sk->sk_callback_lock);
			conn->sk->sk_user_data = NULL;
			conn->sk->sk_data_ready = l->saved_data_ready;
			write_unlock_bh(&conn->sk->sk_callback_lock);

			lm_in_accept(host, conn);
		}
	}
	mutex_unlock(&host->lock);
}

/**
 * lm_listen_init_host() - a new host listens nowhere
 * @host: the host being created
 */
void lm_listen_init_host(struct lm_host *host)
{
	INIT_LIST_HEAD(&host->listeners);
	INIT_WORK(&host->rebind_work, lm_listen_rebind_work);
	INIT_WORK(&host->accept_work, lm_listen_accept_work);
}

static void lm_listen_addr_changed(struct net *net)
{
	struct lm_host *host = lm_host_get(net);

	lm_host_queue_work(host, &host->rebind_work);
}

static int lm_inetaddr_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	const struct in_ifaddr *ifa = ptr;

	if (event == NETDEV_UP || event == NETDEV_DOWN)
		lm_listen_addr_changed(dev_net(ifa->ifa_dev->dev));
	return NOTIFY_DONE;
}

static int lm_inet6addr_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	const struct inet6_ifaddr *ifa = ptr;

	if (event == NETDEV_UP || event == NETDEV_DOWN)
		lm_listen_addr_changed(dev_net(ifa->idev->dev));
	return NOTIFY_DONE;
}

static struct notifier_block lm_inetaddr_nb = {
	.notifier_call = lm_inetaddr_event,
};

static struct notifier_block lm_inet6addr_nb = {
	.notifier_call = lm_inet6addr_event,
};

/**
 * lm_listen_init() - follow address changes in every namespace
 *
 * Return: 0 or a negative errno.
 */
int __init lm_listen_init(void)
{
	int err;

	err = register_inetaddr_notifier(&lm_inetaddr_nb);
	if (err)
		return err;
	err = register_inet6addr_notifier(&lm_inet6addr_nb);
	if (err)
		unregister_inetaddr_notifier(&lm_inetaddr_nb);
	return err;
}

/**
 * lm_listen_exit() - stop following address changes
 *
 * On return no rebind work runs or will run, so none can announce a
 * change on a family that is about to be unregistered.
 */
void lm_listen_exit(void)
{
	unregister_inet6addr_notifier(&lm_inet6addr_nb);
	unregister_inetaddr_notifier(&lm_inetaddr_nb);
	lm_host_flush_work();
}
