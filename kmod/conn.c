// SPDX-License-Identifier: GPL-2.0
/*
 * livemig: migration connections over kernel TCP sockets.
 *
 * A connection is a kernel socket owned by one migration thread at a
 * time, with blocking sends and receives bounded by socket timeouts. To
 * stop a thread blocked on its connection (cancel, peer gone, host going
 * away) another thread shuts the socket down: the blocked call returns.
 *
 * The handshake (HELLO both ways, AUTH both ways under psk, then kernel
 * TLS with a key per direction) is the same code for the control
 * connection and every data connection: each has its own fresh nonces
 * and so its own keys.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/net.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/tls.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "auth.h"
#include "fault.h"
#include "livemig.h"

/**
 * lm_conn_alloc() - wrap a connected socket
 * @sock: the socket; the connection owns it from now on
 * @buf_len: largest payload this connection receives
 *
 * Return: the connection or NULL (the socket is then released).
 */
struct lm_conn *lm_conn_alloc(struct socket *sock, size_t buf_len)
{
	struct lm_conn *c = kzalloc(sizeof(*c), GFP_KERNEL);
	struct sockaddr_storage ss;

	if (c)
		c->buf = kvmalloc(buf_len, GFP_KERNEL);
	if (!c || !c->buf) {
		kfree(c);
		sock_no_linger(sock->sk);
		sock_release(sock);
		return NULL;
	}
	lm_obj_count(LM_OBJ_CONN, 1);
	/* Its address names the peer in errors until its HELLO names it. */
	if (kernel_getpeername(sock, (struct sockaddr *)&ss) > 0)
		snprintf(c->peer, sizeof(c->peer), "%pISpc", &ss);
	c->buf_len = buf_len;
	c->recv_max = buf_len;
	c->sock = sock;
	lm_conn_set_timeout(c, LM_IO_TIMEOUT);
	/* Latency matters more than packing at switch-over. */
	tcp_sock_set_nodelay(sock->sk);
	return c;
}

/**
 * lm_conn_grow() - make room for larger messages
 * @c: the connection; what its buffer holds is dropped
 * @buf_len: the new largest payload
 *
 * Return: 0 or -ENOMEM (the connection keeps its buffer).
 */
int lm_conn_grow(struct lm_conn *c, size_t buf_len)
{
	u8 *buf;

	if (buf_len <= c->buf_len)
		return 0;
	buf = kvmalloc(buf_len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	kvfree(c->buf);
	c->buf = buf;
	c->buf_len = buf_len;
	c->recv_max = buf_len;
	return 0;
}

/**
 * lm_conn_set_timeout() - bound every blocking send and receive
 * @c: the connection
 * @timeout: jiffies
 */
void lm_conn_set_timeout(struct lm_conn *c, long timeout)
{
	struct sock *sk = c->sock->sk;

	c->timeout = timeout;
	lock_sock(sk);
	sk->sk_sndtimeo = timeout;
	sk->sk_rcvtimeo = timeout;
	release_sock(sk);
}

/**
 * lm_conn_set_deadline() - bound a whole exchange, not just each call
 * @c: the connection
 * @deadline: jiffies, or 0 for none (each call keeps its timeout)
 */
void lm_conn_set_deadline(struct lm_conn *c, unsigned long deadline)
{
	c->deadline = deadline;
	if (!deadline)
		lm_conn_set_timeout(c, c->timeout);
}

/*
 * When one message must be through: the timeout bounds a whole message,
 * not each socket call (a peer sending or taking a byte now and then
 * would otherwise hold us forever), and the exchange's deadline bounds
 * both. 0: no bound (a connection meant to stay silent).
 */
static unsigned long lm_conn_msg_deadline(const struct lm_conn *c)
{
	unsigned long d;

	if (c->timeout == MAX_SCHEDULE_TIMEOUT)
		return c->deadline;
	d = jiffies + c->timeout;
	if (c->deadline && time_before(c->deadline, d))
		d = c->deadline;
	return d ?: 1;
}

/*
 * Before each blocking call: what is left until @deadline becomes the
 * call's timeout. Only the connection's owner calls this, so the plain
 * store races with nothing but a reader in the socket layer.
 */
static int lm_conn_clamp(struct lm_conn *c, unsigned long deadline, long *timeo)
{
	long left;

	if (!deadline)
		return 0;
	left = (long)(deadline - jiffies);
	if (left <= 0)
		return -ETIMEDOUT;
	WRITE_ONCE(*timeo, left);
	return 0;
}

/**
 * lm_conn_free() - close and free a connection
 * @c: the connection, or NULL
 *
 * Resets rather than closes: an orphaned kernel socket has no timers, so
 * one waiting for its FIN to be acknowledged would never go away.
 */
void lm_conn_free(struct lm_conn *c)
{
	if (!c)
		return;
	sock_no_linger(c->sock->sk);
	sock_release(c->sock);
	kvfree(c->buf);
	kfree(c);
	lm_obj_count(LM_OBJ_CONN, -1);
}

/**
 * lm_conn_shutdown() - wake whoever is blocked on a connection
 * @c: the connection, or NULL
 *
 * Callable from any thread while the owner still holds @c.
 */
void lm_conn_shutdown(struct lm_conn *c)
{
	if (c)
		kernel_sock_shutdown(c->sock, SHUT_RDWR);
}

/**
 * lm_conn_wake_reader() - end a blocked receive, but keep sending
 * @c: the connection, or NULL
 *
 * The owner's receive returns; it can still tell the peer why (ABORT).
 */
void lm_conn_wake_reader(struct lm_conn *c)
{
	if (c)
		kernel_sock_shutdown(c->sock, SHUT_RD);
}

/**
 * lm_conn_connect() - open a TCP connection to a peer
 * @net: the namespace (host) to connect from
 * @peer: the address and port
 * @cp: set to the connection
 *
 * Return: 0 or a negative errno (-ECONNREFUSED, -ETIMEDOUT, ...).
 */
int lm_conn_connect(struct net *net, const struct sockaddr_storage *peer,
		    struct lm_conn **cp)
{
	struct socket *sock;
	int len = peer->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
						 sizeof(struct sockaddr_in);
	int err;

	err = sock_create_kern(net, peer->ss_family, SOCK_STREAM, IPPROTO_TCP, &sock);
	if (err)
		return err;
	/* A blocking connect waits at most the send timeout. */
	sock->sk->sk_sndtimeo = LM_CONNECT_TIMEOUT;
	err = kernel_connect(sock, (struct sockaddr *)peer, len, 0);
	if (err) {
		sock_no_linger(sock->sk);
		sock_release(sock);
		/* A timed-out blocking connect says "in progress". */
		return err == -EINPROGRESS || err == -EAGAIN ? -ETIMEDOUT : err;
	}
	*cp = lm_conn_alloc(sock, LM_CTRL_BUF);
	return *cp ? 0 : -ENOMEM;
}

/* Send all of @iov or fail; a timeout is a failure, not a partial send. */
static int lm_conn_sendv(struct lm_conn *c, struct kvec *iov, size_t n,
			 size_t total)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	unsigned long deadline = lm_conn_msg_deadline(c);
	int sent;

	iov_iter_kvec(&msg.msg_iter, WRITE, iov, n, total);
	while (msg_data_left(&msg)) {
		sent = lm_conn_clamp(c, deadline, &c->sock->sk->sk_sndtimeo);
		if (sent)
			return sent;
		sent = sock_sendmsg(c->sock, &msg);
		if (sent == -EAGAIN)
			return -ETIMEDOUT;
		if (sent < 0)
			return sent;
		if (!sent)
			return -EPIPE;
	}
	return 0;
}

/**
 * lm_conn_send() - send one message
 * @c: the connection
 * @type: &enum lm_msg_type
 * @payload: its payload, or NULL if @len is 0
 * @len: payload bytes, at most the type's maximum
 *
 * Return: 0 or a negative errno.
 */
int lm_conn_send(struct lm_conn *c, u8 type, const void *payload, size_t len)
{
	struct lm_msg_hdr hdr = {
		.version = c->version ? c->version : LM_PROTO_VERSION_MIN,
		.type = type,
		.len = len,
	};
	u8 raw[LM_MSG_HDR_LEN];
	struct kvec iov[2] = {
		{ .iov_base = raw, .iov_len = sizeof(raw) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};

	if (len > lm_msg_max_len(type))
		return -EMSGSIZE;
	lm_msg_hdr_encode(raw, &hdr);
	return lm_conn_sendv(c, iov, len ? 2 : 1, sizeof(raw) + len);
}

static int lm_conn_read(struct lm_conn *c, void *buf, size_t len,
			unsigned long deadline)
{
	struct msghdr msg = { };
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	int n;

	iov_iter_kvec(&msg.msg_iter, READ, &iov, 1, len);
	while (msg_data_left(&msg)) {
		n = lm_conn_clamp(c, deadline, &c->sock->sk->sk_rcvtimeo);
		if (n)
			return n;
		n = sock_recvmsg(c->sock, &msg, MSG_WAITALL);
		if (n == -EAGAIN)
			return -ETIMEDOUT;
		if (n < 0)
			return n;
		if (!n)
			return -ECONNRESET;
	}
	return 0;
}

/**
 * lm_conn_has_input() - would a receive return without waiting long?
 * @c: the connection
 *
 * For a connection the peer should keep silent on for a while: data, its
 * end or an error on it means the peer gave up (ABORT) or went away. The
 * socket's own poll is asked, without a file or a wait table, so this
 * also sees records kernel TLS holds decrypted.
 *
 * Return: true if data, the peer's end or an error is waiting.
 */
bool lm_conn_has_input(struct lm_conn *c)
{
	__poll_t mask = c->sock->ops->poll(NULL, c->sock, NULL);

	return mask & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
}

/**
 * lm_conn_recv() - receive one message into the connection's buffer
 * @c: the connection
 * @hdr: set to the message's header; the payload is in @c->buf
 *
 * The header is checked before any payload is read, so a peer cannot
 * make us read (or allocate) more than the type allows.
 *
 * Return: 0 or a negative errno; -EPROTO for a malformed header.
 */
int lm_conn_recv(struct lm_conn *c, struct lm_msg_hdr *hdr)
{
	u8 raw[LM_MSG_HDR_LEN];
	int err;

	err = lm_conn_read(c, raw, sizeof(raw), lm_conn_msg_deadline(c));
	if (err)
		return err;
	if (lm_msg_hdr_decode(raw, sizeof(raw), hdr))
		return -EPROTO;
	if (c->version && hdr->type != LM_MSG_HELLO && hdr->version != c->version)
		return -EPROTO;
	if (hdr->len > c->recv_max)
		return -EPROTO;
	/* The payload has its own time, from when the header came. */
	return lm_conn_read(c, c->buf, hdr->len, lm_conn_msg_deadline(c));
}

/**
 * lm_conn_abort() - tell the peer why we give up, best effort
 * @c: the connection, or NULL
 * @code: positive errno naming the cause
 * @phase: &enum lm_phase
 * @reason: a sentence
 */
void lm_conn_abort(struct lm_conn *c, int code, u8 phase, const char *reason)
{
	struct lm_abort a = { .code = code, .phase = phase };
	u8 buf[4 + LM_ABORT_REASON_MAX];
	int len;

	if (!c)
		return;
	strscpy(a.reason, reason, sizeof(a.reason));
	len = lm_abort_encode(buf, sizeof(buf), &a);
	if (len < 0)
		return;
	/* The peer may be gone or stuck: do not wait long for it. */
	lm_conn_set_timeout(c, HZ);
	lm_conn_send(c, LM_MSG_ABORT, buf, len);
}

/* Turn kernel TLS on for both directions of @c. */
static int lm_conn_tls(struct lm_conn *c, const struct lm_auth_transcript *t,
		       const u8 *psk, enum lm_role role)
{
	struct tls12_crypto_info_aes_gcm_256 ci = { };
	struct lm_stream_keys keys;
	struct socket *sock = c->sock;
	enum lm_role peer = role == LM_ROLE_INITIATOR ? LM_ROLE_RESPONDER :
							LM_ROLE_INITIATOR;
	int err;

	err = sock->ops->setsockopt(sock, SOL_TCP, TCP_ULP, KERNEL_SOCKPTR("tls"),
				    sizeof("tls"));
	if (err)
		return err;

	ci.info.version = TLS_1_3_VERSION;
	ci.info.cipher_type = TLS_CIPHER_AES_GCM_256;
	/* Each direction its own key: kTLS nonces count records from 0. */
	err = lm_stream_keys(psk, t, 0, role, &keys);
	if (err)
		goto out;
	memcpy(ci.key, keys.key, sizeof(ci.key));
	memcpy(ci.salt, keys.salt, sizeof(ci.salt));
	memcpy(ci.iv, keys.iv, sizeof(ci.iv));
	err = sock->ops->setsockopt(sock, SOL_TLS, TLS_TX, KERNEL_SOCKPTR(&ci),
				    sizeof(ci));
	if (err)
		goto out;
	err = lm_stream_keys(psk, t, 0, peer, &keys);
	if (err)
		goto out;
	memcpy(ci.key, keys.key, sizeof(ci.key));
	memcpy(ci.salt, keys.salt, sizeof(ci.salt));
	memcpy(ci.iv, keys.iv, sizeof(ci.iv));
	err = sock->ops->setsockopt(sock, SOL_TLS, TLS_RX, KERNEL_SOCKPTR(&ci),
				    sizeof(ci));
out:
	memzero_explicit(&keys, sizeof(keys));
	memzero_explicit(&ci, sizeof(ci));
	return err;
}

static const char *const lm_auth_names[] = {
	[LIVEMIG_AUTH_PSK] = "psk",
	[LIVEMIG_AUTH_NONE] = "none",
};

/* The peer's ABORT, as an error for our side. */
static int lm_conn_peer_abort(struct lm_conn *c, const struct lm_msg_hdr *hdr,
			      struct lm_err *e, u8 phase)
{
	struct lm_abort a;

	if (lm_abort_decode(c->buf, hdr->len, &a))
		return lm_err_set(e, EPROTO, phase, "the peer sent a malformed ABORT");
	/* Its words, with who said it and where it was. */
	lm_err_set(e, a.code ? a.code : ECONNABORTED, phase, "%s gave up during %s: %s",
		   c->peer[0] ? c->peer : "the peer", lm_phase_name(a.phase), a.reason);
	e->remote = true;
	return -e->code;
}

/**
 * lm_conn_expect() - receive the next message, which must be of @type
 * @c: the connection
 * @type: the expected &enum lm_msg_type
 * @hdr: set to its header
 * @e: filled on failure (an ABORT from the peer becomes its reason)
 * @phase: for @e
 *
 * Return: 0 or a negative errno.
 */
int lm_conn_expect(struct lm_conn *c, u8 type, struct lm_msg_hdr *hdr,
		   struct lm_err *e, u8 phase)
{
	int err = lm_conn_recv(c, hdr);

	if (err)
		return lm_err_io(e, c, err, phase);
	return lm_conn_expect_hdr(c, type, hdr, e, phase);
}

/**
 * lm_conn_expect_hdr() - check a received message is of @type
 * @c: the connection, its buffer holding the payload
 * @type: the expected &enum lm_msg_type, or 0 when nothing is due (then
 *	any message is a failure: the peer's ABORT or a protocol error)
 * @hdr: the message's header
 * @e: filled on failure (an ABORT from the peer becomes its reason)
 * @phase: for @e
 *
 * Return: 0 or a negative errno.
 */
int lm_conn_expect_hdr(struct lm_conn *c, u8 type,
		       const struct lm_msg_hdr *hdr, struct lm_err *e, u8 phase)
{
	if (hdr->type == LM_MSG_ABORT && type != LM_MSG_ABORT)
		return lm_conn_peer_abort(c, hdr, e, phase);
	if (!type)
		return lm_err_set(e, EPROTO, phase, "the peer sent %s when nothing was due",
				  lm_msg_name(hdr->type));
	if (hdr->type != type)
		return lm_err_set(e, EPROTO, phase, "expected %s, the peer sent %s",
				  lm_msg_name(type), lm_msg_name(hdr->type));
	return 0;
}

/**
 * lm_conn_handshake() - HELLO, AUTH and kernel TLS on a fresh connection
 * @c: the connection
 * @role: initiator (source, connected) or responder (destination)
 * @cfg: this host's settings snapshot (auth, key, host name)
 * @peer_name: set to the peer's host name (%LIVEMIG_HOST_NAME_MAX bytes)
 * @e: filled on failure, with a sentence for the admin
 *
 * A disabled host still authenticates its peers: the data streams of a
 * migration under way must join, and a source in doubt must ask for the
 * outcome. Only a new migration (SETUP) is refused, after this.
 *
 * Return: 0 or a negative errno.
 */
int lm_conn_handshake(struct lm_conn *c, enum lm_role role,
		      const struct lm_settings *cfg, char *peer_name,
		      struct lm_err *e)
{
	const u8 phase = LM_PHASE_AUTHENTICATING;
	struct lm_auth_transcript *t;
	struct lm_hello mine = {
		.version_min = LM_PROTO_VERSION_MIN,
		.version_max = LM_PROTO_VERSION,
		.auth = cfg->auth,
	};
	struct lm_hello *theirs;
	struct lm_msg_hdr hdr;
	u8 buf[LM_HELLO_FIXED_LEN + LIVEMIG_HOST_NAME_MAX];
	u8 mac[LM_HASH_LEN];
	u32 version;
	int err, len;

	/* Until the peer is authenticated, only handshake messages fit. */
	c->recv_max = max3(lm_msg_max_len(LM_MSG_HELLO), lm_msg_max_len(LM_MSG_AUTH),
			   lm_msg_max_len(LM_MSG_ABORT));
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	theirs = kzalloc(sizeof(*theirs), GFP_KERNEL);
	if (!t || !theirs) {
		err = lm_err_set(e, ENOMEM, phase, "out of memory");
		goto out;
	}
	get_random_bytes(mine.nonce, sizeof(mine.nonce));
	strscpy(mine.host, cfg->host_name, sizeof(mine.host));

	if (role == LM_ROLE_INITIATOR) {
		len = lm_hello_encode(buf, sizeof(buf), &mine);
		err = lm_conn_send(c, LM_MSG_HELLO, buf, len);
		if (err) {
			lm_err_io(e, c, err, phase);
			goto out;
		}
	}
	err = lm_conn_expect(c, LM_MSG_HELLO, &hdr, e, phase);
	if (err)
		goto out;
	if (lm_hello_decode(c->buf, hdr.len, theirs)) {
		err = lm_err_set(e, EPROTO, phase, "the peer's HELLO is malformed");
		goto out;
	}
	strscpy(peer_name, theirs->host, LIVEMIG_HOST_NAME_MAX);
	strscpy(c->peer, theirs->host, sizeof(c->peer));
	if (lm_proto_negotiate(theirs->version_min, theirs->version_max, &version)) {
		err = lm_err_set(e, EPROTONOSUPPORT, phase,
				 "no common protocol version: %s speaks %u..%u, this host %u..%u",
				 theirs->host, theirs->version_min, theirs->version_max,
				 LM_PROTO_VERSION_MIN, LM_PROTO_VERSION);
		goto refuse;
	}
	if (theirs->auth != cfg->auth || theirs->auth >= __LIVEMIG_AUTH_MAX) {
		err = lm_err_set(e, EACCES, phase,
				 "authentication mismatch: %s uses auth %s, %s uses auth %s",
				 mine.host, lm_auth_names[cfg->auth], theirs->host,
				 theirs->auth < __LIVEMIG_AUTH_MAX ?
				 lm_auth_names[theirs->auth] : "unknown");
		goto refuse;
	}
	if (cfg->auth == LIVEMIG_AUTH_PSK && !cfg->psk_present) {
		err = lm_err_set(e, ENOKEY, phase,
				 "no key installed on %s (lmctl set auth psk key-file PATH)",
				 mine.host);
		goto refuse;
	}
	if (role == LM_ROLE_RESPONDER) {
		len = lm_hello_encode(buf, sizeof(buf), &mine);
		err = lm_conn_send(c, LM_MSG_HELLO, buf, len);
		if (err) {
			lm_err_io(e, c, err, phase);
			goto out;
		}
	}
	c->version = version;
	if (cfg->auth == LIVEMIG_AUTH_NONE)
		goto out;

	/* Each proof binds both nonces, both names, version and options. */
	if (role == LM_ROLE_INITIATOR) {
		memcpy(t->nonce_i, mine.nonce, LM_NONCE_LEN);
		memcpy(t->nonce_r, theirs->nonce, LM_NONCE_LEN);
		strscpy(t->host_i, mine.host, sizeof(t->host_i));
		strscpy(t->host_r, theirs->host, sizeof(t->host_r));
		t->options = mine.features | (theirs->features << 16);
	} else {
		memcpy(t->nonce_i, theirs->nonce, LM_NONCE_LEN);
		memcpy(t->nonce_r, mine.nonce, LM_NONCE_LEN);
		strscpy(t->host_i, theirs->host, sizeof(t->host_i));
		strscpy(t->host_r, mine.host, sizeof(t->host_r));
		t->options = theirs->features | (mine.features << 16);
	}
	t->version = version;

	if (role == LM_ROLE_INITIATOR) {
		err = lm_auth_proof(cfg->psk, LM_ROLE_INITIATOR, t, mac);
		if (!err)
			err = lm_conn_send(c, LM_MSG_AUTH, mac, sizeof(mac));
		if (err) {
			lm_err_io(e, c, err, phase);
			goto out;
		}
	}
	err = lm_conn_expect(c, LM_MSG_AUTH, &hdr, e, phase);
	if (err)
		goto out;
	if (hdr.len != LM_HASH_LEN ||
	    lm_auth_verify(cfg->psk, role == LM_ROLE_INITIATOR ? LM_ROLE_RESPONDER :
				LM_ROLE_INITIATOR, t, c->buf)) {
		err = lm_err_set(e, EACCES, phase,
				 "authentication failed: %s and %s do not share the same key (compare the fingerprints in lmctl show)",
				 mine.host, theirs->host);
		goto refuse;
	}
	if (role == LM_ROLE_RESPONDER) {
		err = lm_auth_proof(cfg->psk, LM_ROLE_RESPONDER, t, mac);
		if (!err)
			err = lm_conn_send(c, LM_MSG_AUTH, mac, sizeof(mac));
		if (err) {
			lm_err_io(e, c, err, phase);
			goto out;
		}
	}
	/* Nothing past AUTH is read in the clear. */
	err = lm_conn_tls(c, t, cfg->psk, role);
	if (err)
		lm_err_set(e, -err, phase,
			   "could not turn on kernel TLS (error %d): is the tls module available?",
			   err);
	goto out;

refuse:
	lm_conn_abort(c, e->code, phase, e->msg);
out:
	if (!err)
		c->recv_max = c->buf_len;
	kfree_sensitive(t);
	kfree(theirs);
	memzero_explicit(mac, sizeof(mac));
	return err;
}
