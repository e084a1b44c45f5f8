/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig wire protocol: bounds-checked cursors for payload codecs.
 *
 * Shared by proto.c (handshake and control messages) and pages.c (the
 * data path). A reader marks itself bad on the first short read and
 * returns zeroes from then on, so a codec checks once, at its end.
 */
#ifndef _LIVEMIG_WIRE_H
#define _LIVEMIG_WIRE_H

#include <linux/ctype.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/unaligned.h>

/* A cursor over a received buffer: every read is bounds-checked. */
struct lm_rd {
	const u8 *p;
	size_t left;
	bool bad;
};

static inline const u8 *lm_rd_take(struct lm_rd *r, size_t n)
{
	const u8 *at = r->p;

	if (r->bad || n > r->left) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return at;
}

static inline u16 lm_rd_be16(struct lm_rd *r)
{
	const u8 *p = lm_rd_take(r, 2);

	return p ? get_unaligned_be16(p) : 0;
}

static inline u32 lm_rd_be32(struct lm_rd *r)
{
	const u8 *p = lm_rd_take(r, 4);

	return p ? get_unaligned_be32(p) : 0;
}

static inline u64 lm_rd_be64(struct lm_rd *r)
{
	const u8 *p = lm_rd_take(r, 8);

	return p ? get_unaligned_be64(p) : 0;
}

static inline u8 lm_rd_u8(struct lm_rd *r)
{
	const u8 *p = lm_rd_take(r, 1);

	return p ? *p : 0;
}

static inline void lm_rd_bytes(struct lm_rd *r, void *out, size_t n)
{
	const u8 *p = lm_rd_take(r, n);

	if (p)
		memcpy(out, p, n);
}

/* Names and reasons end up in logs and on terminals: printable ASCII only. */
static inline bool lm_text_valid(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isascii(s[i]) || !isprint(s[i]))
			return false;
	return true;
}

/* A length-prefixed name into @out (@size with its NUL); invalid = bad. */
static inline void lm_rd_name(struct lm_rd *r, char *out, size_t size)
{
	u8 len = lm_rd_u8(r);
	const u8 *p = lm_rd_take(r, len);

	if (!p || len >= size || !lm_text_valid((const char *)p, len)) {
		r->bad = true;
		return;
	}
	memcpy(out, p, len);
	out[len] = '\0';
}

/* Whether the whole payload was read, and nothing more: exact lengths. */
static inline bool lm_rd_end(const struct lm_rd *r)
{
	return !r->bad && !r->left;
}

/* The mirror of lm_rd: every write is bounds-checked. */
struct lm_wr {
	u8 *p;
	size_t left;
	bool full;
};

static inline u8 *lm_wr_take(struct lm_wr *w, size_t n)
{
	u8 *at = w->p;

	if (w->full || n > w->left) {
		w->full = true;
		return NULL;
	}
	w->p += n;
	w->left -= n;
	return at;
}

static inline void lm_wr_u8(struct lm_wr *w, u8 v)
{
	u8 *p = lm_wr_take(w, 1);

	if (p)
		*p = v;
}

static inline void lm_wr_be16(struct lm_wr *w, u16 v)
{
	u8 *p = lm_wr_take(w, 2);

	if (p)
		put_unaligned_be16(v, p);
}

static inline void lm_wr_be32(struct lm_wr *w, u32 v)
{
	u8 *p = lm_wr_take(w, 4);

	if (p)
		put_unaligned_be32(v, p);
}

static inline void lm_wr_be64(struct lm_wr *w, u64 v)
{
	u8 *p = lm_wr_take(w, 8);

	if (p)
		put_unaligned_be64(v, p);
}

static inline void lm_wr_bytes(struct lm_wr *w, const void *src, size_t n)
{
	u8 *p = lm_wr_take(w, n);

	/* @src may be NULL when there is nothing to copy (an empty chunk). */
	if (p && n)
		memcpy(p, src, n);
}

static inline void lm_wr_name(struct lm_wr *w, const char *name, size_t size)
{
	u8 len = strnlen(name, size - 1);

	lm_wr_u8(w, len);
	lm_wr_bytes(w, name, len);
}

/* The payload length, or -EMSGSIZE if the buffer ran out. */
static inline int lm_wr_end(const struct lm_wr *w, size_t size)
{
	return w->full ? -EMSGSIZE : (int)(size - w->left);
}

#endif /* _LIVEMIG_WIRE_H */
