/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig: host-to-host authentication and key derivation.
 *
 * No sockets here: the handshake's messages are built and checked from
 * plain buffers, so KUnit tests it under UML.
 */
#ifndef _LIVEMIG_AUTH_H
#define _LIVEMIG_AUTH_H

#include <linux/types.h>

#include <linux/livemig.h>

#include "proto.h"

#define LM_HASH_LEN		32	/* SHA-256 */
#define LM_TLS_KEY_LEN		32	/* AES-256-GCM */
#define LM_TLS_SALT_LEN		4
#define LM_TLS_IV_LEN		8

/**
 * enum lm_role - which end of a migration connection we are
 * @LM_ROLE_INITIATOR: the source, which connected
 * @LM_ROLE_RESPONDER: the destination, which accepted
 */
enum lm_role {
	LM_ROLE_INITIATOR = 1,
	LM_ROLE_RESPONDER = 2,
};

/**
 * struct lm_auth_transcript - everything a handshake proof binds
 * @nonce_i: the initiator's fresh nonce
 * @nonce_r: the responder's fresh nonce
 * @host_i: the initiator's host name, NUL-terminated
 * @host_r: the responder's host name, NUL-terminated
 * @version: the negotiated wire protocol version
 * @options: the negotiated options (performance option, streams, ...)
 *
 * Binding both nonces defeats replay, the role defeats reflection, and
 * the version and options defeat a downgrade by a man in the middle.
 */
struct lm_auth_transcript {
	u8 nonce_i[LM_NONCE_LEN];
	u8 nonce_r[LM_NONCE_LEN];
	char host_i[LIVEMIG_HOST_NAME_MAX];
	char host_r[LIVEMIG_HOST_NAME_MAX];
	u32 version;
	u32 options;
};

/**
 * struct lm_stream_keys - kTLS material for one direction of one stream
 * @key: AES-256-GCM key
 * @salt: implicit part of the nonce
 * @iv: explicit part of the nonce's start
 */
struct lm_stream_keys {
	u8 key[LM_TLS_KEY_LEN];
	u8 salt[LM_TLS_SALT_LEN];
	u8 iv[LM_TLS_IV_LEN];
};

int lm_hkdf_extract(const u8 *salt, size_t salt_len, const u8 *ikm,
		    size_t ikm_len, u8 *prk);
int lm_hkdf_expand(const u8 *prk, const u8 *info, size_t info_len, u8 *okm,
		   size_t okm_len);
int lm_auth_proof(const u8 *psk, enum lm_role role,
		  const struct lm_auth_transcript *t, u8 *mac);
int lm_auth_verify(const u8 *psk, enum lm_role role,
		   const struct lm_auth_transcript *t, const u8 *mac);
int lm_stream_keys(const u8 *psk, const struct lm_auth_transcript *t,
		   u16 stream, enum lm_role sender, struct lm_stream_keys *keys);

#endif /* _LIVEMIG_AUTH_H */
