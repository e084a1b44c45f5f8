// SPDX-License-Identifier: GPL-2.0
/*
 * livemig: the KVM binding. Every use of KVM's internals lives in this
 * file, so a new kernel means one file to port.
 *
 * Registration: a VMM hands over its VM's file descriptor. We keep a
 * reference on the file (KVM's ioctls need a live one) and on struct kvm,
 * and drop both when the VM is unregistered: by VM_DEL, when the netlink
 * socket that registered it is released (the VMM exited or was killed),
 * or when the host's namespace or the module goes away.
 *
 * Lock order: host->lock (mutex) -> lm_vms_lock (spinlock, the global
 * registry) -> kvm->srcu read side. Never hold srcu or the spinlock across
 * anything that sleeps.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/kvm_host.h>
#include <linux/netlink.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "livemig.h"

/**
 * struct lm_vm - a registered VM
 * @node: in lm_vms; protected by lm_vms_lock
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
 * @memory: bytes of guest RAM in @desc
 * @config: the VMM's machine description, @config_len bytes
 * @config_len: length of @config
 * @desc: name and regions
 */
struct lm_vm {
	struct list_head node;
	struct lm_host *host;
	struct kvm *kvm;
	struct file *file;
	u32 portid;
	struct sock *vmm_sk;
	struct pid *owner;
	const char *dead;
	u64 memory;
	void *config;
	u32 config_len;
	struct lm_vm_desc desc;
};

/* Every registered VM of every namespace: a VM is registered once. */
static LIST_HEAD(lm_vms);
static DEFINE_SPINLOCK(lm_vms_lock);

/* Does every byte of @r sit in a memslot, at the host address @r says? */
static int lm_vm_check_region(struct kvm *kvm, const struct lm_region *r,
			      const char **why)
{
	struct kvm_memory_slot *slot;
	struct kvm_memslots *slots;
	u64 covered = 0;
	int bkt, idx;
	int err = 0;

	idx = srcu_read_lock(&kvm->srcu);
	/* Address space 0: SMM's space only aliases the same RAM. */
	slots = __kvm_memslots(kvm, 0);
	kvm_for_each_memslot(slot, bkt, slots) {
		u64 base = (u64)slot->base_gfn << PAGE_SHIFT;
		u64 end = base + ((u64)slot->npages << PAGE_SHIFT);
		u64 lo = max(base, r->gpa);
		u64 hi = min(end, r->gpa + r->size);

		if (lo >= hi)
			continue;
		if (slot->userspace_addr + (lo - base) != r->hva + (lo - r->gpa)) {
			*why = "region: its host address is not where the VM's memory slot maps it";
			err = -EINVAL;
			break;
		}
		covered += hi - lo;
	}
	srcu_read_unlock(&kvm->srcu, idx);

	if (!err && covered != r->size) {
		*why = "region: not entirely backed by the VM's memory slots";
		err = -EINVAL;
	}
	return err;
}

static void lm_vm_free(struct lm_vm *vm)
{
	/* Our file reference pins one kvm reference: fput() may end the VM. */
	kvm_put_kvm(vm->kvm);
	fput(vm->file);
	sock_put(vm->vmm_sk);
	put_pid(vm->owner);
	kvfree(vm->config);
	kfree(vm);
}

/**
 * lm_vm_add() - register a VM for its VMM
 * @host: the caller's host; its lock not held
 * @fd: the VM's file descriptor in the caller
 * @portid: the caller's netlink port
 * @vmm_sk: the caller's netlink socket
 * @desc: name and regions, already checked by lm_vm_desc_check()
 * @config: machine description (copied), or NULL
 * @config_len: its length
 * @why: set to a sentence when refused
 *
 * Runs in the VMM's context (a netlink handler), which is what lets us
 * resolve @fd and compare mms.
 *
 * Return: 0, -EBADF, -EPERM, -EEXIST, -EINVAL or -ENOMEM.
 */
int lm_vm_add(struct lm_host *host, int fd, u32 portid, struct sock *vmm_sk,
	      const struct lm_vm_desc *desc, const void *config,
	      u32 config_len, const char **why)
{
	struct lm_vm *vm, *other;
	unsigned int i;
	struct kvm *kvm;
	int err;

	/* Unprivileged callers size these: charge them to the VMM. */
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	if (config_len) {
		/* Up to 60 KiB: do not insist on contiguous pages. */
		vm->config = kvmalloc(config_len, GFP_KERNEL_ACCOUNT);
		if (!vm->config) {
			err = -ENOMEM;
			goto err_free;
		}
		memcpy(vm->config, config, config_len);
	}

	vm->file = fget(fd);
	if (!vm->file) {
		*why = "vm-fd: not an open file descriptor";
		err = -EBADF;
		goto err_free;
	}
	if (!file_is_kvm(vm->file)) {
		*why = "vm-fd: not a KVM virtual machine";
		err = -EBADF;
		goto err_fput;
	}
	kvm = vm->file->private_data;
	if (kvm->mm != current->mm) {
		*why = "vm-fd: only the VM's owner (the process that created it) may register it";
		err = -EPERM;
		goto err_fput;
	}
	if (!kvm->dirty_ring_size) {
		*why = "vm-fd: the VM has no dirty ring (KVM_CAP_DIRTY_LOG_RING)";
		err = -EINVAL;
		goto err_fput;
	}
	for (i = 0; i < desc->n_regions; i++) {
		err = lm_vm_check_region(kvm, &desc->regions[i], why);
		if (err)
			goto err_fput;
	}

	vm->host = host;
	vm->portid = portid;
	vm->desc = *desc;
	vm->memory = lm_vm_desc_memory(desc);
	vm->config_len = config_len;

	mutex_lock(&host->lock);
	spin_lock(&lm_vms_lock);
	list_for_each_entry(other, &lm_vms, node) {
		if (other->kvm == kvm) {
			*why = "vm-fd: this VM is already registered (on this or another host)";
			err = -EEXIST;
		} else if (other->host == host &&
			   !strcmp(other->desc.name, desc->name)) {
			*why = "vm-name: a VM of that name is already registered on this host";
			err = -EEXIST;
		}
		if (err)
			break;
	}
	if (!err) {
		/* The references the registration owns, dropped by lm_vm_free(). */
		kvm_get_kvm(kvm);
		vm->kvm = kvm;
		sock_hold(vmm_sk);
		vm->vmm_sk = vmm_sk;
		vm->owner = get_pid(task_tgid(current));
		list_add_tail(&vm->node, &lm_vms);
		host->vm_gen++;
	}
	spin_unlock(&lm_vms_lock);
	mutex_unlock(&host->lock);
	if (err)
		goto err_fput;

	/* Any user may register VMs: keep them from flooding the log. */
	pr_info_ratelimited("VM %s registered by pid %d (%llu MiB in %u regions)\n",
			    desc->name, task_tgid_nr(current), vm->memory >> 20,
			    desc->n_regions);
	return 0;

err_fput:
	fput(vm->file);
err_free:
	kvfree(vm->config);
	kfree(vm);
	return err;
}

/* Take a VM off the registry; the caller frees it outside the spinlock. */
static void lm_vm_unlink(struct lm_vm *vm)
{
	lockdep_assert_held(&vm->host->lock);
	spin_lock(&lm_vms_lock);
	list_del(&vm->node);
	spin_unlock(&lm_vms_lock);
	vm->host->vm_gen++;
}

/*
 * The registry is shared by all hosts, so walk it under its spinlock; the
 * VM found stays valid after, since only @host's lock holder removes it.
 */
static struct lm_vm *lm_vm_find(struct lm_host *host, const char *name)
{
	struct lm_vm *vm, *found = NULL;

	lockdep_assert_held(&host->lock);
	spin_lock(&lm_vms_lock);
	list_for_each_entry(vm, &lm_vms, node) {
		if (vm->host == host && !strcmp(vm->desc.name, name)) {
			found = vm;
			break;
		}
	}
	spin_unlock(&lm_vms_lock);
	return found;
}

/**
 * lm_vm_del() - a VMM unregisters its VM
 * @host: the caller's host
 * @name: the VM's name
 * @admin: the caller may list VMs anyway (CAP_NET_ADMIN)
 * @why: set to a sentence when refused
 *
 * A caller who may not list VMs learns nothing about VMs it does not own:
 * someone else's VM looks like no VM at all.
 *
 * Return: 0, -ENOENT or -EPERM.
 */
int lm_vm_del(struct lm_host *host, const char *name, bool admin,
	      const char **why)
{
	struct lm_vm *vm;
	int err = 0;

	mutex_lock(&host->lock);
	vm = lm_vm_find(host, name);
	if (vm && vm->kvm->mm != current->mm && admin) {
		*why = "vm-name: only the VM's owner may unregister it";
		err = -EPERM;
	} else if (!vm || vm->kvm->mm != current->mm) {
		*why = "vm-name: no VM of that name is registered on this host";
		err = -ENOENT;
	} else {
		lm_vm_unlink(vm);
	}
	mutex_unlock(&host->lock);

	if (err)
		return err;
	pr_info_ratelimited("VM %s unregistered by its VMM\n", vm->desc.name);
	lm_vm_free(vm);
	return 0;
}

/**
 * lm_vm_fill() - describe the host's VMs into a dump, one message per VM
 * @host: the host
 * @name: only this VM, or NULL for all
 * @skip: VMs already dumped; updated
 * @gen: set to the host's VM generation, read with the VMs
 * @put: writes one VM's message; returns -EMSGSIZE when the skb is full;
 *	called under a spinlock, so it must not sleep
 * @ctx: passed to @put
 *
 * A dump compares @gen between its parts to flag itself inconsistent
 * when VMs came or went in between.
 *
 * Return: number of VMs written by this call, or a negative errno.
 */
int lm_vm_fill(struct lm_host *host, const char *name, unsigned long *skip,
	       unsigned int *gen,
	       int (*put)(void *ctx, const struct lm_vm_info *info), void *ctx)
{
	struct lm_vm_info info;
	unsigned long n = 0;
	struct lm_vm *vm;
	int done = 0, err = 0;

	mutex_lock(&host->lock);
	*gen = host->vm_gen;
	info.gen = *gen;
	spin_lock(&lm_vms_lock);
	list_for_each_entry(vm, &lm_vms, node) {
		if (vm->host != host || (name && strcmp(vm->desc.name, name)))
			continue;
		if (n++ < *skip)
			continue;
		info.desc = &vm->desc;
		info.memory = vm->memory;
		info.pid = pid_vnr(vm->owner);
		err = put(ctx, &info);
		if (err)
			break;
		(*skip)++;
		done++;
	}
	spin_unlock(&lm_vms_lock);
	mutex_unlock(&host->lock);
	return done ? done : err;
}

/**
 * lm_vm_reap() - unregister the host's VMs whose VMM socket is gone
 * @host: the host
 */
void lm_vm_reap(struct lm_host *host)
{
	struct lm_vm *vm, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&host->lock);
	spin_lock(&lm_vms_lock);
	list_for_each_entry_safe(vm, tmp, &lm_vms, node)
		if (vm->host == host && vm->dead)
			list_move(&vm->node, &gone);
	spin_unlock(&lm_vms_lock);
	if (!list_empty(&gone))
		host->vm_gen++;
	mutex_unlock(&host->lock);

	list_for_each_entry_safe(vm, tmp, &gone, node) {
		pr_info_ratelimited("VM %s unregistered: %s\n", vm->desc.name, vm->dead);
		list_del(&vm->node);
		lm_vm_free(vm);
	}
}

/**
 * lm_vm_host_exit() - unregister every VM of a host going away
 * @host: the host; nothing queues its work any more
 */
void lm_vm_host_exit(struct lm_host *host)
{
	struct lm_vm *vm;

	mutex_lock(&host->lock);
	spin_lock(&lm_vms_lock);
	list_for_each_entry(vm, &lm_vms, node)
		if (vm->host == host)
			vm->dead = "its host is going away (namespace deleted or module unloaded)";
	spin_unlock(&lm_vms_lock);
	mutex_unlock(&host->lock);
	lm_vm_reap(host);
}

/*
 * A netlink socket was released (process context, but the registry is a
 * spinlock's): mark its VMs and let the host's work unregister them.
 */
static int lm_vm_netlink_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	const struct netlink_notify *n = ptr;
	struct lm_vm *vm;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;

	spin_lock(&lm_vms_lock);
	list_for_each_entry(vm, &lm_vms, node) {
		if (vm->portid == n->portid && vm->host->net == n->net &&
		    sock_flag(vm->vmm_sk, SOCK_DEAD) && !vm->dead) {
			vm->dead = "its VMM closed its netlink socket (exited or killed)";
			lm_host_queue_work(vm->host, &vm->host->reap_work);
		}
	}
	spin_unlock(&lm_vms_lock);
	return NOTIFY_DONE;
}

static struct notifier_block lm_vm_netlink_nb = {
	.notifier_call = lm_vm_netlink_event,
};

/**
 * lm_vm_init() - follow the release of VMMs' netlink sockets
 *
 * Return: 0 or a negative errno.
 */
int __init lm_vm_init(void)
{
	return netlink_register_notifier(&lm_vm_netlink_nb);
}

/**
 * lm_vm_exit() - stop following netlink sockets
 *
 * VMs still registered are unregistered with their hosts, later.
 */
void lm_vm_exit(void)
{
	netlink_unregister_notifier(&lm_vm_netlink_nb);
}
