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
#include <linux/kthread.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/netlink.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <net/sock.h>

#include "fault.h"
#include "mig.h"

/* Every registered VM of every namespace: a VM is registered once. */
static LIST_HEAD(lm_vms);
static DEFINE_SPINLOCK(lm_vms_lock);

/*
 * Does every byte of @r sit in a memslot, at the host address @r says?
 * With @logged, each of those memslots must also log dirty pages.
 */
static int lm_vm_check_region(struct kvm *kvm, const struct lm_region *r,
			      bool logged, const char **why)
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
		if (logged && !(slot->flags & KVM_MEM_LOG_DIRTY_PAGES)) {
			*why = "region: a memory slot that backs it does not log dirty pages";
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

static void lm_vm_release(struct kref *ref)
{
	struct lm_vm *vm = container_of(ref, struct lm_vm, ref);

	/* Our file reference pins one kvm reference: fput() may end the VM. */
	kvm_put_kvm(vm->kvm);
	fput(vm->file);
	sock_put(vm->vmm_sk);
	put_pid(vm->owner);
	kvfree(vm->config);
	kvfree(vm->state);
	kfree(vm);
	lm_obj_count(LM_OBJ_VM, -1);
}

/**
 * lm_vm_get() - take a reference on a VM found in the registry
 * @vm: the VM, found under its host's lock
 */
void lm_vm_get(struct lm_vm *vm)
{
	kref_get(&vm->ref);
}

/**
 * lm_vm_put() - drop a reference; the last one frees the VM
 * @vm: the VM, or NULL
 */
void lm_vm_put(struct lm_vm *vm)
{
	if (vm)
		kref_put(&vm->ref, lm_vm_release);
}

static void lm_vm_free(struct lm_vm *vm)
{
	lm_vm_put(vm);
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
 * @mig_id: an incoming migration the VM is the destination of, or 0
 * @why: set to a sentence when refused
 *
 * Runs in the VMM's context (a netlink handler), which is what lets us
 * resolve @fd and compare mms.
 *
 * Return: 0, -EBADF, -EPERM, -EEXIST, -EINVAL or -ENOMEM.
 */
int lm_vm_add(struct lm_host *host, int fd, u32 portid, struct sock *vmm_sk,
	      const struct lm_vm_desc *desc, const void *config,
	      u32 config_len, u32 mig_id, const char **why)
{
	struct lm_vm *vm, *other;
	struct lm_mig *mig = NULL;
	unsigned int i;
	struct kvm *kvm;
	int err;

	/* Unprivileged callers size these: charge them to the VMM. */
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	kref_init(&vm->ref);
	init_waitqueue_head(&vm->req_wq);
	spin_lock_init(&vm->req_lock);
	mutex_init(&vm->state_lock);
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
		err = lm_vm_check_region(kvm, &desc->regions[i], false, why);
		if (err)
			goto err_fput;
	}

	vm->host = host;
	vm->portid = portid;
	vm->desc = *desc;
	vm->memory = lm_vm_desc_memory(desc);
	vm->config_len = config_len;
	vm->vcpus = atomic_read(&kvm->online_vcpus);

	mutex_lock(&host->lock);
	/* A destination VM attaches to its migration before anyone sees it. */
	if (mig_id) {
		mig = lm_mig_find_incoming(host, mig_id, desc, why);
		if (IS_ERR(mig)) {
			err = PTR_ERR(mig);
			mutex_unlock(&host->lock);
			goto err_fput;
		}
	}
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
	if (!err && mig)
		lm_mig_attached(mig, vm);
	mutex_unlock(&host->lock);
	if (err)
		goto err_fput;

	/* Any user may register VMs: keep them from flooding the log. */
	pr_info_ratelimited("VM %s registered by pid %d (%llu MiB in %u regions)\n",
			    desc->name, task_tgid_nr(current), vm->memory >> 20,
			    desc->n_regions);
	lm_obj_count(LM_OBJ_VM, 1);
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

/**
 * lm_vm_find() - a VM of a host by name
 * @host: the host; its lock held
 * @name: the VM's name
 *
 * The registry is shared by all hosts, so walk it under its spinlock; the
 * VM found stays valid after, since only @host's lock holder removes it.
 *
 * Return: the VM (no reference taken) or NULL.
 */
struct lm_vm *lm_vm_find(struct lm_host *host, const char *name)
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
	} else if (vm->mig) {
		*why = "vm-name: the VM is migrating; cancel the migration first";
		err = -EBUSY;
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
 * lm_vm_reap() - unregister the host's VMs whose VMM socket is gone, and
 *	forget an agent whose socket is gone
 * @host: the host
 *
 * Both sockets hold the host's namespace: kept, they would keep it (and so
 * the host) alive for ever.
 */
void lm_vm_reap(struct lm_host *host)
{
	struct sock *agent = NULL;
	struct lm_vm *vm, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&host->lock);
	if (host->agent_sk && sock_flag(host->agent_sk, SOCK_DEAD)) {
		agent = host->agent_sk;
		host->agent_sk = NULL;
		host->agent_portid = 0;
	}
	spin_lock(&lm_vms_lock);
	list_for_each_entry_safe(vm, tmp, &lm_vms, node)
		if (vm->host == host && vm->dead)
			list_move(&vm->node, &gone);
	spin_unlock(&lm_vms_lock);
	if (!list_empty(&gone))
		host->vm_gen++;
	/*
	 * A migration in doubt lets go of a VM that is gone. Never the last
	 * reference: the registry's is dropped below, out of the lock.
	 */
	list_for_each_entry(vm, &gone, node)
		if (lm_mig_vm_gone(vm))
			lm_vm_put(vm);
	mutex_unlock(&host->lock);
	if (agent)
		sock_put(agent);

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
		if (vm->host == host) {
			vm->dead = "its host is going away (namespace deleted or module unloaded)";
			wake_up_all(&vm->req_wq);
		}
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
	struct lm_host *host;
	struct lm_vm *vm;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;

	/* The agent's socket holds its namespace: let go of it (lm_vm_reap()). */
	host = lm_host_get(n->net);
	if (READ_ONCE(host->agent_portid) == n->portid)
		lm_host_queue_work(host, &host->reap_work);

	spin_lock(&lm_vms_lock);
	list_for_each_entry(vm, &lm_vms, node) {
		if (vm->portid == n->portid && vm->host->net == n->net &&
		    sock_flag(vm->vmm_sk, SOCK_DEAD) && !vm->dead) {
			vm->dead = "its VMM closed its netlink socket (exited or killed)";
			wake_up_all(&vm->req_wq);
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

/* Request ids are global, so an answer cannot match another VM's request. */
static atomic_t lm_req_seq = ATOMIC_INIT(0);

/**
 * lm_vm_request() - ask the VMM something and wait for its answer
 * @vm: the VM (a reference held)
 * @req: &enum livemig_vmm_req
 * @mig_id: the migration asking
 * @timeout: jiffies to wait for VM_ACK
 * @e: filled on failure
 * @phase: for @e
 *
 * One request at a time per VM: only its migration's thread asks.
 *
 * Return: 0 when the VMM answered success, else a negative errno.
 */
int lm_vm_request(struct lm_vm *vm, u8 req, u32 mig_id, long timeout,
		  struct lm_err *e, u8 phase)
{
	static const char *const names[] = {
		[LIVEMIG_REQ_PREPARE] = "PREPARE", [LIVEMIG_REQ_PAUSE] = "PAUSE",
		[LIVEMIG_REQ_RESUME] = "RESUME", [LIVEMIG_REQ_COMPLETED] = "COMPLETED",
		[LIVEMIG_REQ_LOAD] = "LOAD", [LIVEMIG_REQ_RUN] = "RUN",
		[LIVEMIG_REQ_DISCARD] = "DISCARD",
	};
	const char *name = req < ARRAY_SIZE(names) && names[req] ? names[req] : "?";
	u32 id;
	int err;

	id = atomic_inc_return(&lm_req_seq);
	if (!id)
		id = atomic_inc_return(&lm_req_seq);
	spin_lock(&vm->req_lock);
	vm->req_id = id;
	vm->req_done = false;
	vm->req_err = 0;
	vm->req_reason[0] = '\0';
	spin_unlock(&vm->req_lock);

	err = lm_nl_vmm_request(vm->host->net, vm->portid, id, req, vm->desc.name,
				mig_id);
	if (err)
		return lm_err_set(e, ESRCH, phase,
				  "the VMM of %s is gone (exited or killed): %s not delivered (error %d)",
				  vm->desc.name, name, err);
	wait_event_timeout(vm->req_wq, READ_ONCE(vm->req_done) || READ_ONCE(vm->dead),
			   timeout);

	spin_lock(&vm->req_lock);
	vm->req_id = 0;
	if (!vm->req_done) {
		spin_unlock(&vm->req_lock);
		if (READ_ONCE(vm->dead))
			return lm_err_set(e, ESRCH, phase, "VM %s: %s", vm->desc.name,
					  vm->dead);
		return lm_err_set(e, ETIMEDOUT, phase,
				  "VMM of %s did not answer %s within %ld s",
				  vm->desc.name, name, timeout / HZ);
	}
	err = vm->req_err;
	if (err)
		lm_err_set(e, err, phase, "VMM of %s refused %s: %s", vm->desc.name,
			   name, vm->req_reason[0] ? vm->req_reason :
			   "no reason given");
	spin_unlock(&vm->req_lock);
	return -err;
}

/* The host's VM whose VMM speaks from @portid, or NULL; host lock held. */
static struct lm_vm *lm_vm_find_port(struct lm_host *host, u32 portid,
				     const char *name)
{
	struct lm_vm *vm, *found = NULL;

	lockdep_assert_held(&host->lock);
	spin_lock(&lm_vms_lock);
	list_for_each_entry(vm, &lm_vms, node) {
		if (vm->host == host && vm->portid == portid && !vm->dead &&
		    (!name || !strcmp(vm->desc.name, name))) {
			found = vm;
			break;
		}
	}
	spin_unlock(&lm_vms_lock);
	return found;
}

/**
 * lm_vm_ack() - a VMM answers a request
 * @host: the caller's host
 * @portid: the caller's netlink port: only the registering socket answers
 * @req_id: the request's id
 * @err: 0 or a positive errno
 * @reason: the VMM's sentence, or NULL
 *
 * Return: 0, or -ENOENT if no such request waits for this caller.
 */
int lm_vm_ack(struct lm_host *host, u32 portid, u32 req_id, u32 err,
	      const char *reason)
{
	struct lm_vm *vm, *tmp;
	int ret = -ENOENT;

	mutex_lock(&host->lock);
	spin_lock(&lm_vms_lock);
	list_for_each_entry(tmp, &lm_vms, node) {
		if (tmp->host != host || tmp->portid != portid)
			continue;
		vm = tmp;
		spin_lock(&vm->req_lock);
		if (req_id && vm->req_id == req_id && !vm->req_done) {
			vm->req_err = err;
			strscpy(vm->req_reason, reason ? reason : "", sizeof(vm->req_reason));
			vm->req_done = true;
			wake_up_all(&vm->req_wq);
			ret = 0;
		}
		spin_unlock(&vm->req_lock);
		if (!ret)
			break;
	}
	spin_unlock(&lm_vms_lock);
	mutex_unlock(&host->lock);
	return ret;
}

/**
 * lm_vm_state_reset() - forget the VM's state and say whether it may come
 * @vm: the VM
 * @open: a VMM may send state now (the source's PAUSE)
 */
void lm_vm_state_reset(struct lm_vm *vm, bool open)
{
	mutex_lock(&vm->state_lock);
	kvfree(vm->state);
	vm->state = NULL;
	vm->state_len = 0;
	vm->state_open = open;
	mutex_unlock(&vm->state_lock);
}

/* Append a chunk; state_lock held. */
static int __lm_vm_state_append(struct lm_vm *vm, u32 offset, const void *data,
				u32 len)
{
	u8 *grown;

	if (offset != vm->state_len)
		return -EINVAL;
	if (len > LIVEMIG_STATE_MAX - offset)
		return -EFBIG;
	grown = kvrealloc(vm->state, vm->state_len, offset + len, GFP_KERNEL_ACCOUNT);
	if (!grown)
		return -ENOMEM;
	memcpy(grown + offset, data, len);
	vm->state = grown;
	vm->state_len = offset + len;
	return 0;
}

/**
 * lm_vm_state_append() - add a chunk of state received from the source
 * @vm: the destination VM
 * @offset: where it goes: chunks come in order
 * @data: the chunk
 * @len: its length
 *
 * Return: 0, -EINVAL (out of order), -EFBIG or -ENOMEM.
 */
int lm_vm_state_append(struct lm_vm *vm, u32 offset, const void *data, u32 len)
{
	int err;

	mutex_lock(&vm->state_lock);
	err = __lm_vm_state_append(vm, offset, data, len);
	mutex_unlock(&vm->state_lock);
	return err;
}

/**
 * lm_vm_state_put() - a source VMM hands over a chunk of its VM's state
 * @host: the caller's host
 * @portid: the caller's port: only the registering socket may
 * @name: the VM
 * @offset: bytes already sent
 * @data: the chunk
 * @len: its length
 * @why: a sentence when refused
 *
 * Return: 0 or a negative errno.
 */
int lm_vm_state_put(struct lm_host *host, u32 portid, const char *name,
		    u32 offset, const void *data, u32 len, const char **why)
{
	struct lm_vm *vm;
	int err;

	mutex_lock(&host->lock);
	vm = lm_vm_find_port(host, portid, name);
	if (vm)
		lm_vm_get(vm);
	mutex_unlock(&host->lock);
	if (!vm) {
		*why = "vm-name: no VM of that name registered by this socket";
		return -ENOENT;
	}
	mutex_lock(&vm->state_lock);
	if (!vm->state_open) {
		*why = "vm-name: no PAUSE request is waiting for this VM's state";
		err = -EINVAL;
	} else {
		err = __lm_vm_state_append(vm, offset, data, len);
		if (err == -EINVAL)
			*why = "state-offset: chunks must come in order, without gaps";
		else if (err == -EFBIG)
			*why = "state-data: the state is larger than the module accepts";
	}
	mutex_unlock(&vm->state_lock);
	lm_vm_put(vm);
	return err;
}

/**
 * lm_vm_state_read() - a destination VMM reads a chunk of the state
 * @host: the caller's host
 * @portid: the caller's port: only the registering socket may
 * @name: the VM
 * @offset: where to read
 * @buf: where to copy
 * @len: at most this much
 * @total: set to the state's length
 *
 * Return: bytes copied (0 at the end) or a negative errno.
 */
int lm_vm_state_read(struct lm_host *host, u32 portid, const char *name,
		     u32 offset, void *buf, u32 len, u32 *total)
{
	struct lm_vm *vm;
	int n = 0;

	mutex_lock(&host->lock);
	vm = lm_vm_find_port(host, portid, name);
	if (vm)
		lm_vm_get(vm);
	mutex_unlock(&host->lock);
	if (!vm)
		return -ENOENT;
	mutex_lock(&vm->state_lock);
	*total = vm->state_len;
	if (offset < vm->state_len) {
		n = min(len, vm->state_len - offset);
		memcpy(buf, vm->state + offset, n);
	}
	mutex_unlock(&vm->state_lock);
	lm_vm_put(vm);
	return n;
}

/**
 * lm_vm_kill() - the VM now runs elsewhere: make KVM_RUN fail here
 * @vm: the source VM, paused
 */
void lm_vm_kill(struct lm_vm *vm)
{
	kvm_vm_dead(vm->kvm);
}

/**
 * lm_vm_unregister() - take a VM off the registry soon, for a reason
 * @vm: the VM
 * @reason: for the log
 *
 * A VM that migrated away leaves at once: its name is free for a move
 * back even before its VMM has exited.
 */
void lm_vm_unregister(struct lm_vm *vm, const char *reason)
{
	spin_lock(&lm_vms_lock);
	if (!vm->dead)
		vm->dead = reason;
	spin_unlock(&lm_vms_lock);
	lm_host_queue_work(vm->host, &vm->host->reap_work);
}

/**
 * lm_vm_kick() - make every vCPU exit, flushing what hardware buffers
 * @vm: the VM
 *
 * Intel's PML holds up to 512 unlogged pages per vCPU until an exit.
 */
void lm_vm_kick(struct lm_vm *vm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_for_each_vcpu(i, vcpu, vm->kvm)
		kvm_vcpu_kick(vcpu);
}

/**
 * lm_vm_vcpu_exits() - how often the VM's vCPUs left the guest so far
 * @vm: the VM
 *
 * A vCPU outside KVM_RUN never exits, and a kicked one inside always
 * does: the count moves if and only if the guest ran.
 *
 * Return: the sum over the vCPUs.
 */
u64 lm_vm_vcpu_exits(struct lm_vm *vm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;
	u64 n = 0;

	kvm_for_each_vcpu(i, vcpu, vm->kvm)
		n += READ_ONCE(vcpu->stat.exits);
	return n;
}

/* How long a vCPU may stay busy after PAUSE was acknowledged. */
#define LM_VCPU_HOLD_WAIT_MS	200

/**
 * lm_vm_hold_vcpus() - make sure no vCPU runs until released
 * @vm: the VM, paused by its VMM (PAUSE acknowledged)
 * @held: set to how many vCPUs are held (release exactly those)
 *
 * Takes each vCPU's mutex, which KVM_RUN and every vCPU ioctl hold: while
 * we have them, the guest cannot run, whatever the VMM does. A vCPU whose
 * mutex stays taken is in KVM_RUN (a kick only makes it exit to KVM, not
 * return), so its VMM let it run on after saying it paused it.
 * Trylocks only: the VMM's threads may hold one briefly, and a trylock
 * never waits on a lock order.
 *
 * Return: 0 with every vCPU held, or -EBUSY with none held.
 */
int lm_vm_hold_vcpus(struct lm_vm *vm, unsigned int *held)
{
	unsigned long until = jiffies + msecs_to_jiffies(LM_VCPU_HOLD_WAIT_MS);
	struct kvm *kvm = vm->kvm;
	struct kvm_vcpu *vcpu;
	unsigned int n = atomic_read(&kvm->online_vcpus), i;

	for (i = 0; i < n; i++) {
		vcpu = kvm_get_vcpu(kvm, i);
		while (vcpu && !mutex_trylock(&vcpu->mutex)) {
			if (time_after(jiffies, until)) {
				lm_vm_release_vcpus(vm, i);
				*held = 0;
				return -EBUSY;
			}
			kvm_vcpu_kick(vcpu);
			schedule_timeout_uninterruptible(1);
		}
	}
	*held = n;
	return 0;
}

/**
 * lm_vm_release_vcpus() - let the vCPUs held by lm_vm_hold_vcpus() go
 * @vm: the VM
 * @held: what it held
 */
void lm_vm_release_vcpus(struct lm_vm *vm, unsigned int held)
{
	struct kvm_vcpu *vcpu;
	unsigned int i;

	for (i = 0; i < held; i++) {
		vcpu = kvm_get_vcpu(vm->kvm, i);
		if (vcpu)
			mutex_unlock(&vcpu->mutex);
	}
}

/**
 * lm_vm_mm_enter() - work in the VMM's address space from a kthread
 * @vm: the VM
 *
 * Return: false if the VMM's address space is gone (it exited).
 */
bool lm_vm_mm_enter(struct lm_vm *vm)
{
	if (!mmget_not_zero(vm->kvm->mm))
		return false;
	kthread_use_mm(vm->kvm->mm);
	return true;
}

/**
 * lm_vm_mm_leave() - end lm_vm_mm_enter()
 * @vm: the VM
 */
void lm_vm_mm_leave(struct lm_vm *vm)
{
	kthread_unuse_mm(vm->kvm->mm);
	mmput(vm->kvm->mm);
}

/**
 * lm_vm_read_page() - copy one 4 KiB guest page, inside lm_vm_mm_enter()
 * @vm: the VM
 * @region: index in its regions
 * @index: page in the region
 * @buf: 4 KiB
 *
 * Reading an untouched anonymous page maps the shared zero page:
 * nothing is allocated for holes.
 *
 * Return: 0 or -EFAULT.
 */
int lm_vm_read_page(struct lm_vm *vm, unsigned int region, u32 index, void *buf)
{
	const struct lm_region *r = &vm->desc.regions[region];
	u64 hva = r->hva + (u64)index * LM_WIRE_PAGE_SIZE;

	if (copy_from_user(buf, u64_to_user_ptr(hva), LM_WIRE_PAGE_SIZE))
		return -EFAULT;
	return 0;
}

/**
 * lm_vm_write_page() - store one 4 KiB guest page, inside lm_vm_mm_enter()
 * @vm: the destination VM (paused: no vCPU runs, so KVM's dirty
 *	tracking is not involved; a plain user copy into its memory)
 * @region: index in its regions
 * @index: page in the region
 * @buf: 4 KiB, or NULL for a page of zeroes
 *
 * Return: 0 or -EFAULT.
 */
int lm_vm_write_page(struct lm_vm *vm, unsigned int region, u32 index,
		     const void *buf)
{
	const struct lm_region *r = &vm->desc.regions[region];
	void __user *p = u64_to_user_ptr(r->hva + (u64)index * LM_WIRE_PAGE_SIZE);

	if (!buf)
		return clear_user(p, LM_WIRE_PAGE_SIZE) ? -EFAULT : 0;
	return copy_to_user(p, buf, LM_WIRE_PAGE_SIZE) ? -EFAULT : 0;
}

/*
 * Dirty tracking of a source VM.
 *
 * The harvest thread is the only reader of the rings (a synchronous
 * harvest by the migration thread takes the same mutex). For each vCPU it
 * keeps its own fetch index, starting at the ring's reset index, reads the
 * flags with acquire and marks entries for reset with release. Order:
 * harvest -> reset -> publish bits -> (migration thread) take bit -> read
 * page, so a write after the read faults again and is harvested again.
 */

/* Pin and map the VMM's bitmap of region @i; inside lm_vm_mm_enter(). */
static int lm_dirty_map_vmm(struct lm_dirty *d, unsigned int i)
{
	const struct lm_region *r = &d->vm->desc.regions[i];
	unsigned long bytes = BITS_TO_LONGS(r->size >> PAGE_SHIFT) * sizeof(long);
	unsigned long start = r->dirty_bitmap & PAGE_MASK;
	unsigned int n = DIV_ROUND_UP(offset_in_page(r->dirty_bitmap) + bytes, PAGE_SIZE);
	struct page **pages;
	void *map;
	long got;

	if (!r->dirty_bitmap)
		return 0;
	if (!IS_ALIGNED(r->dirty_bitmap, sizeof(long)))
		return -EINVAL;
	pages = kvcalloc(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	got = pin_user_pages_fast(start, n, FOLL_WRITE | FOLL_LONGTERM, pages);
	if (got != n) {
		if (got > 0)
			unpin_user_pages(pages, got);
		kvfree(pages);
		return got < 0 ? got : -EFAULT;
	}
	map = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	if (!map) {
		unpin_user_pages(pages, n);
		kvfree(pages);
		return -ENOMEM;
	}
	lm_obj_count(LM_OBJ_PINNED, 1);
	d->vmm_pages[i] = pages;
	d->vmm_npages[i] = n;
	d->vmm_off[i] = offset_in_page(r->dirty_bitmap);
	d->vmm_map[i] = map + d->vmm_off[i];
	return 0;
}

static void lm_dirty_unmap_vmm(struct lm_dirty *d, unsigned int i)
{
	if (!d->vmm_map[i])
		return;
	vunmap((void *)d->vmm_map[i] - d->vmm_off[i]);
	unpin_user_pages_dirty_lock(d->vmm_pages[i], d->vmm_npages[i], true);
	kvfree(d->vmm_pages[i]);
	d->vmm_map[i] = NULL;
	lm_obj_count(LM_OBJ_PINNED, -1);
}

/* Publish one harvested ring entry as a bit; under kvm->srcu. */
static void lm_dirty_publish(struct lm_dirty *d, struct kvm *kvm, u32 slot,
			     u64 offset)
{
	const struct lm_vm_desc *desc = &d->vm->desc;
	struct kvm_memory_slot *ms;
	unsigned int i;
	u64 gpa;

	ms = id_to_memslot(__kvm_memslots(kvm, slot >> 16), (u16)slot);
	if (!ms || offset >= ms->npages) {
		atomic64_inc(&d->unmapped);
		return;
	}
	gpa = (ms->base_gfn + offset) << PAGE_SHIFT;
	for (i = 0; i < desc->n_regions; i++) {
		const struct lm_region *r = &desc->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size) {
			set_bit((gpa - r->gpa) >> PAGE_SHIFT, d->bits[i]);
			return;
		}
	}
	/* Outside every region (a ROM, say): not guest RAM we move. */
}

/*
 * Every entry we took must be reset now: one that is not keeps its page
 * writable, and the guest's next writes to it would never be logged.
 */
static int lm_dirty_check_reset(struct lm_dirty *d)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_for_each_vcpu(i, vcpu, d->vm->kvm) {
		if (i >= KVM_MAX_VCPUS || !vcpu->dirty_ring.dirty_gfns ||
		    !test_bit(i, d->seen))
			continue;
		if (READ_ONCE(vcpu->dirty_ring.reset_index) != d->fetch[i]) {
			pr_warn_ratelimited("VM %s: vCPU %lu: dirty ring reset to %u, harvested to %u\n",
					    d->vm->desc.name, i,
					    READ_ONCE(vcpu->dirty_ring.reset_index),
					    d->fetch[i]);
			return -EIO;
		}
	}
	return 0;
}

/* One pass over the rings and the VMM's bitmaps; d->lock held. */
static int __lm_dirty_harvest(struct lm_dirty *d)
{
	struct lm_vm *vm = d->vm;
	struct kvm *kvm = vm->kvm;
	struct kvm_vcpu *vcpu;
	unsigned long i, w;
	u32 n = 0, k;
	int found = 0, idx, err = 0;

	if (!lm_vm_mm_enter(vm))
		return -ESRCH;
	kvm_for_each_vcpu(i, vcpu, kvm) {
		struct kvm_dirty_ring *ring = &vcpu->dirty_ring;

		if (i >= KVM_MAX_VCPUS || !ring->dirty_gfns)
			continue;
		if (!test_and_set_bit(i, d->seen))
			d->fetch[i] = READ_ONCE(ring->reset_index);
		while (n < d->pend_max) {
			struct kvm_dirty_gfn *e =
				&ring->dirty_gfns[d->fetch[i] & (ring->size - 1)];

			/* Pairs with KVM's release when it publishes the entry. */
			if (!(smp_load_acquire(&e->flags) & KVM_DIRTY_GFN_F_DIRTY))
				break;
			d->pend[n].slot = READ_ONCE(e->slot);
			d->pend[n].offset = READ_ONCE(e->offset);
			n++;
			/* Slot and offset are read before KVM may reuse the entry. */
			smp_store_release(&e->flags, KVM_DIRTY_GFN_F_RESET);
			d->fetch[i]++;
		}
	}
	/* Reset before publishing: see the comment above. Never under srcu. */
	if (n) {
		err = vm->file->f_op->unlocked_ioctl(vm->file, KVM_RESET_DIRTY_RINGS, 0);
		if (err < 0)
			goto out;
		err = lm_dirty_check_reset(d);
		if (err)
			goto out;
	}
	/* The VMM sets bits after its writes; take them atomically. */
	for (k = 0; k < vm->desc.n_regions; k++) {
		unsigned long words;

		if (!d->vmm_map[k])
			continue;
		words = BITS_TO_LONGS(vm->desc.regions[k].size >> PAGE_SHIFT);
		for (w = 0; w < words; w++) {
			unsigned long v;

			if (!READ_ONCE(d->vmm_map[k][w]))
				continue;
			v = xchg(&d->vmm_map[k][w], 0);
			found += hweight_long(v);
			atomic_long_or(v, (atomic_long_t *)&d->bits[k][w]);
		}
	}
out:
	lm_vm_mm_leave(vm);
	if (err)
		return err;

	idx = srcu_read_lock(&kvm->srcu);
	for (k = 0; k < n; k++)
		lm_dirty_publish(d, kvm, d->pend[k].slot, d->pend[k].offset);
	srcu_read_unlock(&kvm->srcu, idx);
	atomic64_add(n + found, &d->harvested);
	return n + found;
}

/**
 * lm_dirty_harvest() - harvest now, from the migration thread
 * @d: the VM's dirty tracking
 *
 * Return: entries and bits found, or a negative errno.
 */
int lm_dirty_harvest(struct lm_dirty *d)
{
	int n;

	mutex_lock(&d->lock);
	n = __lm_dirty_harvest(d);
	if (n < 0 && !d->err)
		d->err = n;
	mutex_unlock(&d->lock);
	return n;
}

/* Harvest continuously, so a full ring never waits for a round to end. */
static int lm_dirty_thread(void *arg)
{
	struct lm_dirty *d = arg;

	while (!kthread_should_stop()) {
		int n;

		if (lm_fault_harvest_parked()) {
			schedule_timeout_interruptible(msecs_to_jiffies(5));
			continue;
		}
		n = lm_dirty_harvest(d);

		if (n < 0) {
			/* The VMM is gone or KVM refused: the migration sees d->err. */
			while (!kthread_should_stop())
				schedule_timeout_interruptible(HZ / 10);
			break;
		}
		/* Busy guests: come back soon; idle ones: rest. */
		schedule_timeout_interruptible(n ? 1 : msecs_to_jiffies(5));
	}
	return 0;
}

/**
 * lm_dirty_count() - pages currently marked dirty and not yet taken
 * @d: the VM's dirty tracking
 *
 * Return: the count.
 */
u64 lm_dirty_count(const struct lm_dirty *d)
{
	const struct lm_vm_desc *desc = &d->vm->desc;
	u64 n = 0;
	unsigned int i;

	for (i = 0; i < desc->n_regions; i++)
		n += bitmap_weight(d->bits[i], desc->regions[i].size >> PAGE_SHIFT);
	return n;
}

static u64 lm_vm_memslots_gen(struct kvm *kvm)
{
	u64 gen;
	int idx;

	idx = srcu_read_lock(&kvm->srcu);
	gen = __kvm_memslots(kvm, 0)->generation;
	srcu_read_unlock(&kvm->srcu, idx);
	return gen;
}

/**
 * lm_dirty_layout() - did the VMM change the VM's memory layout?
 * @d: the VM's dirty tracking
 * @why: set to a sentence when the layout no longer fits the regions
 *
 * A VMM may remap a memslot, add one or turn its dirty logging off at any
 * time. Dirty ring entries then name slots that moved, and a slot that
 * stopped logging reports nothing: pages could be skipped silently. So
 * when KVM's memslot generation moved, the regions are checked again
 * (where each byte is, and that it is logged), and if they still fit,
 * every page is marked dirty to be sent again.
 *
 * Return: 0 unchanged, 1 changed and every page marked to be sent again,
 * -EINVAL when the layout no longer fits (@why says how).
 */
int lm_dirty_layout(struct lm_dirty *d, const char **why)
{
	const struct lm_vm_desc *desc = &d->vm->desc;
	struct kvm *kvm = d->vm->kvm;
	unsigned int i;
	int err = 0;
	u64 gen;

	/* Read before the check: a change after it shows up next time. */
	gen = lm_vm_memslots_gen(kvm);
	if (gen == d->gen)
		return 0;
	for (i = 0; i < desc->n_regions && !err; i++)
		err = lm_vm_check_region(kvm, &desc->regions[i], true, why);
	if (err)
		return err;
	mutex_lock(&d->lock);
	for (i = 0; i < desc->n_regions; i++)
		bitmap_fill(d->bits[i], desc->regions[i].size >> PAGE_SHIFT);
	mutex_unlock(&d->lock);
	d->gen = gen;
	return 1;
}

/**
 * lm_dirty_start() - start tracking what a source VM dirties
 * @vm: the VM (a reference held by the caller); dirty logging is on
 * @dp: set to the tracking
 * @e: filled on failure
 *
 * Pins the VMM's dirty bitmaps and starts the harvest thread.
 *
 * Return: 0 or a negative errno.
 */
int lm_dirty_start(struct lm_vm *vm, struct lm_dirty **dp, struct lm_err *e)
{
	const u8 phase = LM_PHASE_PRECOPY;
	struct lm_dirty *d;
	const char *why;
	unsigned int i;
	int err = -ENOMEM;

	/* A slot that does not log would hide every page written in it. */
	for (i = 0; i < vm->desc.n_regions; i++)
		if (lm_vm_check_region(vm->kvm, &vm->desc.regions[i], true, &why))
			return lm_err_set(e, EINVAL, phase,
					  "the VMM of %s acknowledged PREPARE, but its memory does not fit: %s",
					  vm->desc.name, why);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return lm_err_set(e, ENOMEM, phase, "out of memory");
	lm_obj_count(LM_OBJ_DIRTY, 1);
	d->vm = vm;
	/* Logging is on (PREPARE): the layout every later check expects. */
	d->gen = lm_vm_memslots_gen(vm->kvm);
	mutex_init(&d->lock);
	d->fetch = kcalloc(KVM_MAX_VCPUS, sizeof(*d->fetch), GFP_KERNEL);
	d->seen = bitmap_zalloc(KVM_MAX_VCPUS, GFP_KERNEL);
	/* One pass takes at most one full ring per vCPU. */
	d->pend_max = max_t(u32, 1, atomic_read(&vm->kvm->online_vcpus)) *
		      (vm->kvm->dirty_ring_size / sizeof(struct kvm_dirty_gfn));
	d->pend = kvcalloc(d->pend_max, sizeof(*d->pend), GFP_KERNEL);
	if (!d->fetch || !d->seen || !d->pend)
		goto fail;
	for (i = 0; i < vm->desc.n_regions; i++) {
		d->bits[i] = bitmap_zalloc(vm->desc.regions[i].size >> PAGE_SHIFT,
					   GFP_KERNEL);
		if (!d->bits[i])
			goto fail;
	}
	if (!lm_vm_mm_enter(vm)) {
		err = -ESRCH;
		goto fail;
	}
	err = 0;
	for (i = 0; i < vm->desc.n_regions && !err; i++)
		err = lm_dirty_map_vmm(d, i);
	lm_vm_mm_leave(vm);
	if (err)
		goto fail;
	d->thread = kthread_run(lm_dirty_thread, d, "livemig-harvest");
	if (IS_ERR(d->thread)) {
		err = PTR_ERR(d->thread);
		d->thread = NULL;
		goto fail;
	}
	*dp = d;
	return 0;

fail:
	lm_dirty_stop(d);
	if (err == -ESRCH)
		return lm_err_set(e, ESRCH, phase, "the VMM of %s is gone", vm->desc.name);
	return lm_err_set(e, -err, phase, "could not track dirty pages of %s (error %d)",
			  vm->desc.name, -err);
}

/**
 * lm_dirty_stop_thread() - stop the harvest thread; harvests are then
 *	only the caller's
 * @d: the tracking
 */
void lm_dirty_stop_thread(struct lm_dirty *d)
{
	if (d->thread)
		kthread_stop(d->thread);
	d->thread = NULL;
}

/**
 * lm_dirty_stop() - stop tracking; the rings are left reset
 * @d: the tracking, or NULL
 *
 * A last harvest resets what the guest dirtied meanwhile, so that a VM
 * resuming on the source with logging still on does not start with
 * full rings.
 */
void lm_dirty_stop(struct lm_dirty *d)
{
	unsigned int i;

	if (!d)
		return;
	lm_dirty_stop_thread(d);
	if (d->fetch && d->seen && d->pend)
		lm_dirty_harvest(d);
	/* Pinned pages and our mapping of them outlive the VMM's mm. */
	for (i = 0; i < d->vm->desc.n_regions; i++)
		lm_dirty_unmap_vmm(d, i);
	for (i = 0; i < LIVEMIG_VM_REGIONS_MAX; i++)
		bitmap_free(d->bits[i]);
	kvfree(d->pend);
	bitmap_free(d->seen);
	kfree(d->fetch);
	kfree(d);
	lm_obj_count(LM_OBJ_DIRTY, -1);
}
