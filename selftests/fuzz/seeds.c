// SPDX-License-Identifier: GPL-2.0
/*
 * Writes fuzz_wire's seed corpus: valid messages of every type, made by
 * the module's own encoders, so that libFuzzer starts past each decoder's
 * first checks instead of guessing them.
 *
 *   seeds DIR    one file per seed in DIR: the selector byte, then the
 *                message (fuzz_wire.h)
 *
 * Every seed goes through its fuzz target before it is written: a seed
 * that no longer decodes stops the generator instead of entering the tree.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include "proto.h"
#include "vmdesc.h"
#include "fuzz_wire.h"

/* Room for any seed below; the largest holds a raw page. */
#define SEED_MSG_MAX	(8 * 1024)
#define SEED_PAGES_MAX	4
#define SEED_RECS_MAX	4

/**
 * struct seed - one corpus file
 * @name: its file name
 * @target: the fuzz target it feeds, its first byte
 * @write: encodes @arg into a buffer of @size bytes; returns the length or
 *	a negative errno
 * @arg: what to encode
 */
struct seed {
	const char *name;
	enum lm_fuzz_target_id target;
	int (*write)(u8 *buf, size_t size, const void *arg);
	const void *arg;
};

struct setup_seed {
	struct lm_setup st;
	struct lm_vm_desc d;
};

/* The region table (sizes in wire pages) and the batch read against it. */
struct pages_seed {
	u8 n_regions;
	u32 region_pages[SEED_PAGES_MAX];
	unsigned int n;
	struct lm_page_entry e[SEED_PAGES_MAX];
};

/* Records of a state blob; each payload is filled with a nonzero byte. */
struct state_seed {
	unsigned int n;
	struct livemig_state_rec rec[SEED_RECS_MAX];
};

static int write_hdr(u8 *buf, size_t size, const void *arg)
{
	int err = lm_msg_hdr_encode(buf, arg);

	return err ? err : LM_MSG_HDR_LEN;
}

static int write_hello(u8 *buf, size_t size, const void *arg)
{
	return lm_hello_encode(buf, size, arg);
}

static int write_abort(u8 *buf, size_t size, const void *arg)
{
	return lm_abort_encode(buf, size, arg);
}

static int write_setup(u8 *buf, size_t size, const void *arg)
{
	const struct setup_seed *s = arg;

	return lm_setup_encode(buf, size, &s->st, &s->d);
}

static int write_auth(u8 *buf, size_t size, const void *arg)
{
	return lm_auth_encode(buf, size, arg);
}

static int write_accept(u8 *buf, size_t size, const void *arg)
{
	return lm_accept_encode(buf, size, arg);
}

static int write_busy(u8 *buf, size_t size, const void *arg)
{
	return lm_busy_encode(buf, size, arg);
}

static int write_join(u8 *buf, size_t size, const void *arg)
{
	return lm_join_encode(buf, size, arg);
}

static int write_pages(u8 *buf, size_t size, const void *arg)
{
	const struct pages_seed *s = arg;
	size_t table = 1 + 4 * s->n_regions;
	struct lm_pages_writer w;
	unsigned int i;
	int err;

	buf[0] = s->n_regions;
	for (i = 0; i < s->n_regions; i++)
		put_unaligned_be32(s->region_pages[i], buf + 1 + 4 * i);
	lm_pages_begin(&w, buf + table, size - table);
	for (i = 0; i < s->n; i++) {
		err = lm_pages_add(&w, &s->e[i]);
		if (err)
			return err;
	}
	return table + lm_pages_finish(&w);
}

static int write_round_end(u8 *buf, size_t size, const void *arg)
{
	return lm_round_end_encode(buf, size, *(const u32 *)arg);
}

static int write_state_chunk(u8 *buf, size_t size, const void *arg)
{
	return lm_state_chunk_encode(buf, size, arg);
}

static int write_stream_end(u8 *buf, size_t size, const void *arg)
{
	return lm_stream_end_encode(buf, size, arg);
}

/* READY has no encoder: its payload is empty. */
static int write_ready(u8 *buf, size_t size, const void *arg)
{
	return 0;
}

static int write_uuid_msg(u8 *buf, size_t size, const void *arg)
{
	return lm_uuid_msg_encode(buf, size, arg);
}

static int write_outcome(u8 *buf, size_t size, const void *arg)
{
	return lm_outcome_encode(buf, size, arg);
}

/* The blob has no encoder in the module: the VMM writes it. */
static int write_state(u8 *buf, size_t size, const void *arg)
{
	const struct state_seed *s = arg;
	size_t pos = 0, padded;
	unsigned int i;

	for (i = 0; i < s->n; i++) {
		padded = ALIGN((size_t)s->rec[i].len, 8);
		if (sizeof(s->rec[i]) + padded > size - pos)
			return -EMSGSIZE;
		memcpy(buf + pos, &s->rec[i], sizeof(s->rec[i]));
		pos += sizeof(s->rec[i]);
		memset(buf + pos, 0x5a, s->rec[i].len);
		memset(buf + pos + s->rec[i].len, 0, padded - s->rec[i].len);
		pos += padded;
	}
	return pos;
}

/* LIVEMIG_UUID_LEN bytes; the NUL is not part of it. */
#define UUID_A	"lmig-fuzz-seed-1"
#define MIB	(1024 * 1024ull)

static const u8 vm_config[] = "machine=q35;cpu=host;net=virtio";
static const u8 raw_page[LM_WIRE_PAGE_SIZE];
/* The decoder does not decompress: any 1..4095 bytes make an lz4 entry. */
static const u8 lz4_page[] = { 0x1f, 0x00, 0x01, 0x00, 0xff, 0xff, 0xf6, 0x50 };
static const u8 state_bytes[100];

static const struct seed seeds[] = {
	{ "hdr-hello", LM_FUZZ_HDR, write_hdr, &(const struct lm_msg_hdr){
		.version = LM_PROTO_VERSION, .type = LM_MSG_HELLO, .len = 45 } },
	{ "hdr-pages-max", LM_FUZZ_HDR, write_hdr, &(const struct lm_msg_hdr){
		.version = LM_PROTO_VERSION, .type = LM_MSG_PAGES, .len = 1024 * 1024 } },
	{ "hdr-ready", LM_FUZZ_HDR, write_hdr, &(const struct lm_msg_hdr){
		.version = LM_PROTO_VERSION, .type = LM_MSG_READY } },

	{ "hello", LM_FUZZ_HELLO, write_hello, &(const struct lm_hello){
		.version_min = 1, .version_max = 1, .auth = LIVEMIG_AUTH_PSK,
		.nonce = "0123456789abcdef0123456789abcdef", .host = "src-1" } },
	{ "hello-longest-host", LM_FUZZ_HELLO, write_hello, &(const struct lm_hello){
		.version_min = 1, .version_max = 9, .auth = LIVEMIG_AUTH_NONE,
		.features = 0xffffffff,
		.host = "a-host-name-of-sixty-four-characters.example.org-0123456789abcde" } },

	{ "abort", LM_FUZZ_ABORT, write_abort, &(const struct lm_abort){
		.code = EPIPE, .phase = LM_PHASE_PRECOPY,
		.reason = "data connection 2 closed" } },
	{ "abort-empty", LM_FUZZ_ABORT, write_abort, &(const struct lm_abort){
		.code = ECANCELED, .phase = LM_PHASE_COMMITTING } },

	{ "setup-one-region", LM_FUZZ_SETUP, write_setup, &(const struct setup_seed){
		.st = { .uuid = UUID_A, .vcpus = 1 },
		.d = { .name = "vm0", .n_regions = 1, .regions = {
			{ .id = 0, .name = "ram", .size = 64 * MIB } } } } },
	{ "setup-three-regions", LM_FUZZ_SETUP, write_setup, &(const struct setup_seed){
		.st = { .uuid = UUID_A, .vcpus = 4, .options = 0x00010002,
			.config = vm_config, .config_len = sizeof(vm_config) - 1 },
		.d = { .name = "web.prod-2", .n_regions = 3, .regions = {
			{ .id = 1, .name = "ram-low", .size = 3072 * MIB },
			{ .id = 2, .name = "ram-high", .gpa = 4096 * MIB,
			  .size = 1024 * MIB },
			{ .id = 7, .name = "", .gpa = 0xfffffffffffff000ull - 4096,
			  .size = 4096 } } } } },

	{ "auth", LM_FUZZ_AUTH, write_auth, &(const struct lm_auth_msg){
		.mac = "an HMAC-SHA256 proof, 32 bytes." } },

	{ "accept-empty", LM_FUZZ_ACCEPT, write_accept, &(const struct lm_accept){ } },
	{ "accept-v4-v6", LM_FUZZ_ACCEPT, write_accept, &(const struct lm_accept){
		.n_addrs = 2, .addrs = {
			{ .family = LM_WIRE_ADDR_V4, .addr = { 192, 0, 2, 10 },
			  .port = 7411 },
			{ .family = LM_WIRE_ADDR_V6, .port = 65535, .addr = {
				0x20, 0x01, 0x0d, 0xb8, [15] = 1 } } } } },

	{ "busy", LM_FUZZ_BUSY, write_busy, &(const struct lm_busy){
		.retry_ms = 5000, .reason = "two migrations in flight" } },
	{ "busy-no-reason", LM_FUZZ_BUSY, write_busy, &(const struct lm_busy){
		.retry_ms = LM_BUSY_RETRY_MAX_MS } },

	{ "join", LM_FUZZ_JOIN, write_join, &(const struct lm_join){
		.uuid = UUID_A, .stream = 3, .streams = 4 } },

	{ "pages-raw", LM_FUZZ_PAGES, write_pages, &(const struct pages_seed){
		.n_regions = 1, .region_pages = { 16 }, .n = 1, .e = {
			{ .enc = LM_PAGE_RAW, .len = LM_WIRE_PAGE_SIZE, .index = 15,
			  .round = 1, .data = raw_page } } } },
	{ "pages-zero-lz4", LM_FUZZ_PAGES, write_pages, &(const struct pages_seed){
		.n_regions = 2, .region_pages = { 1, 0xffffffff }, .n = 3, .e = {
			{ .enc = LM_PAGE_ZERO, .index = 0 },
			{ .region = 1, .enc = LM_PAGE_LZ4, .len = sizeof(lz4_page),
			  .index = 0xfffffffe, .round = 7, .data = lz4_page },
			{ .region = 1, .enc = LM_PAGE_ZERO, .index = 8, .round = 7 } } } },
	{ "pages-mixed", LM_FUZZ_PAGES, write_pages, &(const struct pages_seed){
		.n_regions = 4, .region_pages = { 4, 1, 256, 2 }, .n = 4, .e = {
			{ .region = 3, .enc = LM_PAGE_LZ4, .len = sizeof(lz4_page),
			  .index = 1, .data = lz4_page },
			{ .region = 2, .enc = LM_PAGE_RAW, .len = LM_WIRE_PAGE_SIZE,
			  .index = 255, .data = raw_page },
			{ .region = 0, .enc = LM_PAGE_ZERO, .index = 3 },
			{ .region = 1, .enc = LM_PAGE_ZERO } } } },

	{ "round-end", LM_FUZZ_ROUND_END, write_round_end, &(const u32){ 3 } },

	{ "state-chunk-first", LM_FUZZ_STATE_CHUNK, write_state_chunk,
		&(const struct lm_state_chunk){
		.total = 250, .data = state_bytes, .len = sizeof(state_bytes) } },
	{ "state-chunk-last", LM_FUZZ_STATE_CHUNK, write_state_chunk,
		&(const struct lm_state_chunk){
		.offset = 150, .total = 250, .data = state_bytes,
		.len = sizeof(state_bytes) } },
	{ "state-chunk-empty", LM_FUZZ_STATE_CHUNK, write_state_chunk,
		&(const struct lm_state_chunk){ } },

	{ "stream-end", LM_FUZZ_STREAM_END, write_stream_end, &(const struct lm_stream_end){
		.pages = 262144, .digest = 0x0123456789abcdefull } },

	{ "ready", LM_FUZZ_READY, write_ready, NULL },

	{ "uuid-msg", LM_FUZZ_UUID_MSG, write_uuid_msg, UUID_A },

	{ "outcome-query", LM_FUZZ_OUTCOME, write_outcome, &(const struct lm_outcome){
		.uuid = UUID_A, .outcome = LM_OUTCOME_QUERY } },
	{ "outcome-committed", LM_FUZZ_OUTCOME, write_outcome, &(const struct lm_outcome){
		.uuid = UUID_A, .outcome = LM_OUTCOME_COMMITTED } },

	{ "state-check-one", LM_FUZZ_STATE_CHECK, write_state, &(const struct state_seed){
		.n = 1, .rec = { { .type = LIVEMIG_STATE_TSC, .len = 8 } } } },
	{ "state-check-records", LM_FUZZ_STATE_CHECK, write_state, &(const struct state_seed){
		.n = 4, .rec = {
			{ .type = LIVEMIG_STATE_CLOCK, .len = 48 },
			{ .type = LIVEMIG_STATE_REGS, .vcpu = 0, .len = 144 },
			{ .type = LIVEMIG_STATE_TSC_KHZ, .vcpu = 1, .len = 4 },
			{ .type = LIVEMIG_STATE_DEVICE, .len = 13 } } } },
};

static int write_seed(const char *dir, const struct seed *s, u8 *buf)
{
	const struct lm_fuzz_target *t = &lm_fuzz_targets[s->target];
	char path[PATH_MAX];
	size_t written;
	u8 *out;
	int len, err;
	FILE *f;

	buf[0] = s->target;
	len = s->write(buf + 1, SEED_MSG_MAX, s->arg);
	if (len < 0) {
		fprintf(stderr, "seeds: %s: the encoder refuses it: %s\n",
			s->name, strerror(-len));
		return -1;
	}

	/* As the fuzzer does: exactly @len bytes after the first. */
	out = malloc(1 + len);
	if (!out) {
		perror("seeds");
		return -1;
	}
	err = t->run(buf + 1, len, out + 1);
	free(out);
	if (err) {
		fprintf(stderr, "seeds: %s: the %s target refuses it: %s\n",
			s->name, t->name, strerror(-err));
		return -1;
	}

	snprintf(path, sizeof(path), "%s/%s", dir, s->name);
	f = fopen(path, "wb");
	if (f) {
		written = fwrite(buf, 1, 1 + len, f);
		if (!fclose(f) && written == 1 + (size_t)len)
			return 0;
	}
	fprintf(stderr, "seeds: %s: %s\n", path, strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	static u8 buf[1 + SEED_MSG_MAX];
	unsigned int i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < ARRAY_SIZE(seeds); i++)
		if (write_seed(argv[1], &seeds[i], buf))
			return 1;
	return 0;
}
