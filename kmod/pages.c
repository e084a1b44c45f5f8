// SPDX-License-Identifier: GPL-2.0
/*
 * livemig wire protocol, the data path: PAGES batches, ROUND_END, STATE
 * chunks and STREAM_END, the per-stream digest, and the framing check of
 * a VM's state records.
 *
 * Pure code like proto.c: the destination decodes what a peer sends with
 * lm_pages_next() and friends, each refusing anything out of range before
 * a byte of guest memory is touched.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/xxhash.h>

#include "proto.h"
#include "vmdesc.h"
#include "wire.h"

/* The one length each encoding allows; shared so both ends agree. */
static bool lm_page_len_valid(u8 enc, u16 len)
{
	switch (enc) {
	case LM_PAGE_RAW:
		return len == LM_WIRE_PAGE_SIZE;
	case LM_PAGE_ZERO:
		return len == 0;
	case LM_PAGE_LZ4:
		return len >= 1 && len < LM_WIRE_PAGE_SIZE;
	default:
		return false;
	}
}

/**
 * lm_pages_begin() - start building a PAGES payload
 * @w: the writer
 * @buf: where the payload goes
 * @size: its size
 *
 * The writer uses at most the PAGES maximum of @buf, so a finished batch
 * always passes the receiver's header check, whatever @size the caller
 * has.
 */
void lm_pages_begin(struct lm_pages_writer *w, u8 *buf, size_t size)
{
	w->buf = buf;
	w->size = min_t(size_t, size, lm_msg_max_len(LM_MSG_PAGES));
	w->pos = LM_PAGES_HDR_LEN;
	w->count = 0;
}

/**
 * lm_pages_add() - append one page to a PAGES payload
 * @w: the writer, after lm_pages_begin()
 * @e: the page; @e->data (@e->len bytes) is copied. @e->region and
 *	@e->index are the caller's to get right: the writer has no regions
 *
 * Return: 0; -EINVAL for a length that does not match the encoding (or
 * data missing); -ENOSPC when the entry does not fit or the batch already
 * holds %LM_PAGES_MAX_COUNT entries: finish it and start another.
 */
int lm_pages_add(struct lm_pages_writer *w, const struct lm_page_entry *e)
{
	size_t need = LM_PAGE_ENTRY_HDR + e->len;
	u8 *p;

	if (!lm_page_len_valid(e->enc, e->len) || (e->len && !e->data))
		return -EINVAL;
	if (w->count >= LM_PAGES_MAX_COUNT || w->pos > w->size ||
	    need > w->size - w->pos)
		return -ENOSPC;

	/* One bounds check above covers the whole entry: the hot path. */
	p = w->buf + w->pos;
	p[0] = e->region;
	p[1] = e->enc;
	put_unaligned_be16(e->len, p + 2);
	put_unaligned_be32(e->index, p + 4);
	put_unaligned_be32(e->round, p + 8);
	if (e->len)
		memcpy(p + LM_PAGE_ENTRY_HDR, e->data, e->len);
	w->pos += need;
	w->count++;
	return 0;
}

/**
 * lm_pages_finish() - complete a PAGES payload
 * @w: the writer
 *
 * Return: the payload length to send, or 0 for a batch without entries,
 * which must not be sent (the receiver refuses an empty batch).
 */
size_t lm_pages_finish(struct lm_pages_writer *w)
{
	if (!w->count)
		return 0;
	put_unaligned_be16(w->count, w->buf);
	put_unaligned_be16(0, w->buf + 2);
	return w->pos;
}

/**
 * lm_pages_start() - start reading a PAGES payload from a peer
 * @r: the reader; usable only if this returns 0
 * @buf: the payload
 * @len: its exact length
 *
 * Return: 0, or -EBADMSG for a payload shorter than its header or longer
 * than the PAGES maximum, a count outside 1..%LM_PAGES_MAX_COUNT or a
 * reserved field that is not zero.
 */
int lm_pages_start(struct lm_pages_reader *r, const u8 *buf, size_t len)
{
	u16 count;

	if (len < LM_PAGES_HDR_LEN || len > lm_msg_max_len(LM_MSG_PAGES))
		return -EBADMSG;
	count = get_unaligned_be16(buf);
	if (!count || count > LM_PAGES_MAX_COUNT || get_unaligned_be16(buf + 2))
		return -EBADMSG;

	*r = (struct lm_pages_reader){
		.buf = buf, .len = len, .pos = LM_PAGES_HDR_LEN, .count = count,
	};
	return 0;
}

/**
 * lm_pages_next() - validate and return the next page of a PAGES payload
 * @r: the reader, after lm_pages_start()
 * @d: the migration's regions, as announced in SETUP
 * @e: filled in when 1 is returned; @e->data points into the payload
 *
 * Call until it returns 0 or an error: only the call that returns 0 has
 * seen that the batch ends exactly after its last entry. Entries returned
 * before an error were valid on their own; the caller gives up the whole
 * migration on an error, so applying them first does no harm. An error
 * is sticky: the reader does not move past a bad entry.
 *
 * Return: 1 with an entry; 0 at the clean end; -EBADMSG for a region
 * index past the announced ones, a page index past its region, an unknown
 * encoding, a length that does not match it, a truncated entry, or bytes
 * after the announced count.
 */
int lm_pages_next(struct lm_pages_reader *r, const struct lm_vm_desc *d,
		  struct lm_page_entry *e)
{
	size_t left = r->len - r->pos;
	const u8 *p = r->buf + r->pos;
	u16 len;
	u32 index;

	if (r->seen == r->count)
		return left ? -EBADMSG : 0;
	if (left < LM_PAGE_ENTRY_HDR)
		return -EBADMSG;

	len = get_unaligned_be16(p + 2);
	index = get_unaligned_be32(p + 4);
	if (p[0] >= d->n_regions ||
	    index >= d->regions[p[0]].size / LM_WIRE_PAGE_SIZE ||
	    !lm_page_len_valid(p[1], len) ||
	    len > left - LM_PAGE_ENTRY_HDR)
		return -EBADMSG;

	e->region = p[0];
	e->enc = p[1];
	e->len = len;
	e->index = index;
	e->round = get_unaligned_be32(p + 8);
	e->data = len ? p + LM_PAGE_ENTRY_HDR : NULL;
	r->pos += LM_PAGE_ENTRY_HDR + len;
	r->seen++;
	return 1;
}

/**
 * lm_round_end_encode() - write a ROUND_END payload
 * @buf: output
 * @size: its size
 * @round: the round this stream has finished sending
 *
 * Return: the payload length or -EMSGSIZE.
 */
int lm_round_end_encode(u8 *buf, size_t size, u32 round)
{
	struct lm_wr w = { .p = buf, .left = size };

	lm_wr_be32(&w, round);
	return lm_wr_end(&w, size);
}

/**
 * lm_round_end_decode() - decode a ROUND_END payload from a peer
 * @buf: the payload
 * @len: its exact length
 * @round: set on success only
 *
 * Return: 0, or -EBADMSG for anything but 4 bytes.
 */
int lm_round_end_decode(const u8 *buf, size_t len, u32 *round)
{
	struct lm_rd r = { .p = buf, .left = len };
	u32 v = lm_rd_be32(&r);

	if (!lm_rd_end(&r))
		return -EBADMSG;
	*round = v;
	return 0;
}

static bool lm_state_chunk_valid(const struct lm_state_chunk *c)
{
	/* 64-bit sum: offset + len cannot wrap. */
	return c->total <= LIVEMIG_STATE_MAX &&
	       c->len <= LM_STATE_CHUNK_DATA_MAX &&
	       (c->len || !c->total) &&
	       (u64)c->offset + c->len <= c->total;
}

/**
 * lm_state_chunk_encode() - write a STATE payload
 * @buf: output
 * @size: its size
 * @c: the chunk
 *
 * Return: the payload length, -EINVAL for a chunk the peer would refuse,
 * or -EMSGSIZE.
 */
int lm_state_chunk_encode(u8 *buf, size_t size, const struct lm_state_chunk *c)
{
	struct lm_wr w = { .p = buf, .left = size };

	if (!lm_state_chunk_valid(c))
		return -EINVAL;
	lm_wr_be32(&w, c->offset);
	lm_wr_be32(&w, c->total);
	lm_wr_bytes(&w, c->data, c->len);
	return lm_wr_end(&w, size);
}

/**
 * lm_state_chunk_decode() - validate and decode a STATE payload from a peer
 * @buf: the payload
 * @len: its exact length; the chunk's data runs to its end
 * @c: filled in on success only; @c->data points into @buf
 *
 * The chunk is checked on its own: that chunks arrive in order and add up
 * to @c->total is the receiver's to check as it assembles them.
 *
 * Return: 0, or -EBADMSG for a payload shorter than 8 bytes or longer than
 * the STATE maximum, a total above %LIVEMIG_STATE_MAX, data past the total,
 * or an empty chunk of a non-empty state.
 */
int lm_state_chunk_decode(const u8 *buf, size_t len, struct lm_state_chunk *c)
{
	struct lm_state_chunk out;

	/* Bounded while still a size_t: the chunk holds its length as a u32. */
	if (len < LM_STATE_CHUNK_HDR || len > lm_msg_max_len(LM_MSG_STATE))
		return -EBADMSG;
	out.offset = get_unaligned_be32(buf);
	out.total = get_unaligned_be32(buf + 4);
	out.data = buf + LM_STATE_CHUNK_HDR;
	out.len = len - LM_STATE_CHUNK_HDR;
	if (!lm_state_chunk_valid(&out))
		return -EBADMSG;
	*c = out;
	return 0;
}

/**
 * lm_stream_end_encode() - write a STREAM_END payload
 * @buf: output
 * @size: its size
 * @se: the stream's page count and digest
 *
 * Return: the payload length or -EMSGSIZE.
 */
int lm_stream_end_encode(u8 *buf, size_t size, const struct lm_stream_end *se)
{
	struct lm_wr w = { .p = buf, .left = size };

	lm_wr_be64(&w, se->pages);
	lm_wr_be64(&w, se->digest);
	return lm_wr_end(&w, size);
}

/**
 * lm_stream_end_decode() - decode a STREAM_END payload from a peer
 * @buf: the payload
 * @len: its exact length
 * @se: filled in on success only
 *
 * Return: 0, or -EBADMSG for anything but 16 bytes.
 */
int lm_stream_end_decode(const u8 *buf, size_t len, struct lm_stream_end *se)
{
	struct lm_rd r = { .p = buf, .left = len };
	struct lm_stream_end out;

	out.pages = lm_rd_be64(&r);
	out.digest = lm_rd_be64(&r);
	if (!lm_rd_end(&r))
		return -EBADMSG;
	*se = out;
	return 0;
}

/**
 * lm_digest_init() - start the digest of a data connection's pages
 * @d: the digest
 */
void lm_digest_init(struct lm_digest *d)
{
	xxh64_reset(&d->state, 0);
}

/**
 * lm_digest_page() - add one page entry to a digest
 * @d: the digest
 * @region: the entry's region index, as in PAGES
 * @index: its page number in the region
 * @round: its round
 * @page: the %LM_WIRE_PAGE_SIZE bytes after decompression, or NULL for a
 *	zero marker
 *
 * The position and round are hashed with the bytes, so a page applied at
 * the wrong place or from the wrong round changes the digest; the kind
 * byte tells a zero marker from a page of zeros sent as data.
 */
void lm_digest_page(struct lm_digest *d, u8 region, u32 index, u32 round,
		    const u8 *page)
{
	u8 hdr[10];

	hdr[0] = region;
	hdr[1] = page ? 1 : 0;
	put_unaligned_be32(index, hdr + 2);
	put_unaligned_be32(round, hdr + 6);
	xxh64_update(&d->state, hdr, sizeof(hdr));
	if (page)
		xxh64_update(&d->state, page, LM_WIRE_PAGE_SIZE);
}

/**
 * lm_digest_final() - the digest of the pages added so far
 * @d: the digest; more pages may still be added after this
 *
 * Return: the xxh64 value that STREAM_END carries.
 */
u64 lm_digest_final(const struct lm_digest *d)
{
	return xxh64_digest(&d->state);
}

/**
 * lm_state_check() - check the framing of a VM state blob
 * @buf: the blob
 * @len: its length
 * @why: set to a sentence naming what is wrong
 *
 * The blob is a sequence of &struct livemig_state_rec headers, each
 * followed by its payload and zero padding to the next multiple of 8.
 * Only the framing is checked here; the destination VMM checks what the
 * records say. Nonzero padding is refused so that two blobs that load the
 * same state are the same bytes.
 *
 * Return: 0, or -EINVAL for an empty or oversized blob, a truncated record,
 * an unknown type, a nonzero reserved field or nonzero padding.
 */
int lm_state_check(const u8 *buf, size_t len, const char **why)
{
	struct livemig_state_rec rec;
	size_t pos = 0, padded;

	if (!len) {
		*why = "state: it is empty; it needs at least one record";
		return -EINVAL;
	}
	if (len > LIVEMIG_STATE_MAX) {
		*why = "state: it is larger than 16 MiB";
		return -EINVAL;
	}
	while (pos < len) {
		if (len - pos < sizeof(rec)) {
			*why = "state: a record header is truncated";
			return -EINVAL;
		}
		/* Native byte order, but the blob need not be aligned. */
		memcpy(&rec, buf + pos, sizeof(rec));
		pos += sizeof(rec);
		if (rec.type == LIVEMIG_STATE_END || rec.type >= __LIVEMIG_STATE_MAX) {
			*why = "state: a record has an unknown type";
			return -EINVAL;
		}
		if (rec.reserved) {
			*why = "state: a record's reserved field is not zero";
			return -EINVAL;
		}
		/* Bounding len first keeps the padding sum from wrapping. */
		if (rec.len > LIVEMIG_STATE_MAX) {
			*why = "state: a record is longer than 16 MiB";
			return -EINVAL;
		}
		padded = ALIGN((size_t)rec.len, 8);
		if (padded > len - pos) {
			*why = "state: a record's payload or padding is truncated";
			return -EINVAL;
		}
		if (memchr_inv(buf + pos + rec.len, 0, padded - rec.len)) {
			*why = "state: a record's padding is not zero";
			return -EINVAL;
		}
		pos += padded;
	}
	return 0;
}
