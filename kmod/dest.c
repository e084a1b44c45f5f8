// SPDX-License-Identifier: GPL-2.0
/*
 * livemig: the destination's side of a migration.
 *
 * Every accepted connection gets a thread that runs the handshake and
 * reads the first message, which says what the connection is for:
 *   SETUP   - the control connection of a new incoming migration;
 *   JOIN    - a data connection of one already accepted;
 *   OUTCOME - a source in doubt asking what became of a migration.
 *
 * Pages are written straight into the destination VMM's memory (its VM
 * is paused until RUN). A page is applied only if its round is newer than
 * what the page holds, so data streams may reorder freely. The VM runs
 * only after COMMIT; anything else before that discards it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/lz4.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "fault.h"
#include "mig.h"

/*
 * Connections not yet authenticated: at most LM_PENDING_MAX in all, and
 * LM_PENDING_PER_PEER from any one address, so that one peer flooding the
 * port or trickling bytes cannot keep the others out. Each holds its slot
 * for at most LM_HANDSHAKE_TIMEOUT.
 */
#define LM_PENDING_MAX		32
#define LM_PENDING_PER_PEER	8

/**
 * struct lm_pending - a slot of an unauthenticated connection
 * @net: the host's namespace (hosts share the table)
 * @addr: the peer's address (its port left out)
 */
struct lm_pending {
	struct net *net;
	struct sockaddr_storage addr;
};

static DEFINE_SPINLOCK(lm_pending_lock);
static struct lm_pending lm_pending[LM_PENDING_MAX];

/**
 * struct lm_in - an accepted connection before it says what it is for
 * @host: its host
 * @sock: the socket
 * @slot: its entry in lm_pending until authenticated, or NULL after
 */
struct lm_in {
	struct lm_host *host;
	struct socket *sock;
	struct lm_pending *slot;
};

static bool lm_same_addr(const struct sockaddr_storage *a,
			 const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return ipv6_addr_equal(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr);
}

/* A slot for a new connection from @addr, or NULL if it must be refused. */
static struct lm_pending *lm_pending_take(struct net *net,
					  const struct sockaddr_storage *addr)
{
	struct lm_pending *slot = NULL;
	unsigned int i, same = 0;

	spin_lock(&lm_pending_lock);
	for (i = 0; i < LM_PENDING_MAX; i++) {
		struct lm_pending *p = &lm_pending[i];

		if (!p->net)
			slot = slot ?: p;
		else if (p->net == net && lm_same_addr(&p->addr, addr))
			same++;
	}
	if (same >= LM_PENDING_PER_PEER)
		slot = NULL;
	if (slot) {
		slot->net = net;
		slot->addr = *addr;
	}
	spin_unlock(&lm_pending_lock);
	return slot;
}

static void lm_pending_put(struct lm_pending *slot)
{
	if (!slot)
		return;
	spin_lock(&lm_pending_lock);
	slot->net = NULL;
	spin_unlock(&lm_pending_lock);
}

/**
 * lm_mig_find_incoming() - the incoming migration a destination VMM attaches to
 * @host: the host; its lock held
 * @id: the migration's local id
 * @desc: the VM as the destination VMM registers it
 * @why: a sentence when refused
 *
 * The VMM's regions must be the announced ones (same ids, guest
 * addresses and sizes; host addresses are its own business).
 *
 * Return: the migration (no reference taken) or an ERR_PTR.
 */
struct lm_mig *lm_mig_find_incoming(struct lm_host *host, u32 id,
				    const struct lm_vm_desc *desc,
				    const char **why)
{
	struct lm_mig *mig = lm_mig_find(host, id);
	unsigned int i, j;

	lockdep_assert_held(&host->lock);
	if (!mig || mig->dir != LIVEMIG_DIR_IN || mig->t_end || mig->vm ||
	    mig->refused || READ_ONCE(mig->state) != LIVEMIG_MIG_SETUP) {
		*why = "mig-id: no incoming migration with that id is waiting for a VMM";
		return ERR_PTR(-ENOENT);
	}
	if (strcmp(desc->name, mig->vm_name)) {
		*why = "vm-name: not the name of the incoming VM";
		return ERR_PTR(-EINVAL);
	}
	if (desc->n_regions != mig->desc->n_regions) {
		*why = "vm-regions: not the regions the source announced (count)";
		return ERR_PTR(-EINVAL);
	}
	for (i = 0; i < mig->desc->n_regions; i++) {
		const struct lm_region *src = &mig->desc->regions[i];

		for (j = 0; j < desc->n_regions; j++)
			if (desc->regions[j].id == src->id)
				break;
		if (j == desc->n_regions || desc->regions[j].gpa != src->gpa ||
		    desc->regions[j].size != src->size) {
			*why = "vm-regions: not the regions the source announced";
			return ERR_PTR(-EINVAL);
		}
		mig->rmap[i] = j;
	}
	return mig;
}

/**
 * lm_mig_attached() - a destination VM is registered for its migration
 * @mig: from lm_mig_find_incoming(), host lock still held
 * @vm: the VM, registered
 */
void lm_mig_attached(struct lm_mig *mig, struct lm_vm *vm)
{
	lockdep_assert_held(&mig->host->lock);
	lm_vm_get(vm);
	mig->vm = vm;
	vm->mig = mig;
	wake_up_all(&mig->wq);
}

/**
 * lm_mig_refuse() - the agent or VMM refuses an incoming migration
 * @host: the caller's host
 * @id: the migration
 * @reason: sent to the source
 * @why: a sentence when refused
 *
 * Return: 0 or -ENOENT.
 */
int lm_mig_refuse(struct lm_host *host, u32 id, const char *reason,
		  const char **why)
{
	struct lm_mig *mig;
	int err = 0;

	mutex_lock(&host->lock);
	mig = lm_mig_find(host, id);
	if (!mig || mig->dir != LIVEMIG_DIR_IN || mig->t_end || mig->vm) {
		*why = "mig-id: no incoming migration with that id is waiting for a VMM";
		err = -ENOENT;
	} else {
		strscpy(mig->refuse_reason, reason, sizeof(mig->refuse_reason));
		mig->refused = true;
		wake_up_all(&mig->wq);
	}
	mutex_unlock(&host->lock);
	return err;
}

/* One page from the wire into the VM, if newer than what it holds. */
static int lm_in_apply(struct lm_mig *mig, struct lm_vm *vm,
		       const struct lm_page_entry *e, const u8 *page)
{
	struct mutex *lock = &mig->page_lock[(e->index ^ (e->region << 7)) % LM_PAGE_LOCKS];
	u32 *held = &mig->held[e->region][e->index];
	int err = 0;

	mutex_lock(lock);
	if (e->round + 1 > *held) {
		/* Fresh destination memory is zero: a first zero marker is a no-op. */
		if (page || *held)
			err = lm_vm_write_page(vm, mig->rmap[e->region], e->index, page);
		if (!err)
			*held = e->round + 1;
	}
	mutex_unlock(lock);
	return err;
}

/* A fault point of the test build made this step fail. */
static int lm_in_fault(struct lm_err *e, u8 phase)
{
	return lm_err_set(e, EIO, phase, "fault injected (test build)");
}

/* A PAGES message: decode, check, decompress, digest, apply to @vm. */
static int lm_in_pages(struct lm_mig *mig, struct lm_vm *vm, struct lm_conn *c,
		       u32 len, struct lm_digest *dg, u64 *pages, u8 *page)
{
	struct lm_pages_reader r;
	struct lm_page_entry e;
	u64 n = 0, zero = 0;
	u32 round = 0;
	const u8 *data;
	int ret;

	ret = lm_pages_start(&r, c->buf, len);
	if (ret)
		return ret;
	if (!lm_vm_mm_enter(vm))
		return -ESRCH;
	while ((ret = lm_pages_next(&r, mig->desc, &e)) == 1) {
		if (e.round >= U32_MAX - 1) {
			ret = -EINVAL;
			break;
		}
		data = NULL;
		if (e.enc == LM_PAGE_RAW) {
			data = e.data;
		} else if (e.enc == LM_PAGE_LZ4) {
			/* Exactly one page, or the peer lies. */
			if (LZ4_decompress_safe(e.data, page, e.len, LM_WIRE_PAGE_SIZE) !=
			    LM_WIRE_PAGE_SIZE) {
				ret = -EINVAL;
				break;
			}
			data = page;
		}
		lm_digest_page(dg, e.region, e.index, e.round, data);
		ret = lm_in_apply(mig, vm, &e, data);
		if (ret)
			break;
		n++;
		zero += !data;
		round = max(round, e.round);
	}
	lm_vm_mm_leave(vm);
	*pages += n;
	/* Several streams count into one set of statistics. */
	spin_lock(&mig->stats_lock);
	WRITE_ONCE(mig->stats.pages_sent, mig->stats.pages_sent + n);
	WRITE_ONCE(mig->stats.pages_zero, mig->stats.pages_zero + zero);
	WRITE_ONCE(mig->stats.round, max(mig->stats.round, round));
	WRITE_ONCE(mig->stats.wire_bytes, mig->stats.wire_bytes + LM_MSG_HDR_LEN + len);
	spin_unlock(&mig->stats_lock);
	return ret;
}

/* The first failure of a data stream says why the migration failed. */
static void lm_in_stream_failed(struct lm_mig *mig, const char *why)
{
	lockdep_assert_held(&mig->host->lock);
	if (!mig->stream_err)
		strscpy(mig->stream_why, why, sizeof(mig->stream_why));
	mig->stream_err = true;
}

/* A data connection: pages until STREAM_END. */
static void lm_in_data(struct lm_host *host, struct lm_conn *c, u32 len)
{
	struct lm_digest dg;
	struct lm_stream_end se;
	struct lm_msg_hdr hdr;
	struct lm_err se_err = { .msg = "a data stream failed" };
	struct lm_join j;
	struct lm_mig *mig;
	struct lm_vm *vm;
	u32 round;
	u64 pages = 0;
	unsigned int first_pages = 0;
	u8 *page = NULL;
	bool ok = false, last = false;
	int err;

	if (lm_join_decode(c->buf, len, &j))
		return;
	if (lm_conn_grow(c, LM_DATA_BUF)) {
		lm_conn_abort(c, ENOMEM, LM_PHASE_SETUP, "out of memory");
		return;
	}
	mutex_lock(&host->lock);
	mig = lm_mig_find_uuid(host, j.uuid);
	if (mig && (mig->t_end || !mig->accepting ||
		    (mig->streams && mig->streams != j.streams) ||
		    test_and_set_bit(j.stream, &mig->joined)))
		mig = NULL;
	if (mig) {
		mig->streams = j.streams;
		lm_mig_get(mig);
		/* Ours, for as long as we write: the migration may end first. */
		vm = mig->vm;
		lm_vm_get(vm);
	}
	mutex_unlock(&host->lock);
	if (!mig) {
		lm_conn_abort(c, ENOENT, LM_PHASE_SETUP,
			      "JOIN names no incoming migration that expects this stream");
		return;
	}
	lm_mig_set_conn(mig, &mig->data[j.stream], c);
	mutex_lock(&mig->conn_lock);
	mig->n_data = max(mig->n_data, (unsigned int)j.stream + 1);
	mutex_unlock(&mig->conn_lock);
	/* The control thread waits for every stream before it reads again. */
	wake_up_all(&mig->wq);

	page = kmalloc(LM_WIRE_PAGE_SIZE, GFP_KERNEL);
	lm_digest_init(&dg);
	while (page && !lm_mig_stop_requested(mig)) {
		err = lm_conn_recv(c, &hdr);
		if (err) {
			lm_err_io(&se_err, c, err, LM_PHASE_PRECOPY);
			break;
		}
		if (hdr.type == LM_MSG_PAGES) {
			err = lm_in_pages(mig, vm, c, hdr.len, &dg, &pages, page);
			if (err == -ESRCH) {
				lm_err_set(&se_err, ESRCH, LM_PHASE_PRECOPY,
					   "the VMM of %s is gone", mig->vm_name);
				break;
			}
			if (err) {
				lm_err_set(&se_err, -err, LM_PHASE_PRECOPY,
					   "data stream %u from %s sent a bad PAGES batch (error %d)",
					   j.stream, c->peer, err);
				break;
			}
			if (!first_pages++ && lm_fault(mig, LM_FAULT_DST_PAGES)) {
				lm_err_set(&se_err, EIO, LM_PHASE_PRECOPY,
					   "data stream %u: fault injected (test build)", j.stream);
				break;
			}
			continue;
		}
		if (hdr.type == LM_MSG_ROUND_END &&
		    !lm_round_end_decode(c->buf, hdr.len, &round))
			continue;
		if (hdr.type == LM_MSG_STREAM_END) {
			ok = !lm_stream_end_decode(c->buf, hdr.len, &se) &&
			     se.pages == pages && se.digest == lm_digest_final(&dg);
			if (!ok)
				lm_err_set(&se_err, EPROTO, LM_PHASE_STOPCOPY,
					   "data stream %u from %s ended with a count or digest that does not match its %llu pages",
					   j.stream, c->peer, pages);
			break;
		}
		/* Anything else (ABORT included) ends the stream as failed. */
		lm_err_set(&se_err, EPROTO, LM_PHASE_PRECOPY,
			   "data stream %u from %s sent a malformed or unexpected message (type %u)",
			   j.stream, c->peer, hdr.type);
		break;
	}
	kfree(page);
	mutex_lock(&mig->conn_lock);
	mig->data[j.stream] = NULL;
	mutex_unlock(&mig->conn_lock);
	mutex_lock(&host->lock);
	if (ok)
		last = ++mig->ended == mig->streams;
	else
		lm_in_stream_failed(mig, se_err.msg);
	mutex_unlock(&host->lock);
	wake_up_all(&mig->wq);
	/* The last stream to end keeps watch for the state, boundedly. */
	if (last) {
		ok = wait_event_timeout(mig->wq, READ_ONCE(mig->state_done) ||
					lm_mig_stop_requested(mig), LM_IO_TIMEOUT) &&
		     READ_ONCE(mig->state_done);
		mutex_lock(&host->lock);
		if (!ok)
			lm_in_stream_failed(mig, "every page came, not the whole state");
		mutex_unlock(&host->lock);
	}
	/*
	 * A failed stream (or a missing state) wakes the control thread, which
	 * can still tell the source why.
	 */
	if (!ok) {
		mutex_lock(&mig->conn_lock);
		lm_conn_wake_reader(mig->ctrl);
		mutex_unlock(&mig->conn_lock);
	}
	lm_vm_put(vm);
	lm_mig_put(mig);
}

/* The host's migration addresses, by priority, for further streams. */
static void lm_in_addrs(struct lm_host *host, struct lm_conn *c,
			struct lm_accept *acc)
{
	struct sockaddr_storage ss;

	mutex_lock(&host->lock);
	lm_listen_addrs(host, acc);
	mutex_unlock(&host->lock);
	if (acc->n_addrs || kernel_getsockname(c->sock, (struct sockaddr *)&ss) < 0)
		return;
	/* "any": the address this connection came to is one that works. */
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		acc->addrs[0].family = 4;
		memcpy(acc->addrs[0].addr, &sin->sin_addr, 4);
		acc->addrs[0].port = ntohs(sin->sin_port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		acc->addrs[0].family = 6;
		memcpy(acc->addrs[0].addr, &sin6->sin6_addr, 16);
		acc->addrs[0].port = ntohs(sin6->sin6_port);
	}
	acc->n_addrs = 1;
}

/* Admission of a SETUP; host lock held. */
static int lm_in_admit(struct lm_host *host, struct lm_mig *mig, u64 memory,
		       struct lm_err *e)
{
	const u8 phase = LM_PHASE_SETUP;
	unsigned int active = 0;
	struct lm_mig *other;
	u64 avail;

	/*
	 * Only a new migration is refused here: the data streams of one
	 * under way still join, and a source in doubt still asks (OUTCOME).
	 */
	if (!host->cfg.enabled)
		return lm_err_set(e, EACCES, phase, "migrations are disabled on this host");
	if (lm_mig_find_uuid(host, mig->uuid))
		return lm_err_set(e, EEXIST, phase, "%s already knows this migration's id",
				  mig->cfg->host_name);
	if (lm_vm_find(host, mig->vm_name))
		return lm_err_set(e, EEXIST, phase, "a VM named %s already exists on %s",
				  mig->vm_name, mig->cfg->host_name);
	list_for_each_entry(other, &host->migs, node)
		active += other->dir == LIVEMIG_DIR_IN && other->active;
	if (active >= host->cfg.max_migrations)
		return -EBUSY;
	avail = (u64)si_mem_available() << PAGE_SHIFT;
	if (avail < memory)
		return lm_err_set(e, ENOMEM, phase,
				  "not enough free memory on %s for %s: %llu MiB needed, %llu MiB available",
				  mig->cfg->host_name, mig->vm_name, memory >> 20, avail >> 20);
	if (!host->agent_sk || sock_flag(host->agent_sk, SOCK_DEAD))
		return lm_err_set(e, ESRCH, phase,
				  "no agent runs on %s to start a VMM (lmctl agent --exec CMD)",
				  mig->cfg->host_name);
	return 0;
}

/*
 * The control connection failed, or was woken because a data stream did:
 * the stream's reason, if it has one, is the real one.
 */
static int lm_in_ctrl_err(struct lm_mig *mig, struct lm_conn *c, int err,
			  struct lm_err *e)
{
	const u8 phase = lm_mig_phase(READ_ONCE(mig->state));
	char why[LM_ERR_MAX];

	mutex_lock(&mig->host->lock);
	strscpy(why, mig->stream_err ? mig->stream_why : "", sizeof(why));
	mutex_unlock(&mig->host->lock);
	if (why[0])
		return lm_err_set(e, EPROTO, phase, "%s", why);
	if (c)
		return lm_err_io(e, c, err, phase);
	return lm_err_set(e, EIO, phase, "a data stream failed");
}

/* Wait for every data stream's checked end, or a failure. */
static int lm_in_wait_streams(struct lm_mig *mig, struct lm_err *e)
{
	wait_event_timeout(mig->wq, READ_ONCE(mig->stream_err) || lm_mig_stop_requested(mig) ||
			   (mig->streams && READ_ONCE(mig->ended) == mig->streams),
			   LM_IO_TIMEOUT);
	if (mig->streams && READ_ONCE(mig->ended) == mig->streams && !mig->stream_err)
		return 0;
	return lm_in_ctrl_err(mig, NULL, -EIO, e);
}

static bool lm_in_attached(struct lm_mig *mig)
{
	return READ_ONCE(mig->vm) || READ_ONCE(mig->refused);
}

static bool lm_in_joined(struct lm_mig *mig)
{
	return READ_ONCE(mig->stream_err) ||
	       (mig->streams && hweight_long(READ_ONCE(mig->joined)) == mig->streams);
}

/* How often a quiet control connection is looked at (lm_in_wait_quiet()). */
#define LM_IN_WATCH	(HZ / 10)

/*
 * Wait up to @timeout for @done, or a stop, while the source should be
 * quiet on the control connection (in setup). Whatever it sends meanwhile
 * (its ABORT), or its end, is read at once, so a source that gives up in
 * setup does not leave this side, and the VMM its agent started, waiting
 * for the whole timeout. No socket callback wakes us (kernel TLS owns
 * those), so the connection is looked at every LM_IN_WATCH.
 *
 * Return: 0 when @done, a stop or the timeout came (the caller tells them
 * apart); 1 when a message came first, its header in @hdr and its payload
 * in @c->buf, for the caller to judge; or a negative errno with @e filled
 * when the source went away.
 */
static int lm_in_wait_quiet(struct lm_mig *mig, struct lm_conn *c,
			    bool (*done)(struct lm_mig *mig), long timeout,
			    struct lm_msg_hdr *hdr, struct lm_err *e)
{
	const unsigned long end = jiffies + timeout;
	long left;
	int err;

	for (;;) {
		if (done(mig) || lm_mig_stop_requested(mig))
			return 0;
		if (lm_conn_has_input(c)) {
			err = lm_conn_recv(c, hdr);
			return err ? lm_in_ctrl_err(mig, c, err, e) : 1;
		}
		left = (long)(end - jiffies);
		if (left <= 0)
			return 0;
		wait_event_timeout(mig->wq, done(mig) || lm_mig_stop_requested(mig),
				   min(left, (long)LM_IN_WATCH));
	}
}

static int lm_in_run(struct lm_mig *mig, struct lm_conn *c, struct lm_err *e)
{
	struct lm_host *host = mig->host;
	struct lm_state_chunk sc;
	struct lm_msg_hdr hdr;
	struct lm_accept *acc;
	const char *why = NULL;
	u32 total = 0;
	unsigned int i;
	int err, werr, early, len;
	u8 *buf;

	if (lm_fault(mig, LM_FAULT_DST_ADMITTED))
		return lm_in_fault(e, LM_PHASE_SETUP);
	if (lm_nl_incoming(mig))
		return lm_err_set(e, ESRCH, LM_PHASE_SETUP,
				  "the agent on %s could not be told (it exited?)",
				  mig->cfg->host_name);
	/* The source waits for our ACCEPT: any message now is its ABORT. */
	werr = lm_in_wait_quiet(mig, c, lm_in_attached, LM_VMM_TIMEOUT, &hdr, e);
	if (werr > 0)
		werr = lm_conn_expect_hdr(c, 0, &hdr, e, LM_PHASE_SETUP);
	mutex_lock(&host->lock);
	err = mig->vm ? 0 : -ESRCH;
	if (err && !mig->refused)
		/* Too late now: a VMM attaching after this is refused. */
		mig->refused = true;
	mutex_unlock(&host->lock);
	if (werr)
		return werr;
	if (err && mig->refuse_reason[0])
		return lm_err_set(e, ECONNREFUSED, LM_PHASE_SETUP, "its VMM refused: %s",
				  mig->refuse_reason);
	if (err)
		return lm_err_set(e, ETIMEDOUT, LM_PHASE_SETUP,
				  "no VMM attached on %s within %d s", mig->cfg->host_name,
				  LM_VMM_TIMEOUT / HZ);

	if (lm_fault(mig, LM_FAULT_DST_ATTACHED))
		return lm_in_fault(e, LM_PHASE_SETUP);
	for (i = 0; i < mig->desc->n_regions; i++) {
		mig->held[i] = kvcalloc(mig->desc->regions[i].size >> PAGE_SHIFT,
					sizeof(u32), GFP_KERNEL);
		if (!mig->held[i])
			return lm_err_set(e, ENOMEM, LM_PHASE_SETUP, "out of memory on %s",
					  mig->cfg->host_name);
	}
	acc = kzalloc(sizeof(*acc), GFP_KERNEL);
	buf = kmalloc(512, GFP_KERNEL);
	if (!acc || !buf) {
		kfree(acc);
		kfree(buf);
		return lm_err_set(e, ENOMEM, LM_PHASE_SETUP, "out of memory on %s",
				  mig->cfg->host_name);
	}
	lm_in_addrs(host, c, acc);
	/* @held is in place: from now on data streams may join. */
	mutex_lock(&host->lock);
	mig->accepting = true;
	mutex_unlock(&host->lock);
	len = lm_accept_encode(buf, 512, acc);
	err = len < 0 ? len : lm_conn_send(c, LM_MSG_ACCEPT, buf, len);
	kfree(acc);
	kfree(buf);
	if (err)
		return lm_err_io(e, c, err, LM_PHASE_SETUP);
	lm_mig_set_state(mig, LIVEMIG_MIG_PRECOPY);

	/*
	 * The source sends its state once its pages are out, and that can be
	 * before every stream's JOIN was read here: then the first STATE chunk
	 * waits in the buffer for the loop below. Anything else is its ABORT.
	 */
	early = lm_in_wait_quiet(mig, c, lm_in_joined, LM_IO_TIMEOUT, &hdr, e);
	if (early < 0)
		return early;
	if (early && hdr.type != LM_MSG_STATE)
		return lm_conn_expect_hdr(c, LM_MSG_STATE, &hdr, e, LM_PHASE_PRECOPY);
	if (early)
		wait_event_timeout(mig->wq, lm_in_joined(mig) || lm_mig_stop_requested(mig),
				   LM_IO_TIMEOUT);
	if (!mig->streams || hweight_long(READ_ONCE(mig->joined)) != mig->streams)
		return lm_err_set(e, ETIMEDOUT, LM_PHASE_PRECOPY,
				  "%s: the source's data streams did not all join",
				  mig->cfg->host_name);
	/*
	 * The control connection is silent while pages flow, for as long as
	 * pre-copy takes: the data streams, each with its own timeout, watch
	 * the peer meanwhile and shut this connection down if they fail; the
	 * last one to end watches for the state (lm_in_data()).
	 */
	lm_conn_set_timeout(c, MAX_SCHEDULE_TIMEOUT);

	/* The state comes last, after the pages; then the streams' ends. */
	for (;; early = 0) {
		err = early ? 0 : lm_conn_recv(c, &hdr);
		if (err)
			return lm_in_ctrl_err(mig, c, err, e);
		if (hdr.type != LM_MSG_STATE)
			return lm_conn_expect_hdr(c, LM_MSG_STATE, &hdr, e, LM_PHASE_PRECOPY);
		lm_mig_set_state(mig, LIVEMIG_MIG_STOPCOPY);
		if (lm_state_chunk_decode(c->buf, hdr.len, &sc))
			return lm_err_set(e, EPROTO, LM_PHASE_STOPCOPY,
					  "the source sent a malformed STATE chunk");
		if (!sc.total)
			return lm_err_set(e, EPROTO, LM_PHASE_STOPCOPY,
					  "the source sent an empty state");
		/* Every chunk announces the same whole. */
		if (total && sc.total != total)
			return lm_err_set(e, EPROTO, LM_PHASE_STOPCOPY,
					  "the source's STATE chunks disagree on the state's size (%u, then %u)",
					  total, sc.total);
		total = sc.total;
		if (lm_vm_state_append(mig->vm, sc.offset, sc.data, sc.len))
			return lm_err_set(e, EPROTO, LM_PHASE_STOPCOPY,
					  "the source's STATE chunk at %u does not follow what came (or no memory)",
					  sc.offset);
		if (sc.offset + sc.len == sc.total)
			break;
	}
	lm_conn_set_timeout(c, LM_IO_TIMEOUT);
	WRITE_ONCE(mig->state_done, true);
	wake_up_all(&mig->wq);
	err = lm_in_wait_streams(mig, e);
	if (err)
		return err;
	mutex_lock(&mig->vm->state_lock);
	err = lm_state_check(mig->vm->state, mig->vm->state_len, &why);
	mutex_unlock(&mig->vm->state_lock);
	if (err)
		return lm_err_set(e, EPROTO, LM_PHASE_LOADING, "%s: unusable state: %s",
				  mig->cfg->host_name, why);

	if (lm_fault(mig, LM_FAULT_DST_STATE))
		return lm_in_fault(e, LM_PHASE_LOADING);
	lm_mig_set_state(mig, LIVEMIG_MIG_LOADING);
	err = lm_vm_request(mig->vm, LIVEMIG_REQ_LOAD, mig->id, LM_VMM_TIMEOUT, e,
			    LM_PHASE_LOADING);
	if (err)
		return err;
	if (lm_fault(mig, LM_FAULT_DST_LOADED))
		return lm_in_fault(e, LM_PHASE_LOADING);
	err = lm_conn_send(c, LM_MSG_READY, NULL, 0);
	if (err)
		return lm_err_io(e, c, err, LM_PHASE_COMMITTING);

	lm_mig_set_state(mig, LIVEMIG_MIG_COMMITTING);
	err = lm_conn_expect(c, LM_MSG_COMMIT, &hdr, e, LM_PHASE_COMMITTING);
	if (err)
		return err;
	if (hdr.len != LIVEMIG_UUID_LEN || memcmp(c->buf, mig->uuid, LIVEMIG_UUID_LEN))
		return lm_err_set(e, EPROTO, LM_PHASE_COMMITTING, "COMMIT for another migration");
	/*
	 * A VMM that died since READY cannot run the VM: refuse the commit,
	 * so that the source resumes its copy rather than kill it.
	 */
	if (READ_ONCE(mig->vm->dead))
		return lm_err_set(e, ESRCH, LM_PHASE_COMMITTING,
				  "the VMM of %s is gone: its copy cannot run", mig->vm_name);
	/*
	 * Recorded before the answer: a source in doubt must learn it. A
	 * cancel here is either seen now or refused from now on
	 * (lm_mig_cancel()); its shutdown of our reading end does not stop
	 * a COMMIT that was already queued from being read.
	 */
	mutex_lock(&host->lock);
	if (!lm_mig_stop_requested(mig))
		mig->outcome = LM_OUTCOME_COMMITTED;
	mutex_unlock(&host->lock);
	if (mig->outcome != LM_OUTCOME_COMMITTED)
		return lm_err_set(e, ECANCELED, LM_PHASE_COMMITTING, "cancelled");
	/* Failing here loses COMMITTED on the way: the source is in doubt. */
	if (lm_fault(mig, LM_FAULT_DST_COMMITTED) ||
	    lm_conn_send(c, LM_MSG_COMMITTED, mig->uuid, LIVEMIG_UUID_LEN))
		pr_info("migration %u: COMMITTED not delivered; the source will ask\n",
			mig->id);
	return 0;
}

/* The control connection of a new incoming migration. */
static void lm_in_control(struct lm_host *host, struct lm_conn *c,
			  struct lm_settings *cfg, const char *peer_name,
			  u32 setup_len)
{
	struct lm_setup st;
	struct lm_mig *mig;
	struct lm_err e = { };
	struct lm_busy busy = { .retry_ms = 1000 };
	u8 state = LIVEMIG_MIG_FAILED;
	unsigned int i;
	int err, len;
	u8 buf[300];

	mig = lm_mig_alloc(host, LIVEMIG_DIR_IN);
	if (mig)
		mig->desc = kzalloc(sizeof(*mig->desc), GFP_KERNEL);
	if (!mig || !mig->desc) {
		lm_conn_abort(c, ENOMEM, LM_PHASE_SETUP, "out of memory");
		lm_mig_put(mig);
		return;
	}
	if (lm_setup_decode(c->buf, setup_len, &st, mig->desc)) {
		lm_conn_abort(c, EPROTO, LM_PHASE_SETUP, "malformed SETUP");
		lm_mig_put(mig);
		return;
	}
	memcpy(mig->uuid, st.uuid, sizeof(mig->uuid));
	strscpy(mig->vm_name, mig->desc->name, sizeof(mig->vm_name));
	strscpy(mig->peer_name, peer_name, sizeof(mig->peer_name));
	*mig->cfg = *cfg;
	mig->vcpus = st.vcpus;
	mig->memory = lm_vm_desc_memory(mig->desc);
	mig->stats.pages_total = mig->memory >> PAGE_SHIFT;
	kernel_getpeername(c->sock, (struct sockaddr *)&mig->peer);
	if (st.config_len) {
		mig->config = kvmalloc(st.config_len, GFP_KERNEL);
		if (!mig->config) {
			lm_conn_abort(c, ENOMEM, LM_PHASE_SETUP, "out of memory");
			lm_mig_put(mig);
			return;
		}
		memcpy(mig->config, st.config, st.config_len);
		mig->config_len = st.config_len;
	}

	mutex_lock(&host->lock);
	err = lm_in_admit(host, mig, mig->memory, &e);
	if (!err) {
		mig->active = true;
		mig->state = LIVEMIG_MIG_SETUP;
		lm_mig_list(host, mig);
	}
	mutex_unlock(&host->lock);
	if (err == -EBUSY) {
		strscpy(busy.reason, "the destination runs its maximum of incoming migrations",
			sizeof(busy.reason));
		len = lm_busy_encode(buf, sizeof(buf), &busy);
		if (len > 0)
			lm_conn_send(c, LM_MSG_BUSY, buf, len);
		lm_mig_put(mig);
		return;
	}
	if (err) {
		lm_conn_abort(c, e.code, e.phase, e.msg);
		pr_info_ratelimited("incoming %s from %s refused: %s\n", mig->vm_name,
				    peer_name, e.msg);
		lm_mig_put(mig);
		return;
	}
	lm_mig_set_conn(mig, &mig->ctrl, c);
	pr_info("migration %u: incoming VM %s from %s (%pISpc)\n", mig->id, mig->vm_name,
		mig->peer_name, &mig->peer);
	lm_nl_notify_mig(mig);

	err = lm_in_run(mig, c, &e);
	if (!err) {
		state = LIVEMIG_MIG_COMPLETED;
		/* Ours now: run it. If the VMM fails here, it is its failure. */
		if (lm_vm_request(mig->vm, LIVEMIG_REQ_RUN, mig->id, LM_VMM_TIMEOUT, &e,
				  LM_PHASE_COMMITTING))
			pr_warn("migration %u: VM %s: %s\n", mig->id, mig->vm_name, e.msg);
		lm_vm_state_reset(mig->vm, false);
	} else {
		mutex_lock(&host->lock);
		mig->outcome = LM_OUTCOME_ABORTED;
		mutex_unlock(&host->lock);
		if (lm_mig_stop_requested(mig) && !e.remote) {
			lm_mig_cancelled(mig, &e);
			state = LIVEMIG_MIG_CANCELLED;
		}
		mig->err = e;
		if (!e.remote)
			lm_conn_abort(c, e.code, e.phase, e.msg);
		lm_err_place(&mig->err, mig->cfg->host_name);
		/* Stop the data streams, then drop our copy. */
		WRITE_ONCE(mig->cancel, true);
		mutex_lock(&mig->conn_lock);
		for (i = 0; i < mig->n_data; i++)
			lm_conn_shutdown(mig->data[i]);
		mutex_unlock(&mig->conn_lock);
		if (mig->vm) {
			struct lm_err scratch;

			lm_vm_request(mig->vm, LIVEMIG_REQ_DISCARD, mig->id, LM_VMM_TIMEOUT,
				      &scratch, e.phase);
		}
	}
	lm_mig_set_conn(mig, &mig->ctrl, NULL);
	lm_mig_end(mig, state);
	lm_mig_set_state(mig, state);
	pr_info("migration %u: incoming VM %s from %s: %s%s%s\n", mig->id, mig->vm_name,
		mig->peer_name, state == LIVEMIG_MIG_COMPLETED ? "completed" : "failed",
		state == LIVEMIG_MIG_COMPLETED ? "" : ": ",
		state == LIVEMIG_MIG_COMPLETED ? "" : mig->err.msg);
	lm_mig_put(mig);
}

/* A source in doubt asks what became of a migration. */
static void lm_in_outcome(struct lm_host *host, struct lm_conn *c, u32 len)
{
	struct lm_outcome q;
	struct lm_mig *mig;
	u8 buf[32];

	if (lm_outcome_decode(c->buf, len, &q) || q.outcome != LM_OUTCOME_QUERY)
		return;
	mutex_lock(&host->lock);
	mig = lm_mig_find_uuid(host, q.uuid);
	if (!mig)
		q.outcome = LM_OUTCOME_UNKNOWN;
	else if (mig->outcome)
		q.outcome = mig->outcome;
	else
		q.outcome = mig->t_end ? LM_OUTCOME_ABORTED : LM_OUTCOME_ACTIVE;
	mutex_unlock(&host->lock);
	len = lm_outcome_encode(buf, sizeof(buf), &q);
	lm_conn_send(c, LM_MSG_OUTCOME, buf, len);
}

static int lm_in_thread(void *arg)
{
	struct lm_in *in = arg;
	struct lm_host *host = in->host;
	char peer[LIVEMIG_HOST_NAME_MAX] = "";
	struct lm_settings *cfg;
	struct lm_msg_hdr hdr;
	struct lm_pending *slot = in->slot;
	struct lm_err e = { };
	struct lm_conn *c;

	/* Small until the peer is known: a data stream grows it (JOIN). */
	c = lm_conn_alloc(in->sock, LM_CTRL_BUF);
	kfree(in);
	cfg = kmalloc(sizeof(*cfg), GFP_KERNEL);
	if (!c || !cfg)
		goto out;
	mutex_lock(&host->lock);
	*cfg = host->cfg;
	mutex_unlock(&host->lock);
	if (!cfg->host_name[0])
		strscpy(cfg->host_name, init_utsname()->nodename, sizeof(cfg->host_name));

	/*
	 * A peer that says nothing is dropped soon, and one that trickles
	 * bytes is dropped at the deadline: it must have said what it wants
	 * (authenticated) by then.
	 */
	lm_conn_set_timeout(c, LM_CONNECT_TIMEOUT);
	lm_conn_set_deadline(c, jiffies + LM_HANDSHAKE_TIMEOUT);
	if (lm_conn_handshake(c, LM_ROLE_RESPONDER, cfg, peer, &e) ||
	    lm_conn_recv(c, &hdr))
		goto out;
	/* Authenticated: its slot is free for others. */
	lm_pending_put(slot);
	slot = NULL;
	lm_conn_set_deadline(c, 0);
	lm_conn_set_timeout(c, LM_IO_TIMEOUT);
	switch (hdr.type) {
	case LM_MSG_SETUP:
		lm_in_control(host, c, cfg, peer, hdr.len);
		break;
	case LM_MSG_JOIN:
		lm_in_data(host, c, hdr.len);
		break;
	case LM_MSG_OUTCOME:
		lm_in_outcome(host, c, hdr.len);
		break;
	default:
		lm_conn_abort(c, EPROTO, LM_PHASE_SETUP, "expected SETUP, JOIN or OUTCOME");
	}
out:
	lm_pending_put(slot);
	lm_conn_free(c);
	kfree_sensitive(cfg);
	lm_host_thread_done(host);
	module_put_and_kthread_exit(0);
	return 0;
}

/**
 * lm_in_accept() - take an accepted connection; never blocks
 * @host: the host; its lock held (from the accept work)
 * @sock: the accepted socket, ours from now on
 */
void lm_in_accept(struct lm_host *host, struct socket *sock)
{
	struct sockaddr_storage addr = { };
	struct lm_pending *slot = NULL;
	struct task_struct *t;
	struct lm_in *in;

	if (kernel_getpeername(sock, (struct sockaddr *)&addr) < 0)
		goto refuse;
	slot = lm_pending_take(host->net, &addr);
	if (!slot) {
		pr_info_ratelimited("too many unauthenticated connections from %pISc: refused\n",
				    &addr);
		goto refuse;
	}
	in = kmalloc(sizeof(*in), GFP_KERNEL);
	if (!in)
		goto refuse;
	if (!try_module_get(THIS_MODULE)) {
		kfree(in);
		goto refuse;
	}
	if (!lm_host_thread_start(host)) {
		module_put(THIS_MODULE);
		kfree(in);
		goto refuse;
	}
	in->host = host;
	in->sock = sock;
	in->slot = slot;
	t = kthread_run(lm_in_thread, in, "livemig-in");
	if (!IS_ERR(t))
		return;
	lm_host_thread_done(host);
	module_put(THIS_MODULE);
	kfree(in);
refuse:
	lm_pending_put(slot);
	/* Reset, not FIN: an orphaned kernel socket has no timers. */
	sock_no_linger(sock->sk);
	sock_release(sock);
}
