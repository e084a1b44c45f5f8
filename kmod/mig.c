// SPDX-License-Identifier: GPL-2.0
/*
 * livemig: migrations, and the source's side of one.
 *
 * A migration is a kernel thread that owns its connections and walks the
 * states of DESIGN 4: queued -> connecting -> authenticating -> setup ->
 * precopy -> stopcopy -> loading -> committing -> completed, or cancelled
 * / failed before COMMIT (the VM resumes on the source), or in-doubt
 * (COMMIT sent and no answer: the VM stays paused until the outcome is
 * known). Netlink handlers never wait for it: they start it, read its
 * statistics and ask it to stop (by shutting its sockets down, which
 * wakes whatever it is blocked on).
 *
 * The thread holds a reference on the module, so rmmod is refused while a
 * migration is active rather than break invariants (a) and (b).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kthread.h>
#include <linux/lz4.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>

#include "fault.h"
#include "mig.h"

/**
 * lm_err_set() - record why a migration failed
 * @e: the error
 * @code: positive errno
 * @phase: &enum lm_phase
 * @fmt: the sentence
 *
 * Return: -@code, so callers can return it.
 */
int lm_err_set(struct lm_err *e, int code, u8 phase, const char *fmt, ...)
{
	va_list ap;

	e->code = code ? code : EIO;
	e->phase = phase;
	e->remote = false;
	e->named = false;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -e->code;
}

/**
 * lm_err_io() - record a connection error
 * @e: the error
 * @c: the connection, for the peer's name (once its HELLO came)
 * @err: negative errno from a send or receive
 * @phase: &enum lm_phase
 *
 * Return: @err.
 */
int lm_err_io(struct lm_err *e, const struct lm_conn *c, int err, u8 phase)
{
	const char *peer = c && c->peer[0] ? c->peer : "the peer";
	const char *what;

	switch (err) {
	case -ETIMEDOUT:
		what = "did not answer in time";
		break;
	case -ECONNRESET:
	case -EPIPE:
		what = "closed the connection";
		break;
	case -EPROTO:
		what = "sent a malformed message";
		break;
	case -EBADMSG:
		what = "sent a message that failed its integrity check (TLS)";
		break;
	default:
		what = "could not be reached";
	}
	lm_err_set(e, -err, phase, "%s %s during %s (error %d)", peer, what,
		   lm_phase_name(phase), err);
	lm_err_named(e);
	return err;
}

/**
 * lm_err_named() - the message already names the host and the phase
 * @e: the error
 */
void lm_err_named(struct lm_err *e)
{
	e->named = true;
}

/**
 * lm_err_place() - make a migration's error say where and when it happened
 * @e: the error, as it is kept for lmctl (not as sent to the peer)
 * @host: this host's name
 *
 * "the VMM of web1 is gone" becomes "on hosta during pre-copy: the VMM of
 * web1 is gone"; a message that names them already is left as it is.
 */
void lm_err_place(struct lm_err *e, const char *host)
{
	char msg[LM_ERR_MAX];

	if (e->named || e->remote || !e->msg[0])
		return;
	snprintf(msg, sizeof(msg), "on %s during %s: %s", host,
		 lm_phase_name(e->phase), e->msg);
	strscpy(e->msg, msg, sizeof(e->msg));
	e->named = true;
}

/**
 * lm_mig_phase() - the protocol phase a state belongs to
 * @state: &enum livemig_mig_state
 *
 * Return: &enum lm_phase.
 */
u8 lm_mig_phase(u8 state)
{
	switch (state) {
	case LIVEMIG_MIG_QUEUED:
	case LIVEMIG_MIG_CONNECTING:
		return LM_PHASE_CONNECTING;
	case LIVEMIG_MIG_AUTHENTICATING:
		return LM_PHASE_AUTHENTICATING;
	case LIVEMIG_MIG_SETUP:
		return LM_PHASE_SETUP;
	case LIVEMIG_MIG_PRECOPY:
		return LM_PHASE_PRECOPY;
	case LIVEMIG_MIG_STOPCOPY:
		return LM_PHASE_STOPCOPY;
	case LIVEMIG_MIG_LOADING:
		return LM_PHASE_LOADING;
	default:
		return LM_PHASE_COMMITTING;
	}
}

/**
 * lm_mig_alloc() - a new migration, not yet listed
 * @host: its host
 * @dir: &enum livemig_direction
 *
 * Return: the migration (one reference) or NULL.
 */
struct lm_mig *lm_mig_alloc(struct lm_host *host, u8 dir)
{
	struct lm_mig *mig = kzalloc(sizeof(*mig), GFP_KERNEL);
	unsigned int i;

	if (!mig)
		return NULL;
	mig->cfg = kzalloc(sizeof(*mig->cfg), GFP_KERNEL);
	if (!mig->cfg) {
		kfree(mig);
		return NULL;
	}
	lm_obj_count(LM_OBJ_MIG, 1);
	kref_init(&mig->ref);
	mig->host = host;
	mig->dir = dir;
	mig->t_start = ktime_get();
	mutex_init(&mig->conn_lock);
	init_waitqueue_head(&mig->wq);
	init_completion(&mig->done);
	for (i = 0; i < LM_PAGE_LOCKS; i++)
		mutex_init(&mig->page_lock[i]);
	spin_lock_init(&mig->stats_lock);
	INIT_LIST_HEAD(&mig->node);
	return mig;
}

static void lm_mig_release(struct kref *ref)
{
	struct lm_mig *mig = container_of(ref, struct lm_mig, ref);
	unsigned int i;

	lm_vm_put(mig->vm);
	kfree_sensitive(mig->cfg);
	for (i = 0; i < LIVEMIG_VM_REGIONS_MAX; i++)
		kvfree(mig->held[i]);
	kfree(mig->desc);
	kvfree(mig->config);
	kfree(mig);
	lm_obj_count(LM_OBJ_MIG, -1);
}

/**
 * lm_mig_get() - take a reference
 * @mig: the migration
 */
void lm_mig_get(struct lm_mig *mig)
{
	kref_get(&mig->ref);
}

/**
 * lm_mig_put() - drop a reference
 * @mig: the migration, or NULL
 */
void lm_mig_put(struct lm_mig *mig)
{
	if (mig)
		kref_put(&mig->ref, lm_mig_release);
}

/**
 * lm_mig_set_state() - move to a new state and announce it
 * @mig: the migration
 * @state: &enum livemig_mig_state
 */
void lm_mig_set_state(struct lm_mig *mig, u8 state)
{
	if (READ_ONCE(mig->state) == state)
		return;
	WRITE_ONCE(mig->state, state);
	lm_nl_notify_mig(mig);
}

/**
 * lm_mig_set_conn() - publish (or withdraw) a connection of the migration
 * @mig: the migration
 * @slot: &mig->ctrl or an entry of &mig->data
 * @c: the connection, or NULL
 *
 * A connection published here is shut down by a cancel. Setting a slot
 * to NULL does not free what was there: the caller owns it.
 */
void lm_mig_set_conn(struct lm_mig *mig, struct lm_conn **slot,
		     struct lm_conn *c)
{
	mutex_lock(&mig->conn_lock);
	*slot = c;
	/* A cancel that came first must still reach this connection. */
	if (c && READ_ONCE(mig->cancel) && slot == &mig->ctrl)
		lm_conn_wake_reader(c);
	else if (c && READ_ONCE(mig->cancel))
		lm_conn_shutdown(c);
	mutex_unlock(&mig->conn_lock);
}

/*
 * Wake the migration's threads out of whatever they block on: the data
 * connections are shut down; the control one only for reading, so that
 * the thread can still tell the peer why it stops.
 */
static void lm_mig_interrupt(struct lm_mig *mig)
{
	unsigned int i;

	WRITE_ONCE(mig->cancel, true);
	mutex_lock(&mig->conn_lock);
	/* Still able to send: the peer hears why (ABORT), a send is bounded. */
	lm_conn_wake_reader(mig->ctrl);
	for (i = 0; i < mig->n_data; i++)
		lm_conn_shutdown(mig->data[i]);
	mutex_unlock(&mig->conn_lock);
	wake_up_all(&mig->wq);
	wake_up_all(&mig->host->mig_wq);
}

/**
 * lm_mig_stop_requested() - was the migration asked to stop?
 * @mig: the migration
 *
 * Return: true after a cancel or when the host is going away.
 */
bool lm_mig_stop_requested(const struct lm_mig *mig)
{
	return READ_ONCE(mig->cancel);
}

/* Drop finished migrations beyond what we keep; host lock held. */
static void lm_mig_prune(struct lm_host *host, struct list_head *gone)
{
	struct lm_mig *mig, *tmp;
	unsigned int kept = 0;

	lockdep_assert_held(&host->lock);
	list_for_each_entry_safe_reverse(mig, tmp, &host->migs, node) {
		if (!mig->t_end)
			continue;
		if (++kept > LM_KEEP_FINISHED ||
		    ktime_ms_delta(ktime_get(), mig->t_end) > 3600 * MSEC_PER_SEC)
			list_move(&mig->node, gone);
	}
}

static void lm_mig_put_list(struct list_head *gone)
{
	struct lm_mig *mig, *tmp;

	list_for_each_entry_safe(mig, tmp, gone, node) {
		list_del_init(&mig->node);
		lm_mig_put(mig);
	}
}

/**
 * lm_mig_list() - list a new migration under a fresh id
 * @host: the host; its lock held
 * @mig: the migration; the list takes a reference
 */
void lm_mig_list(struct lm_host *host, struct lm_mig *mig)
{
	lockdep_assert_held(&host->lock);
	mig->id = ++host->mig_ids;
	if (!mig->id)
		mig->id = ++host->mig_ids;
	lm_mig_get(mig);
	list_add_tail(&mig->node, &host->migs);
}

/* The VM is no longer this migration's; host lock held. */
static struct lm_vm *lm_mig_take_vm(struct lm_mig *mig)
{
	struct lm_vm *vm = mig->vm;

	lockdep_assert_held(&mig->host->lock);
	if (vm && vm->mig == mig)
		vm->mig = NULL;
	mig->vm = NULL;
	return vm;
}

/**
 * lm_mig_end() - the migration is over: free its budget, keep its record
 * @mig: the migration; only its own thread still uses its VM
 * @state: how it ended
 *
 * The record is kept for a while (lmctl list, a source asking OUTCOME),
 * but not the VM: a record holding it would hold its struct kvm, its
 * VMM's socket and through that the namespace, which could then never
 * go away. In doubt, the VM stays the migration's (paused, not to move
 * again) until the operator resolves it.
 */
void lm_mig_end(struct lm_mig *mig, u8 state)
{
	struct lm_host *host = mig->host;
	struct lm_vm *vm = NULL;

	mutex_lock(&host->lock);
	mig->t_end = ktime_get();
	mig->active = false;
	if (state != LIVEMIG_MIG_IN_DOUBT)
		vm = lm_mig_take_vm(mig);
	mutex_unlock(&host->lock);
	lm_vm_put(vm);
	wake_up_all(&host->mig_wq);
	memzero_explicit(mig->cfg->psk, sizeof(mig->cfg->psk));
}

/**
 * lm_mig_find() - a migration of a host by local id
 * @host: the host; its lock held
 * @id: the id
 *
 * Return: the migration (no reference taken) or NULL.
 */
struct lm_mig *lm_mig_find(struct lm_host *host, u32 id)
{
	struct lm_mig *mig;

	lockdep_assert_held(&host->lock);
	list_for_each_entry(mig, &host->migs, node)
		if (mig->id == id)
			return mig;
	return NULL;
}

/**
 * lm_mig_find_uuid() - an incoming migration of a host by wire id
 * @host: the host; its lock held
 * @uuid: the id
 *
 * Return: the migration (no reference taken) or NULL.
 */
struct lm_mig *lm_mig_find_uuid(struct lm_host *host, const u8 *uuid)
{
	struct lm_mig *mig;

	lockdep_assert_held(&host->lock);
	list_for_each_entry(mig, &host->migs, node)
		if (mig->dir == LIVEMIG_DIR_IN && !memcmp(mig->uuid, uuid, LIVEMIG_UUID_LEN))
			return mig;
	return NULL;
}

/*
 * The source.
 */

/**
 * struct lm_out_stream - one data connection of an outgoing migration
 * @c: the connection
 * @w: the PAGES message being filled
 * @buf: its payload buffer
 * @pages: pages sent on it
 * @digest: over what was sent, checked by the destination
 */
struct lm_out_stream {
	struct lm_conn *c;
	struct lm_pages_writer w;
	u8 *buf;
	u64 pages;
	struct lm_digest digest;
};

#define LM_READ_BATCH	64

/**
 * struct lm_out - the source thread's working state
 * @mig: the migration
 * @vm: its VM
 * @dirty: dirty tracking, once logging is on
 * @s: data streams
 * @n: how many
 * @cur: the stream being filled
 * @round: the current round
 * @prepared: the VMM turned logging on (it must be told to resume)
 * @paused: the VMM paused the VM
 * @vcpus_held: vCPUs whose mutex this thread holds (none may run)
 * @lz4_wrk: lz4's scratch memory, or NULL without compression
 * @cbuf: a compressed page
 * @pages: pages read, %LM_READ_BATCH of them
 * @batch_region: region of each page in @pages
 * @batch_index: its index
 * @e: the error
 */
struct lm_out {
	struct lm_mig *mig;
	struct lm_vm *vm;
	struct lm_dirty *dirty;
	struct lm_out_stream s[LIVEMIG_STREAMS_MAX];
	unsigned int n;
	unsigned int cur;
	u32 round;
	bool prepared;
	bool paused;
	unsigned int vcpus_held;
	void *lz4_wrk;
	u8 *cbuf;
	u8 *pages;
	u8 batch_region[LM_READ_BATCH];
	u32 batch_index[LM_READ_BATCH];
	struct lm_err *e;
};

static int lm_out_flush(struct lm_out *o, struct lm_out_stream *s)
{
	size_t len = lm_pages_finish(&s->w);
	int err;

	if (!len)
		return 0;
	err = lm_conn_send(s->c, LM_MSG_PAGES, s->buf, len);
	lm_pages_begin(&s->w, s->buf, LM_DATA_BUF);
	if (err)
		return lm_err_io(o->e, s->c, err, lm_mig_phase(READ_ONCE(o->mig->state)));
	WRITE_ONCE(o->mig->stats.wire_bytes, o->mig->stats.wire_bytes + len + LM_MSG_HDR_LEN);
	return 0;
}

/* Queue one page on the current stream; flush and rotate when full. */
static int lm_out_page(struct lm_out *o, u8 region, u32 index, const u8 *page)
{
	struct lm_mig_stats *st = &o->mig->stats;
	struct lm_page_entry e = {
		.region = region,
		.index = index,
		.round = o->round,
	};
	struct lm_out_stream *s = &o->s[o->cur];
	int err, clen;

	if (!memchr_inv(page, 0, LM_WIRE_PAGE_SIZE)) {
		e.enc = LM_PAGE_ZERO;
		WRITE_ONCE(st->pages_zero, st->pages_zero + 1);
	} else {
		e.enc = LM_PAGE_RAW;
		e.len = LM_WIRE_PAGE_SIZE;
		e.data = page;
		if (o->lz4_wrk) {
			clen = LZ4_compress_default(page, o->cbuf, LM_WIRE_PAGE_SIZE,
						    LM_WIRE_PAGE_SIZE - 1, o->lz4_wrk);
			/* A page that does not shrink travels raw. */
			if (clen > 0) {
				e.enc = LM_PAGE_LZ4;
				e.len = clen;
				e.data = o->cbuf;
			}
		}
		WRITE_ONCE(st->bytes, st->bytes + LM_WIRE_PAGE_SIZE);
	}

	err = lm_pages_add(&s->w, &e);
	if (err == -ENOSPC) {
		err = lm_out_flush(o, s);
		if (err)
			return err;
		o->cur = (o->cur + 1) % o->n;
		s = &o->s[o->cur];
		err = lm_pages_add(&s->w, &e);
	}
	if (err)
		return lm_err_set(o->e, EINVAL, LM_PHASE_PRECOPY,
				  "internal error: page %u of region %u does not encode",
				  index, region);
	lm_digest_page(&s->digest, region, index, o->round,
		       e.enc == LM_PAGE_ZERO ? NULL : page);
	s->pages++;
	WRITE_ONCE(st->pages_sent, st->pages_sent + 1);
	return 0;
}

/* Read and send the @n pages listed in o->batch_*. */
static int lm_out_batch(struct lm_out *o, unsigned int n)
{
	unsigned int i;
	int err = 0;

	if (!n)
		return 0;
	if (lm_mig_stop_requested(o->mig))
		return lm_err_set(o->e, ECANCELED, lm_mig_phase(o->mig->state),
				  "cancelled");
	if (!lm_vm_mm_enter(o->vm))
		return lm_err_set(o->e, ESRCH, lm_mig_phase(o->mig->state),
				  "the VMM of %s exited", o->vm->desc.name);
	for (i = 0; i < n && !err; i++)
		err = lm_vm_read_page(o->vm, o->batch_region[i], o->batch_index[i],
				      o->pages + i * LM_WIRE_PAGE_SIZE);
	lm_vm_mm_leave(o->vm);
	if (err)
		return lm_err_set(o->e, EFAULT, lm_mig_phase(o->mig->state),
				  "could not read guest memory of %s (its layout changed?)",
				  o->vm->desc.name);
	for (i = 0; i < n && !err; i++)
		err = lm_out_page(o, o->batch_region[i], o->batch_index[i],
				  o->pages + i * LM_WIRE_PAGE_SIZE);
	return err;
}

/* Queue page @i of region @r for reading; read and send a full batch. */
static int lm_out_queue(struct lm_out *o, unsigned int r, u32 i, unsigned int *n)
{
	o->batch_region[*n] = r;
	o->batch_index[*n] = i;
	if (++*n < LM_READ_BATCH)
		return 0;
	*n = 0;
	return lm_out_batch(o, LM_READ_BATCH);
}

/* A fault point of the test build: 0, or the step fails here. */
static int lm_out_fault(struct lm_out *o, enum lm_fault_site site, u8 phase)
{
	if (!lm_fault(o->mig, site))
		return 0;
	return lm_err_set(o->e, EIO, phase, "fault injected (test build)");
}

/* Round 0: every page of every region. */
static int lm_out_round0(struct lm_out *o)
{
	const struct lm_vm_desc *d = &o->vm->desc;
	struct lm_mig_stats *st = &o->mig->stats;
	unsigned int r, n = 0;
	u32 i;
	int err;

	for (r = 0; r < d->n_regions; r++) {
		for (i = 0; i < d->regions[r].size >> PAGE_SHIFT; i++) {
			err = lm_out_queue(o, r, i, &n);
			if (!err && !r && i == LM_READ_BATCH - 1)
				err = lm_out_fault(o, LM_FAULT_SRC_ROUND0, LM_PHASE_PRECOPY);
			if (err)
				return err;
			if (!n)
				WRITE_ONCE(st->pages_remaining, st->pages_total - st->pages_sent);
		}
	}
	return lm_out_batch(o, n);
}

/* A later round: what was dirtied since it was last taken. */
static int lm_out_dirty_round(struct lm_out *o)
{
	const struct lm_vm_desc *d = &o->vm->desc;
	unsigned int r, n = 0;
	unsigned long i;
	int err;

	for (r = 0; r < d->n_regions; r++) {
		unsigned long *bits = o->dirty->bits[r];

		for_each_set_bit(i, bits, d->regions[r].size >> PAGE_SHIFT) {
			if (!test_and_clear_bit(i, bits))
				continue;
			err = lm_out_queue(o, r, i, &n);
			if (err)
				return err;
		}
	}
	return lm_out_batch(o, n);
}

static int lm_out_flush_all(struct lm_out *o)
{
	unsigned int i;
	int err;

	for (i = 0; i < o->n; i++) {
		err = lm_out_flush(o, &o->s[i]);
		if (err)
			return err;
	}
	return 0;
}

/* Connect, authenticate and join one data stream. */
static int lm_out_join(struct lm_out *o, unsigned int idx,
		       const struct lm_accept *acc)
{
	struct lm_mig *mig = o->mig;
	struct sockaddr_storage addr;
	struct lm_join j = { .stream = idx, .streams = o->n };
	struct lm_conn *c = NULL;
	char peer[LIVEMIG_HOST_NAME_MAX];
	u8 buf[64];
	int err = -ENOENT, len;
	unsigned int a;

	/* The destination's migration addresses by priority, then the control's. */
	for (a = 0; a <= acc->n_addrs && err; a++) {
		memset(&addr, 0, sizeof(addr));
		if (a == acc->n_addrs) {
			addr = mig->peer;
		} else if (acc->addrs[a].family == 4) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&addr;

			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, acc->addrs[a].addr, 4);
			sin->sin_port = htons(acc->addrs[a].port);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addr;

			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, acc->addrs[a].addr, 16);
			sin6->sin6_port = htons(acc->addrs[a].port);
		}
		err = lm_conn_connect(mig->host->net, &addr, &c);
	}
	if (err)
		return lm_err_set(o->e, -err, LM_PHASE_SETUP,
				  "could not open data stream %u to %s (error %d)", idx,
				  mig->peer_name, err);
	lm_mig_set_conn(mig, &mig->data[idx], c);
	mutex_lock(&mig->conn_lock);
	mig->n_data = max(mig->n_data, idx + 1);
	mutex_unlock(&mig->conn_lock);
	if (!idx)
		mig->data_addr = addr;
	o->s[idx].c = c;

	err = lm_conn_handshake(c, LM_ROLE_INITIATOR, mig->cfg, peer, o->e);
	if (err)
		return err;
	memcpy(j.uuid, mig->uuid, sizeof(j.uuid));
	len = lm_join_encode(buf, sizeof(buf), &j);
	err = lm_conn_send(c, LM_MSG_JOIN, buf, len);
	if (err)
		return lm_err_io(o->e, c, err, LM_PHASE_SETUP);
	return 0;
}

/* SETUP, and the destination's answer. Return 1 for BUSY (retry later). */
static int lm_out_setup(struct lm_out *o, struct lm_accept *acc, u32 *retry_ms)
{
	struct lm_mig *mig = o->mig;
	struct lm_vm *vm = o->vm;
	struct lm_setup st = {
		.vcpus = vm->vcpus,
		.options = mig->cfg->performance | (mig->cfg->compression << 8) |
			   (mig->cfg->streams << 16),
		.config = vm->config,
		.config_len = vm->config_len,
	};
	struct lm_conn *c = mig->ctrl;
	struct lm_msg_hdr hdr;
	struct lm_busy busy;
	u8 *buf;
	int err, len;

	memcpy(st.uuid, mig->uuid, sizeof(st.uuid));
	buf = kvmalloc(lm_msg_max_len(LM_MSG_SETUP), GFP_KERNEL);
	if (!buf)
		return lm_err_set(o->e, ENOMEM, LM_PHASE_SETUP, "out of memory");
	len = lm_setup_encode(buf, lm_msg_max_len(LM_MSG_SETUP), &st, &vm->desc);
	err = len < 0 ? len : lm_conn_send(c, LM_MSG_SETUP, buf, len);
	kvfree(buf);
	if (err)
		return lm_err_io(o->e, c, err, LM_PHASE_SETUP);

	/* The destination starts a VMM first: give it the VMM's time and more. */
	lm_conn_set_timeout(c, LM_VMM_TIMEOUT + LM_IO_TIMEOUT);
	err = lm_conn_recv(c, &hdr);
	lm_conn_set_timeout(c, LM_IO_TIMEOUT);
	if (err)
		return lm_err_io(o->e, c, err, LM_PHASE_SETUP);
	switch (hdr.type) {
	case LM_MSG_ACCEPT:
		if (lm_accept_decode(c->buf, hdr.len, acc))
			return lm_err_set(o->e, EPROTO, LM_PHASE_SETUP,
					  "%s sent a malformed ACCEPT", mig->peer_name);
		return 0;
	case LM_MSG_BUSY:
		if (lm_busy_decode(c->buf, hdr.len, &busy))
			return lm_err_set(o->e, EPROTO, LM_PHASE_SETUP,
					  "%s sent a malformed BUSY", mig->peer_name);
		*retry_ms = busy.retry_ms;
		return 1;
	default:
		/* ABORT or anything else: let the common check word it. */
		return lm_conn_expect_hdr(c, LM_MSG_ACCEPT, &hdr, o->e, LM_PHASE_SETUP);
	}
}

/* Send the VM's state in STATE chunks on the control connection. */
static int lm_out_state(struct lm_out *o)
{
	struct lm_vm *vm = o->vm;
	const u32 chunk = lm_msg_max_len(LM_MSG_STATE) - 8;
	struct lm_state_chunk sc;
	const char *why = NULL;
	u32 off = 0;
	u8 *buf;
	int err = 0, len;

	mutex_lock(&vm->state_lock);
	vm->state_open = false;
	if (!vm->state_len || lm_state_check(vm->state, vm->state_len, &why)) {
		mutex_unlock(&vm->state_lock);
		return lm_err_set(o->e, EINVAL, LM_PHASE_STOPCOPY,
				  "the VMM of %s sent unusable state: %s", vm->desc.name,
				  why ? why : "none at all");
	}
	mutex_unlock(&vm->state_lock);

	buf = kvmalloc(lm_msg_max_len(LM_MSG_STATE), GFP_KERNEL);
	if (!buf)
		return lm_err_set(o->e, ENOMEM, LM_PHASE_STOPCOPY, "out of memory");
	/* Nobody writes the state any more: state_open is false. */
	while (off < vm->state_len && !err) {
		sc.offset = off;
		sc.total = vm->state_len;
		sc.len = min(chunk, vm->state_len - off);
		sc.data = vm->state + off;
		len = lm_state_chunk_encode(buf, lm_msg_max_len(LM_MSG_STATE), &sc);
		err = len < 0 ? len : lm_conn_send(o->mig->ctrl, LM_MSG_STATE, buf, len);
		off += sc.len;
	}
	kvfree(buf);
	return err ? lm_err_io(o->e, o->mig->ctrl, err, LM_PHASE_STOPCOPY) : 0;
}

static int lm_out_stream_end(struct lm_out *o)
{
	struct lm_stream_end se;
	unsigned int i;
	u8 buf[16];
	int err, len;

	err = lm_out_flush_all(o);
	for (i = 0; i < o->n && !err; i++) {
		se.pages = o->s[i].pages;
		se.digest = lm_digest_final(&o->s[i].digest);
		len = lm_stream_end_encode(buf, sizeof(buf), &se);
		err = lm_conn_send(o->s[i].c, LM_MSG_STREAM_END, buf, len);
		if (err)
			lm_err_io(o->e, o->s[i].c, err, LM_PHASE_STOPCOPY);
	}
	return err;
}

static u64 lm_us_since(ktime_t t)
{
	return ktime_us_delta(ktime_get(), t);
}

static int lm_out_harvest_err(struct lm_out *o, int err, u8 phase)
{
	if (err == -ESRCH)
		return lm_err_set(o->e, ESRCH, phase, "the VMM of %s is gone",
				  o->vm->desc.name);
	return lm_err_set(o->e, -err, phase,
			  "could not track the dirty pages of %s (error %d)",
			  o->vm->desc.name, err);
}

/* A harvest now; the harvest thread's error, if it had one, first. */
static int lm_out_harvest(struct lm_out *o, u8 phase)
{
	int n = lm_dirty_harvest(o->dirty);

	if (o->dirty->err)
		return lm_out_harvest_err(o, o->dirty->err, phase);
	return n < 0 ? lm_out_harvest_err(o, n, phase) : 0;
}

/*
 * The VMM changed its memslots: in pre-copy everything is sent again if
 * the regions still fit; once paused, or if they do not, it is over.
 */
static int lm_out_layout(struct lm_out *o, u8 phase)
{
	const char *why;
	int changed;

	changed = lm_dirty_layout(o->dirty, &why);
	if (changed < 0)
		return lm_err_set(o->e, EINVAL, phase,
				  "the VMM of %s changed the VM's memory layout (%s): aborted",
				  o->vm->desc.name, why);
	if (changed && phase != LM_PHASE_PRECOPY)
		return lm_err_set(o->e, EINVAL, phase,
				  "the VMM of %s changed the VM's memory layout after PAUSE: aborted",
				  o->vm->desc.name);
	if (changed)
		pr_info("migration %u: VM %s: its memory layout changed; all of it is sent again\n",
			o->mig->id, o->vm->desc.name);
	return 0;
}

/* Pre-copy rounds until what remains fits the downtime limit. */
static int lm_out_precopy(struct lm_out *o)
{
	struct lm_mig *mig = o->mig;
	struct lm_mig_stats *st = &mig->stats;
	u64 best = U64_MAX, remaining, bytes0, us, rate;
	unsigned int stalled = 0;
	ktime_t t;
	int err;

	lm_mig_set_state(mig, LIVEMIG_MIG_PRECOPY);
	st->setup_us = lm_us_since(mig->t_start);
	for (o->round = 0; ; o->round++) {
		WRITE_ONCE(st->round, o->round);
		t = ktime_get();
		bytes0 = st->wire_bytes;
		err = o->round == 1 ? lm_out_fault(o, LM_FAULT_SRC_ROUND1, LM_PHASE_PRECOPY) : 0;
		if (!err)
			err = o->round ? lm_out_dirty_round(o) : lm_out_round0(o);
		if (!err)
			err = lm_out_flush_all(o);
		if (err)
			return err;
		us = max_t(u64, lm_us_since(t), 1);
		rate = div64_u64((st->wire_bytes - bytes0) * USEC_PER_SEC, us);
		if (rate)
			WRITE_ONCE(st->throughput, rate);

		/* PML holds entries until an exit: kick before estimating. */
		lm_vm_kick(o->vm);
		err = lm_out_harvest(o, LM_PHASE_PRECOPY);
		if (!err)
			err = lm_out_layout(o, LM_PHASE_PRECOPY);
		if (err)
			return err;
		remaining = lm_dirty_count(o->dirty);
		WRITE_ONCE(st->pages_remaining, remaining);
		WRITE_ONCE(st->dirty_rate, div64_u64(remaining * USEC_PER_SEC, us));
		/* Wire bytes per page so far, compression included. */
		st->downtime_expected_us = st->throughput ?
			div64_u64(remaining * LM_WIRE_PAGE_SIZE * USEC_PER_SEC,
				  st->throughput) : 0;
		if (st->downtime_expected_us <= (u64)mig->cfg->downtime_ms * USEC_PER_MSEC)
			return 0;
		/* Progress is a round that beats the best by a tenth. */
		if (remaining < best - best / 10) {
			best = remaining;
			stalled = 0;
		} else {
			stalled++;
		}
		if (o->round + 1 >= LM_ROUNDS_MAX || stalled >= LM_STALL_ROUNDS)
			return lm_err_set(o->e, ETIME, LM_PHASE_PRECOPY,
					  "did not converge after %u rounds: the guest dirties %llu KiB/s, the link carries %llu KiB/s; raise the downtime limit or the bandwidth",
					  o->round + 1,
					  (st->dirty_rate * LM_WIRE_PAGE_SIZE) >> 10,
					  st->throughput >> 10);
	}
}

/* The held vCPUs may take their mutexes again (to run, or to fail). */
static void lm_out_release_vcpus(struct lm_out *o)
{
	lm_vm_release_vcpus(o->vm, o->vcpus_held);
	o->vcpus_held = 0;
}

/*
 * Proof that the guest stands still: anything dirtied now was written
 * after PAUSE was acknowledged and after the last pages were taken. Asked
 * right after them, and again just before COMMIT, so that a VMM that lets
 * its vCPUs run on is caught whenever its guest writes in between.
 */
static int lm_out_still(struct lm_out *o, u8 phase)
{
	int n;

	lm_vm_kick(o->vm);
	n = lm_dirty_harvest(o->dirty);
	if (n < 0)
		return lm_out_harvest_err(o, n, phase);
	if (n)
		return lm_err_set(o->e, EBUSY, phase,
				  "the VMM of %s kept the guest running after acknowledging PAUSE (%d pages written since): aborted",
				  o->vm->desc.name, n);
	return lm_out_layout(o, phase);
}

/* PAUSE, the rest of memory, the state, and proof that nothing runs. */
static int lm_out_stopcopy(struct lm_out *o, ktime_t *t_pause)
{
	struct lm_mig *mig = o->mig;
	u64 exits;
	int err;

	lm_mig_set_state(mig, LIVEMIG_MIG_STOPCOPY);
	lm_vm_state_reset(o->vm, true);
	*t_pause = ktime_get();
	o->paused = true;
	err = lm_vm_request(o->vm, LIVEMIG_REQ_PAUSE, mig->id, LM_VMM_TIMEOUT, o->e,
			    LM_PHASE_STOPCOPY);
	if (!err)
		err = lm_out_fault(o, LM_FAULT_SRC_PAUSED, LM_PHASE_STOPCOPY);
	if (err)
		return err;
	/* A vCPU that runs from here on is one the VMM did not pause. */
	exits = lm_vm_vcpu_exits(o->vm);
	/* From here, every harvest is ours, so none can hide an entry. */
	lm_dirty_stop_thread(o->dirty);
	lm_vm_kick(o->vm);
	o->round++;
	WRITE_ONCE(mig->stats.round, o->round);
	err = lm_out_harvest(o, LM_PHASE_STOPCOPY);
	if (!err)
		err = lm_out_layout(o, LM_PHASE_STOPCOPY);
	if (!err)
		err = lm_out_dirty_round(o);
	if (!err)
		err = lm_out_flush_all(o);
	if (err)
		return err;
	/*
	 * From here no vCPU can run, whatever the VMM does or says; and none
	 * ran since PAUSE was acknowledged, or what was just sent is stale.
	 */
	if (lm_vm_hold_vcpus(o->vm, &o->vcpus_held))
		return lm_err_set(o->e, EBUSY, LM_PHASE_STOPCOPY,
				  "the VMM of %s kept the guest running after acknowledging PAUSE (a vCPU stayed in KVM_RUN): aborted",
				  o->vm->desc.name);
	exits = lm_vm_vcpu_exits(o->vm) - exits;
	if (exits)
		return lm_err_set(o->e, EBUSY, LM_PHASE_STOPCOPY,
				  "the VMM of %s kept the guest running after acknowledging PAUSE (its vCPUs ran %llu times since): aborted",
				  o->vm->desc.name, exits);
	err = lm_out_still(o, LM_PHASE_STOPCOPY);
	if (err)
		return err;
	WRITE_ONCE(mig->stats.pages_remaining, 0);
	err = lm_out_stream_end(o);
	if (!err)
		err = lm_out_state(o);
	return err;
}

/* Ask the destination what became of the migration, over a new connection. */
static int lm_out_ask_outcome(struct lm_out *o)
{
	struct lm_mig *mig = o->mig;
	struct lm_outcome q = { .outcome = LM_OUTCOME_QUERY };
	struct lm_err scratch;
	struct lm_conn *c;
	struct lm_msg_hdr hdr;
	char peer[LIVEMIG_HOST_NAME_MAX];
	u8 buf[32];
	int err, len;

	err = lm_conn_connect(mig->host->net, &mig->peer, &c);
	if (err)
		return err;
	lm_mig_set_conn(mig, &mig->ctrl, c);
	err = lm_conn_handshake(c, LM_ROLE_INITIATOR, mig->cfg, peer, &scratch);
	memcpy(q.uuid, mig->uuid, sizeof(q.uuid));
	if (!err) {
		len = lm_outcome_encode(buf, sizeof(buf), &q);
		err = lm_conn_send(c, LM_MSG_OUTCOME, buf, len);
	}
	if (!err)
		err = lm_conn_expect(c, LM_MSG_OUTCOME, &hdr, &scratch, LM_PHASE_COMMITTING);
	if (!err)
		err = lm_outcome_decode(c->buf, hdr.len, &q);
	lm_mig_set_conn(mig, &mig->ctrl, NULL);
	lm_conn_free(c);
	if (err)
		return err;
	return q.outcome;
}

/*
 * COMMIT sent, COMMITTED not heard: the one window of doubt. Never resume
 * here; ask until we know or the window closes.
 */
static int lm_out_doubt(struct lm_out *o)
{
	unsigned long until = jiffies + LM_DOUBT_TIMEOUT;
	int outcome;

	while (time_before(jiffies, until)) {
		outcome = lm_out_ask_outcome(o);
		if (outcome == LM_OUTCOME_COMMITTED || outcome == LM_OUTCOME_ABORTED)
			return outcome;
		if (outcome == LM_OUTCOME_UNKNOWN)
			/* Never received our SETUP's record: it cannot run it. */
			return LM_OUTCOME_ABORTED;
		schedule_timeout_uninterruptible(HZ);
	}
	return LM_OUTCOME_ACTIVE;
}

/* How long a failed source waits for the peer's ABORT (lm_out_peer_reason()). */
#define LM_PEER_REASON_WAIT	HZ

/*
 * A connection the peer closed may hide its reason. A destination that
 * gives up shuts its data streams down and then sends ABORT on the control
 * connection, so the source's next page fails first with "closed the
 * connection". The ABORT, if it comes within a moment, names the real
 * cause ("the VMM of web1 exited", "cancelled on hostb"): take its words.
 */
static void lm_out_peer_reason(struct lm_out *o)
{
	const unsigned long end = jiffies + LM_PEER_REASON_WAIT;
	struct lm_conn *c = o->mig->ctrl;
	struct lm_err peer = { };
	struct lm_msg_hdr hdr;

	if (!c || o->e->remote || lm_mig_stop_requested(o->mig) ||
	    (o->e->code != ECONNRESET && o->e->code != EPIPE))
		return;
	while (!lm_conn_has_input(c)) {
		if (time_after(jiffies, end))
			return;
		msleep(20);
	}
	lm_conn_set_timeout(c, LM_PEER_REASON_WAIT);
	if (lm_conn_recv(c, &hdr) || hdr.type != LM_MSG_ABORT)
		return;
	lm_conn_expect_hdr(c, 0, &hdr, &peer, o->e->phase);
	if (peer.remote)
		*o->e = peer;
}

/* The whole outgoing migration; returns the final state. */
static u8 lm_out_run(struct lm_out *o)
{
	struct lm_mig *mig = o->mig;
	struct lm_accept *acc = NULL;
	struct lm_msg_hdr hdr;
	struct lm_conn *c;
	ktime_t t_pause = 0;
	u32 retry_ms = 0;
	unsigned int i;
	int err, outcome;

connect:
	lm_mig_set_state(mig, LIVEMIG_MIG_CONNECTING);
	err = lm_conn_connect(mig->host->net, &mig->peer, &c);
	if (err) {
		if (err == -ECONNREFUSED)
			lm_err_set(o->e, ECONNREFUSED, LM_PHASE_CONNECTING,
				   "could not connect to %pISpc: connection refused (migrations are disabled there, or this is not one of its migration addresses)",
				   &mig->peer);
		else
			lm_err_set(o->e, -err, LM_PHASE_CONNECTING,
				   "could not connect to %pISpc (error %d)", &mig->peer, err);
		goto fail;
	}
	lm_mig_set_conn(mig, &mig->ctrl, c);
	err = lm_out_fault(o, LM_FAULT_SRC_CONNECTED, LM_PHASE_CONNECTING);
	if (err)
		goto fail;
	lm_mig_set_state(mig, LIVEMIG_MIG_AUTHENTICATING);
	err = lm_conn_handshake(c, LM_ROLE_INITIATOR, mig->cfg, mig->peer_name, o->e);
	if (err)
		goto fail;
	lm_mig_set_state(mig, LIVEMIG_MIG_SETUP);
	acc = kzalloc(sizeof(*acc), GFP_KERNEL);
	if (!acc) {
		err = lm_err_set(o->e, ENOMEM, LM_PHASE_SETUP, "out of memory");
		goto fail;
	}
	err = lm_out_setup(o, acc, &retry_ms);
	if (err == 1) {
		/* BUSY: wait in the queue and try again. */
		lm_mig_set_conn(mig, &mig->ctrl, NULL);
		lm_conn_free(c);
		kfree(acc);
		acc = NULL;
		lm_mig_set_state(mig, LIVEMIG_MIG_QUEUED);
		wait_event_timeout(mig->wq, lm_mig_stop_requested(mig),
				   msecs_to_jiffies(retry_ms));
		if (lm_mig_stop_requested(mig)) {
			err = lm_err_set(o->e, ECANCELED, LM_PHASE_CONNECTING, "cancelled");
			goto fail;
		}
		goto connect;
	}
	if (!err)
		err = lm_out_fault(o, LM_FAULT_SRC_ACCEPTED, LM_PHASE_SETUP);
	if (err)
		goto fail;

	err = lm_vm_request(o->vm, LIVEMIG_REQ_PREPARE, mig->id, LM_VMM_TIMEOUT, o->e,
			    LM_PHASE_SETUP);
	o->prepared = true;
	if (!err)
		err = lm_dirty_start(o->vm, &o->dirty, o->e);
	for (i = 0; i < o->n && !err; i++)
		err = lm_out_join(o, i, acc);
	if (err)
		goto fail;

	err = lm_out_precopy(o);
	if (!err)
		err = lm_out_stopcopy(o, &t_pause);
	if (err)
		goto fail;

	lm_mig_set_state(mig, LIVEMIG_MIG_LOADING);
	err = lm_out_fault(o, LM_FAULT_SRC_STATE_SENT, LM_PHASE_LOADING);
	if (err)
		goto fail;
	/* The destination's VMM loads the state: its time and the wire's. */
	lm_conn_set_timeout(c, LM_VMM_TIMEOUT + LM_IO_TIMEOUT);
	err = lm_conn_expect(c, LM_MSG_READY, &hdr, o->e, LM_PHASE_LOADING);
	if (!err)
		err = lm_out_fault(o, LM_FAULT_SRC_READY, LM_PHASE_COMMITTING);
	if (!err)
		err = lm_out_still(o, LM_PHASE_COMMITTING);
	if (err)
		goto fail;

	/*
	 * From here on the VM must not resume here unless the peer says so.
	 * A cancel is either seen now or refused from now (lm_mig_cancel()).
	 */
	mutex_lock(&mig->host->lock);
	if (!lm_mig_stop_requested(mig))
		mig->commit_sent = true;
	mutex_unlock(&mig->host->lock);
	if (!mig->commit_sent) {
		err = lm_err_set(o->e, ECANCELED, LM_PHASE_COMMITTING, "cancelled");
		goto fail;
	}
	lm_mig_set_state(mig, LIVEMIG_MIG_COMMITTING);
	lm_conn_set_timeout(c, LM_IO_TIMEOUT);
	err = lm_conn_send(c, LM_MSG_COMMIT, mig->uuid, sizeof(mig->uuid));
	if (!err)
		err = lm_out_fault(o, LM_FAULT_SRC_COMMIT_SENT, LM_PHASE_COMMITTING);
	if (!err)
		err = lm_conn_expect(c, LM_MSG_COMMITTED, &hdr, o->e, LM_PHASE_COMMITTING);
	if (!err && (hdr.len != LIVEMIG_UUID_LEN || memcmp(c->buf, mig->uuid, hdr.len)))
		err = -EPROTO;
	outcome = err ? LM_OUTCOME_ACTIVE : LM_OUTCOME_COMMITTED;
	if (err) {
		lm_mig_set_conn(mig, &mig->ctrl, NULL);
		lm_conn_free(c);
		c = NULL;
		outcome = lm_out_doubt(o);
	}
	if (outcome == LM_OUTCOME_ABORTED) {
		/* Its ABORT, if one came, says why; the OUTCOME answer is proof. */
		if (!o->e->remote)
			lm_err_set(o->e, ECONNABORTED, LM_PHASE_COMMITTING,
				   "%s did not commit and discarded its copy", mig->peer_name);
		lm_err_named(o->e);
		mig->commit_sent = false;
		goto fail;
	}
	if (outcome != LM_OUTCOME_COMMITTED) {
		lm_err_set(o->e, ETIMEDOUT, LM_PHASE_COMMITTING,
			   "in doubt: COMMIT sent to %s, no answer; VM paused here. If %s does not run it: lmctl resolve %u --resume-source",
			   mig->peer_name, mig->peer_name, mig->id);
		lm_err_named(o->e);
		mig->err = *o->e;
		lm_out_release_vcpus(o);
		lm_dirty_stop(o->dirty);
		o->dirty = NULL;
		return LIVEMIG_MIG_IN_DOUBT;
	}

	/* The destination owns the VM: it must never run here again. */
	lm_vm_kill(o->vm);
	lm_out_release_vcpus(o);
	mig->stats.downtime_us = lm_us_since(t_pause);
	lm_dirty_stop(o->dirty);
	o->dirty = NULL;
	/* The VMM only has to exit; its answer changes nothing. */
	lm_vm_request(o->vm, LIVEMIG_REQ_COMPLETED, mig->id, LM_VMM_TIMEOUT, o->e,
		      LM_PHASE_COMMITTING);
	/* Its name is free for a move back before its VMM has even exited. */
	lm_vm_unregister(o->vm, "it migrated to another host");
	kfree(acc);
	return LIVEMIG_MIG_COMPLETED;

fail:
	kfree(acc);
	lm_out_peer_reason(o);
	if (lm_mig_stop_requested(mig) && !o->e->remote)
		lm_mig_cancelled(mig, o->e);
	mig->err = *o->e;
	if (!o->e->remote)
		lm_conn_abort(mig->ctrl, o->e->code, o->e->phase, o->e->msg);
	lm_vm_state_reset(o->vm, false);
	lm_out_release_vcpus(o);
	/* Nobody harvests from here on but the last pass below. */
	if (o->dirty)
		lm_dirty_stop_thread(o->dirty);
	if (o->prepared && !READ_ONCE(o->vm->dead)) {
		struct lm_err scratch;

		/* Logging off, vCPUs on: the VM runs on as if nothing happened. */
		if (lm_vm_request(o->vm, LIVEMIG_REQ_RESUME, mig->id, LM_VMM_TIMEOUT,
				  &scratch, o->e->phase))
			pr_warn("migration %u: VM %s: %s\n", mig->id, o->vm->desc.name,
				scratch.msg);
	}
	/* Logging is off: reset what it left, so no vCPU waits on a full ring. */
	lm_dirty_stop(o->dirty);
	o->dirty = NULL;
	return lm_mig_stop_requested(mig) && !o->e->remote ? LIVEMIG_MIG_CANCELLED :
							      LIVEMIG_MIG_FAILED;
}

/* Wait for a slot in this direction's budget. */
static bool lm_mig_wait_budget(struct lm_mig *mig)
{
	struct lm_host *host = mig->host;
	struct lm_mig *other;
	bool got = false;

	for (;;) {
		unsigned int active = 0;

		mutex_lock(&host->lock);
		list_for_each_entry(other, &host->migs, node)
			active += other->dir == mig->dir && other->active;
		if (active < mig->cfg->max_migrations) {
			mig->active = true;
			got = true;
		}
		mutex_unlock(&host->lock);
		if (got || lm_mig_stop_requested(mig))
			return got;
		wait_event_timeout(host->mig_wq, lm_mig_stop_requested(mig), HZ / 2);
	}
}

static int lm_out_thread(void *arg)
{
	struct lm_mig *mig = arg;
	struct lm_host *host;
	struct lm_out *o;
	struct lm_err e = { };
	unsigned int i;
	u8 state;

	o = kvzalloc(sizeof(*o), GFP_KERNEL);
	if (o) {
		o->mig = mig;
		o->vm = mig->vm;
		o->e = &e;
		o->n = mig->cfg->streams;
		o->pages = kvmalloc(LM_READ_BATCH * LM_WIRE_PAGE_SIZE, GFP_KERNEL);
		o->cbuf = kmalloc(LM_WIRE_PAGE_SIZE, GFP_KERNEL);
		if (mig->cfg->performance == LIVEMIG_PERF_COMPRESSION)
			o->lz4_wrk = kvmalloc(LZ4_MEM_COMPRESS, GFP_KERNEL);
		for (i = 0; i < o->n; i++) {
			o->s[i].buf = kvmalloc(LM_DATA_BUF, GFP_KERNEL);
			if (o->s[i].buf)
				lm_pages_begin(&o->s[i].w, o->s[i].buf, LM_DATA_BUF);
			lm_digest_init(&o->s[i].digest);
		}
	}
	if (!o || !o->pages || !o->cbuf || !o->s[o->n - 1].buf ||
	    (mig->cfg->performance == LIVEMIG_PERF_COMPRESSION && !o->lz4_wrk)) {
		lm_err_set(&mig->err, ENOMEM, LM_PHASE_CONNECTING, "out of memory");
		state = LIVEMIG_MIG_FAILED;
	} else if (!lm_mig_wait_budget(mig)) {
		lm_err_set(&mig->err, ECANCELED, LM_PHASE_CONNECTING,
			   "cancelled while queued");
		state = LIVEMIG_MIG_CANCELLED;
	} else {
		state = lm_out_run(o);
	}

	if (o) {
		for (i = 0; i < LIVEMIG_STREAMS_MAX; i++) {
			if (o->s[i].c) {
				lm_mig_set_conn(mig, &mig->data[i], NULL);
				lm_conn_free(o->s[i].c);
			}
			kvfree(o->s[i].buf);
		}
		kvfree(o->lz4_wrk);
		kfree(o->cbuf);
		kvfree(o->pages);
		kvfree(o);
	}
	if (mig->ctrl) {
		struct lm_conn *c = mig->ctrl;

		lm_mig_set_conn(mig, &mig->ctrl, NULL);
		lm_conn_free(c);
	}

	/* The peer got the bare sentence (it names us); lmctl gets it placed. */
	if (state != LIVEMIG_MIG_COMPLETED)
		lm_err_place(&mig->err, mig->cfg->host_name);
	lm_mig_end(mig, state);
	lm_mig_set_state(mig, state);
	pr_info("migration %u: VM %s to %s (%pISpc): %s%s%s, %llu pages in %llu ms, downtime %llu ms\n",
		mig->id, mig->vm_name, mig->peer_name[0] ? mig->peer_name : "?", &mig->peer,
		state == LIVEMIG_MIG_COMPLETED ? "completed" :
		state == LIVEMIG_MIG_IN_DOUBT ? "in doubt" :
		state == LIVEMIG_MIG_CANCELLED ? "cancelled" : "failed",
		mig->err.msg[0] && state != LIVEMIG_MIG_COMPLETED ? ": " : "",
		state != LIVEMIG_MIG_COMPLETED ? mig->err.msg : "",
		mig->stats.pages_sent, ktime_ms_delta(mig->t_end, mig->t_start),
		mig->stats.downtime_us / USEC_PER_MSEC);
	complete(&mig->done);
	host = mig->host;
	lm_mig_put(mig);
	lm_host_thread_done(host);
	module_put_and_kthread_exit(0);
	return 0;
}

/**
 * lm_mig_start() - start moving a VM (MIGRATE)
 * @host: the caller's host
 * @vm_name: the VM, registered on @host
 * @peer: the destination's address and port
 * @why: a sentence when refused
 *
 * Never blocks on the migration itself: it runs in its own thread.
 *
 * Return: the migration's id (> 0) or a negative errno.
 */
int lm_mig_start(struct lm_host *host, const char *vm_name,
		 const struct sockaddr_storage *peer, const char **why)
{
	struct task_struct *t;
	struct lm_mig *mig, *other;
	unsigned int queued = 0;
	LIST_HEAD(gone);
	struct lm_vm *vm;
	int err = 0;

	mig = lm_mig_alloc(host, LIVEMIG_DIR_OUT);
	if (!mig)
		return -ENOMEM;
	get_random_bytes(mig->uuid, sizeof(mig->uuid));
	mig->peer = *peer;
	strscpy(mig->vm_name, vm_name, sizeof(mig->vm_name));

	mutex_lock(&host->lock);
	vm = lm_vm_find(host, vm_name);
	list_for_each_entry(other, &host->migs, node)
		queued += other->dir == LIVEMIG_DIR_OUT && !other->t_end && !other->active;
	if (!host->cfg.enabled) {
		*why = "migrations are disabled on this host (lmctl enable)";
		err = -EACCES;
	} else if (!vm || vm->dead) {
		*why = "vm-name: no VM of that name is registered on this host";
		err = -ENOENT;
	} else if (vm->mig) {
		*why = "vm-name: the VM is already migrating";
		err = -EBUSY;
	} else if (host->cfg.performance == LIVEMIG_PERF_RDMA) {
		*why = "performance option rdma is not available yet: use tcp or compression";
		err = -EOPNOTSUPP;
	} else if (host->cfg.auth == LIVEMIG_AUTH_PSK && !host->cfg.psk_present) {
		*why = "auth psk but no key installed (lmctl set auth psk key-file PATH)";
		err = -ENOKEY;
	} else if (queued >= LM_QUEUE_MAX) {
		*why = "too many migrations are queued on this host";
		err = -EBUSY;
	} else if (!try_module_get(THIS_MODULE)) {
		err = -ENODEV;
	}
	if (err) {
		mutex_unlock(&host->lock);
		lm_mig_put(mig);
		return err;
	}
	/* Later changes to the settings apply to later migrations. */
	*mig->cfg = host->cfg;
	if (!mig->cfg->host_name[0])
		strscpy(mig->cfg->host_name, utsname()->nodename,
			sizeof(mig->cfg->host_name));
	lm_vm_get(vm);
	mig->vm = vm;
	vm->mig = mig;
	mig->memory = vm->memory;
	mig->stats.pages_total = vm->memory >> PAGE_SHIFT;
	mig->stats.pages_remaining = mig->stats.pages_total;
	lm_mig_prune(host, &gone);
	lm_mig_list(host, mig);
	/* The thread's reference. */
	lm_mig_get(mig);
	lm_host_thread_start(host);
	t = kthread_create(lm_out_thread, mig, "livemig-out/%u", mig->id);
	if (IS_ERR(t)) {
		lm_host_thread_done(host);
		vm->mig = NULL;
		list_del_init(&mig->node);
		mutex_unlock(&host->lock);
		module_put(THIS_MODULE);
		lm_mig_put(mig);
		lm_mig_put(mig);
		lm_mig_put(mig);
		lm_mig_put_list(&gone);
		return PTR_ERR(t);
	}
	err = mig->id;
	mutex_unlock(&host->lock);
	lm_mig_put_list(&gone);

	pr_info("migration %u: VM %s to %pISpc started by pid %d (uid %u)\n", mig->id,
		vm_name, peer, task_tgid_nr(current),
		from_kuid(&init_user_ns, current_uid()));
	lm_nl_notify_mig(mig);
	wake_up_process(t);
	lm_mig_put(mig);
	return err;
}

/**
 * lm_mig_cancel() - cancel a migration before COMMIT
 * @host: the caller's host
 * @id: the migration
 * @why: a sentence when refused
 *
 * Return: 0, -ENOENT or -EBUSY (COMMIT already sent).
 */
int lm_mig_cancel(struct lm_host *host, u32 id, const char **why)
{
	struct lm_mig *mig;
	int err = 0;

	mutex_lock(&host->lock);
	mig = lm_mig_find(host, id);
	if (!mig || mig->t_end) {
		*why = "mig-id: no active migration with that id on this host";
		err = -ENOENT;
	} else if (mig->commit_sent || mig->outcome == LM_OUTCOME_COMMITTED) {
		*why = "mig-id: COMMIT was already sent: the migration can no longer be cancelled";
		err = -EBUSY;
	} else {
		lm_mig_interrupt(mig);
	}
	mutex_unlock(&host->lock);
	return err;
}

/**
 * lm_mig_cancel_all() - cancel every migration of a host that still can be
 * @host: the host (lmctl disable --now has just disabled it)
 * @why: what the error messages add, e.g. "migrations were disabled"
 *
 * A migration that sent or recorded COMMIT goes on: stopping it then could
 * leave the VM nowhere. The queued ones are cancelled too.
 *
 * Return: how many were cancelled.
 */
unsigned int lm_mig_cancel_all(struct lm_host *host, const char *why)
{
	struct lm_mig *mig;
	unsigned int n = 0;

	mutex_lock(&host->lock);
	list_for_each_entry(mig, &host->migs, node) {
		if (mig->t_end || mig->commit_sent || READ_ONCE(mig->cancel) ||
		    mig->outcome == LM_OUTCOME_COMMITTED)
			continue;
		mig->cancel_why = why;
		lm_mig_interrupt(mig);
		n++;
	}
	mutex_unlock(&host->lock);
	return n;
}

/**
 * lm_mig_cancelled() - the error of a migration stopped on this host
 * @mig: the migration, asked to stop (lm_mig_stop_requested())
 * @e: set to "cancelled on HOST during PHASE[: why]", its phase kept
 */
void lm_mig_cancelled(struct lm_mig *mig, struct lm_err *e)
{
	const char *why = READ_ONCE(mig->cancel_why);

	lm_err_set(e, ECANCELED, e->phase, "cancelled on %s during %s%s%s",
		   mig->cfg->host_name, lm_phase_name(e->phase), why ? ": " : "",
		   why ? why : "");
	lm_err_named(e);
}

/* Resume the VM of a migration in doubt; the VMM answers in its own time. */
static int lm_mig_resolve_thread(void *arg)
{
	struct lm_mig *mig = arg;
	struct lm_host *host = mig->host;
	struct lm_vm *vm;
	struct lm_err e;
	int err;

	mutex_lock(&host->lock);
	vm = mig->vm;
	mutex_unlock(&host->lock);
	err = lm_vm_request(vm, LIVEMIG_REQ_RESUME, mig->id, LM_VMM_TIMEOUT, &e,
			    LM_PHASE_COMMITTING);
	if (!err)
		lm_err_set(&mig->err, ECONNABORTED, LM_PHASE_COMMITTING,
			   LIVEMIG_RESOLVED_MSG);
	else
		lm_err_set(&mig->err, e.code, LM_PHASE_COMMITTING,
			   "resolved by the operator, but the VMM did not resume the VM: %s",
			   e.msg);
	mutex_lock(&host->lock);
	vm = lm_mig_take_vm(mig);
	mutex_unlock(&host->lock);
	lm_vm_put(vm);
	lm_mig_set_state(mig, LIVEMIG_MIG_FAILED);
	pr_info("migration %u: VM %s: %s\n", mig->id, mig->vm_name, mig->err.msg);
	lm_mig_put(mig);
	lm_host_thread_done(host);
	module_put_and_kthread_exit(0);
	return 0;
}

/**
 * lm_mig_vm_gone() - a VM whose VMM went away leaves its migration in doubt
 * @vm: the VM, unregistered; its host's lock held
 *
 * Nothing is left to resume, and the record must not hold the VM (and
 * through it the namespace) until it is pruned.
 *
 * Return: true if the migration let go: its reference on @vm is the
 * caller's to put.
 */
bool lm_mig_vm_gone(struct lm_vm *vm)
{
	struct lm_mig *mig = vm->mig;

	lockdep_assert_held(&vm->host->lock);
	if (!mig || !mig->t_end || mig->resolving)
		return false;
	lm_err_set(&mig->err, ESRCH, LM_PHASE_COMMITTING,
		   "in doubt, then the VMM of %s exited: the VM is gone from this host",
		   mig->vm_name);
	WRITE_ONCE(mig->state, LIVEMIG_MIG_FAILED);
	return lm_mig_take_vm(mig) == vm;
}

/**
 * lm_mig_resolve() - resume the source VM of an in-doubt migration
 * @host: the caller's host
 * @id: the migration
 * @why: a sentence when refused
 *
 * The operator checked that the destination does not run the VM. The
 * VMM is asked from a thread of its own: its answer comes through this
 * same netlink family, which cannot take it while this request runs.
 * The migration then ends "failed", its error saying how the resume went.
 *
 * Return: 0 (the resume is under way), -ENOENT, -EINVAL (not in doubt) or
 * -EBUSY (already being resolved).
 */
int lm_mig_resolve(struct lm_host *host, u32 id, const char **why)
{
	struct task_struct *t = NULL;
	struct lm_mig *mig;
	int err = 0;

	mutex_lock(&host->lock);
	mig = lm_mig_find(host, id);
	if (!mig) {
		*why = "mig-id: no migration with that id on this host";
		err = -ENOENT;
	} else if (mig->dir != LIVEMIG_DIR_OUT ||
		   READ_ONCE(mig->state) != LIVEMIG_MIG_IN_DOUBT) {
		*why = "mig-id: only an outgoing migration in doubt can be resolved";
		err = -EINVAL;
	} else if (mig->resolving) {
		*why = "mig-id: it is being resolved already";
		err = -EBUSY;
	} else if (!try_module_get(THIS_MODULE)) {
		err = -ENODEV;
	} else if (!lm_host_thread_start(host)) {
		module_put(THIS_MODULE);
		err = -ENODEV;
	} else {
		lm_mig_get(mig);
		t = kthread_run(lm_mig_resolve_thread, mig, "livemig-resolve");
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			lm_mig_put(mig);
			lm_host_thread_done(host);
			module_put(THIS_MODULE);
		} else {
			mig->resolving = true;
		}
	}
	mutex_unlock(&host->lock);
	return err;
}

/**
 * lm_mig_host_exit() - stop every migration of a host going away
 * @host: the host; its listeners are closed
 */
void lm_mig_host_exit(struct lm_host *host)
{
	struct lm_mig *mig;
	LIST_HEAD(gone);

	mutex_lock(&host->lock);
	list_for_each_entry(mig, &host->migs, node)
		if (!mig->t_end)
			lm_mig_interrupt(mig);
	mutex_unlock(&host->lock);
	/* Every thread ends: sockets are shut down, waits are bounded. */
	lm_host_wait_threads(host);
	mutex_lock(&host->lock);
	list_splice_init(&host->migs, &gone);
	mutex_unlock(&host->lock);
	lm_mig_put_list(&gone);
}
