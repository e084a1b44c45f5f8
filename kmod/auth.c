// SPDX-License-Identifier: GPL-2.0
/*
 * livemig: host-to-host authentication and key derivation.
 *
 * Both hosts hold the same 32-byte key. Each proves it with an HMAC-SHA256
 * over the handshake transcript and its role; the other checks it in
 * constant time. Traffic keys come from HKDF-SHA256 (RFC 5869) over the key
 * and both nonces, distinct for every stream and direction: kTLS derives
 * its nonces from the record number, so two senders sharing a key would
 * repeat nonces. 6.1 has no HKDF in its crypto API; it is built here on
 * hmac(sha256) and tested with the RFC's vectors.
 */
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include "auth.h"

/* Domain separation: these labels never collide with one another. */
static const char lm_label_proof[] = "livemig v1 auth proof";
static const char lm_label_stream[] = "livemig v1 stream key";

/* A keyed HMAC-SHA256 that callers feed piece by piece. */
struct lm_hmac {
	struct crypto_shash *tfm;
	struct shash_desc *desc;
};

static int lm_hmac_begin(struct lm_hmac *h, const u8 *key, size_t key_len)
{
	int err;

	h->tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(h->tfm))
		return PTR_ERR(h->tfm);

	h->desc = kmalloc(sizeof(*h->desc) + crypto_shash_descsize(h->tfm),
			  GFP_KERNEL);
	if (!h->desc) {
		err = -ENOMEM;
		goto err_tfm;
	}
	h->desc->tfm = h->tfm;

	err = crypto_shash_setkey(h->tfm, key, key_len);
	if (!err)
		err = crypto_shash_init(h->desc);
	if (err)
		goto err_desc;
	return 0;

err_desc:
	kfree_sensitive(h->desc);
err_tfm:
	crypto_free_shash(h->tfm);
	return err;
}

static int lm_hmac_add(struct lm_hmac *h, const void *data, size_t len)
{
	return crypto_shash_update(h->desc, data, len);
}

/* Finish (when @out is not NULL) and free; the state may hold key material. */
static int lm_hmac_end(struct lm_hmac *h, u8 *out)
{
	int err = out ? crypto_shash_final(h->desc, out) : 0;

	kfree_sensitive(h->desc);
	crypto_free_shash(h->tfm);
	return err;
}

/**
 * lm_hkdf_extract() - HKDF-Extract with SHA-256 (RFC 5869, 2.2)
 * @salt: optional salt; an empty salt means %LM_HASH_LEN zero bytes
 * @salt_len: its length
 * @ikm: input keying material
 * @ikm_len: its length
 * @prk: %LM_HASH_LEN bytes of pseudorandom key out
 *
 * Return: 0 or a negative errno from the crypto API.
 */
int lm_hkdf_extract(const u8 *salt, size_t salt_len, const u8 *ikm,
		    size_t ikm_len, u8 *prk)
{
	static const u8 zeros[LM_HASH_LEN];
	struct lm_hmac h;
	int err;

	err = salt_len ? lm_hmac_begin(&h, salt, salt_len) :
			 lm_hmac_begin(&h, zeros, sizeof(zeros));
	if (err)
		return err;
	err = lm_hmac_add(&h, ikm, ikm_len);
	return lm_hmac_end(&h, err ? NULL : prk) ?: err;
}

/**
 * lm_hkdf_expand() - HKDF-Expand with SHA-256 (RFC 5869, 2.3)
 * @prk: %LM_HASH_LEN bytes from lm_hkdf_extract()
 * @info: context
 * @info_len: its length
 * @okm: output keying material
 * @okm_len: bytes wanted, at most 255 * %LM_HASH_LEN
 *
 * Return: 0, -EINVAL for too long an output, or a crypto API errno.
 */
int lm_hkdf_expand(const u8 *prk, const u8 *info, size_t info_len, u8 *okm,
		   size_t okm_len)
{
	u8 t[LM_HASH_LEN];
	size_t done = 0;
	u8 i;
	int err = 0;

	if (okm_len > 255 * LM_HASH_LEN)
		return -EINVAL;

	for (i = 1; done < okm_len; i++) {
		struct lm_hmac h;

		err = lm_hmac_begin(&h, prk, LM_HASH_LEN);
		if (err)
			break;
		/* T(i) = HMAC(PRK, T(i-1) | info | i), T(0) empty. */
		if (i > 1)
			err = lm_hmac_add(&h, t, sizeof(t));
		if (!err)
			err = lm_hmac_add(&h, info, info_len);
		if (!err)
			err = lm_hmac_add(&h, &i, 1);
		err = lm_hmac_end(&h, err ? NULL : t) ?: err;
		if (err)
			break;
		memcpy(okm + done, t, min_t(size_t, sizeof(t), okm_len - done));
		done += min_t(size_t, sizeof(t), okm_len - done);
	}
	memzero_explicit(t, sizeof(t));
	return err;
}

/* Feed a host name with its length, so "ab"+"c" never equals "a"+"bc". */
static int lm_hmac_add_name(struct lm_hmac *h, const char *name)
{
	size_t len = strnlen(name, LIVEMIG_HOST_NAME_MAX - 1);
	u8 l = len;
	int err;

	err = lm_hmac_add(h, &l, 1);
	return err ?: lm_hmac_add(h, name, len);
}

/**
 * lm_auth_proof() - the proof one side sends that it knows the key
 * @psk: %LIVEMIG_PSK_LEN bytes
 * @role: the side that sends this proof
 * @t: the handshake so far
 * @mac: %LM_HASH_LEN bytes out
 *
 * Return: 0 or a crypto API errno.
 */
int lm_auth_proof(const u8 *psk, enum lm_role role,
		  const struct lm_auth_transcript *t, u8 *mac)
{
	u8 role_byte = role, be[8];
	struct lm_hmac h;
	int err;

	err = lm_hmac_begin(&h, psk, LIVEMIG_PSK_LEN);
	if (err)
		return err;

	put_unaligned_be32(t->version, be);
	put_unaligned_be32(t->options, be + 4);
	err = lm_hmac_add(&h, lm_label_proof, sizeof(lm_label_proof) - 1);
	if (!err)
		err = lm_hmac_add(&h, &role_byte, 1);
	if (!err)
		err = lm_hmac_add(&h, t->nonce_i, LM_NONCE_LEN);
	if (!err)
		err = lm_hmac_add(&h, t->nonce_r, LM_NONCE_LEN);
	if (!err)
		err = lm_hmac_add_name(&h, t->host_i);
	if (!err)
		err = lm_hmac_add_name(&h, t->host_r);
	if (!err)
		err = lm_hmac_add(&h, be, sizeof(be));
	return lm_hmac_end(&h, err ? NULL : mac) ?: err;
}

/**
 * lm_auth_verify() - check the other side's proof
 * @psk: our key
 * @role: the role of the side that sent @mac
 * @t: the handshake as we saw it
 * @mac: the proof received
 *
 * Return: 0 if it matches, -EACCES if not, or a crypto API errno.
 */
int lm_auth_verify(const u8 *psk, enum lm_role role,
		   const struct lm_auth_transcript *t, const u8 *mac)
{
	u8 want[LM_HASH_LEN];
	int err;

	err = lm_auth_proof(psk, role, t, want);
	/* Constant time: a timing difference must not reveal the prefix. */
	if (!err && crypto_memneq(want, mac, sizeof(want)))
		err = -EACCES;
	memzero_explicit(want, sizeof(want));
	return err;
}

/**
 * lm_stream_keys() - kTLS keys for one direction of one stream
 * @psk: the shared key
 * @t: the authenticated handshake (its nonces make the keys fresh)
 * @stream: 0 for the control connection, 1..N for data streams
 * @sender: which side sends with these keys
 * @keys: out
 *
 * Return: 0 or a crypto API errno.
 */
int lm_stream_keys(const u8 *psk, const struct lm_auth_transcript *t,
		   u16 stream, enum lm_role sender, struct lm_stream_keys *keys)
{
	u8 salt[2 * LM_NONCE_LEN], prk[LM_HASH_LEN];
	u8 info[sizeof(lm_label_stream) - 1 + 3];
	u8 okm[sizeof(*keys)];
	int err;

	memcpy(salt, t->nonce_i, LM_NONCE_LEN);
	memcpy(salt + LM_NONCE_LEN, t->nonce_r, LM_NONCE_LEN);
	memcpy(info, lm_label_stream, sizeof(lm_label_stream) - 1);
	put_unaligned_be16(stream, info + sizeof(lm_label_stream) - 1);
	info[sizeof(info) - 1] = sender;

	err = lm_hkdf_extract(salt, sizeof(salt), psk, LIVEMIG_PSK_LEN, prk);
	if (!err)
		err = lm_hkdf_expand(prk, info, sizeof(info), okm, sizeof(okm));
	if (!err) {
		memcpy(keys->key, okm, LM_TLS_KEY_LEN);
		memcpy(keys->salt, okm + LM_TLS_KEY_LEN, LM_TLS_SALT_LEN);
		memcpy(keys->iv, okm + LM_TLS_KEY_LEN + LM_TLS_SALT_LEN, LM_TLS_IV_LEN);
	}
	memzero_explicit(prk, sizeof(prk));
	memzero_explicit(okm, sizeof(okm));
	return err;
}
