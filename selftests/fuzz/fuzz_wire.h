/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wire decoders of kmod/proto.c and kmod/pages.c as fuzz targets.
 *
 * An input is one selector byte, an index into lm_fuzz_targets[], then the
 * message for that target. The seed generator writes its corpus in the
 * same form and checks every seed with the same targets.
 */
#ifndef _LM_FUZZ_WIRE_H
#define _LM_FUZZ_WIRE_H

#include <linux/types.h>

/*
 * The selector byte. Append new targets at the end: the value of each is
 * the first byte of every corpus file written for it.
 */
enum lm_fuzz_target_id {
	LM_FUZZ_HDR,
	LM_FUZZ_HELLO,
	LM_FUZZ_ABORT,
	LM_FUZZ_SETUP,
	LM_FUZZ_AUTH,
	LM_FUZZ_ACCEPT,
	LM_FUZZ_BUSY,
	LM_FUZZ_JOIN,
	/*
	 * The message is a region table, then a PAGES payload to read
	 * against it: a region count (u8, 1..%LIVEMIG_VM_REGIONS_MAX), then
	 * each region's size in wire pages (be32, non-zero).
	 */
	LM_FUZZ_PAGES,
	LM_FUZZ_ROUND_END,
	LM_FUZZ_STATE_CHUNK,
	LM_FUZZ_STREAM_END,
	LM_FUZZ_READY,
	LM_FUZZ_UUID_MSG,
	LM_FUZZ_OUTCOME,
	LM_FUZZ_STATE_CHECK,
	__LM_FUZZ_MAX
};

/**
 * struct lm_fuzz_target - one decoder and what it promises
 * @name: for file names and messages
 * @run: decodes @len bytes at @msg, aborts the program on a broken
 *	promise (a bound exceeded, a re-encoding that differs), and returns
 *	0 if the message decoded or the decoder's error if not. @out has
 *	room for exactly @len bytes, so that a re-encoding writing past the
 *	message's size is an out-of-bounds write.
 */
struct lm_fuzz_target {
	const char *name;
	int (*run)(const u8 *msg, size_t len, u8 *out);
};

extern const struct lm_fuzz_target lm_fuzz_targets[__LM_FUZZ_MAX];

#endif /* _LM_FUZZ_WIRE_H */
