/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the kernel's <linux/xxhash.h>, on the reference
 * xxHash (libxxhash-dev), inlined so that nothing extra is linked.
 */
#ifndef _LM_FUZZ_LINUX_XXHASH_H
#define _LM_FUZZ_LINUX_XXHASH_H

#include <linux/errno.h>
#include <linux/types.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

struct xxh64_state {
	XXH64_state_t st;
};

static inline void xxh64_reset(struct xxh64_state *state, u64 seed)
{
	XXH64_reset(&state->st, seed);
}

static inline int xxh64_update(struct xxh64_state *state, const void *input,
			       size_t len)
{
	return XXH64_update(&state->st, input, len) == XXH_OK ? 0 : -EINVAL;
}

static inline u64 xxh64_digest(const struct xxh64_state *state)
{
	return XXH64_digest(&state->st);
}

#endif
