// SPDX-License-Identifier: GPL-2.0
/*
 * livemig test VMM library: a digest of guest RAM.  See memdigest.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lm_guest.h"
#include "memdigest.h"

#define P1	0x9E3779B185EBCA87ull
#define P2	0xC2B2AE3D27D4EB4Full
#define P3	0x165667B19E3779F9ull
#define P4	0x85EBCA77C2B2AE63ull
#define P5	0x27D4EB2F165667C5ull

static inline uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Unaligned little-endian reads: x86, where the test VMM runs. */
static inline uint64_t read64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t read32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t round64(uint64_t acc, uint64_t in)
{
	return rotl(acc + in * P2, 31) * P1;
}

static inline uint64_t merge64(uint64_t acc, uint64_t v)
{
	return (acc ^ round64(0, v)) * P1 + P4;
}

uint64_t xxh64(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data, *end = p + len;
	uint64_t h;

	if (len >= 32) {
		uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed;
		uint64_t v4 = seed - P1;

		do {
			v1 = round64(v1, read64(p));
			v2 = round64(v2, read64(p + 8));
			v3 = round64(v3, read64(p + 16));
			v4 = round64(v4, read64(p + 24));
			p += 32;
		} while (end - p >= 32);
		h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
		h = merge64(h, v1);
		h = merge64(h, v2);
		h = merge64(h, v3);
		h = merge64(h, v4);
	} else {
		h = seed + P5;
	}
	h += len;
	for (; end - p >= 8; p += 8)
		h = rotl(h ^ round64(0, read64(p)), 27) * P1 + P4;
	if (end - p >= 4) {
		h = rotl(h ^ (read32(p) * P1), 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl(h ^ (*p * P5), 11) * P1;
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}

static int digest_to(struct vm *vm, FILE *f)
{
	unsigned int i;
	uint64_t pg;

	for (i = 0; i < vm->nr_regions; i++) {
		const struct vm_region *reg = &vm->regions[i];
		const uint8_t *base = reg->hva;

		for (pg = 0; pg < reg->size / LM_PAGE_SIZE; pg++) {
			if (fprintf(f, "%u %" PRIu64 " %016" PRIx64 "\n",
				    reg->slot, pg,
				    xxh64(base + pg * LM_PAGE_SIZE,
					  LM_PAGE_SIZE, 0)) < 0)
				return -EIO;
		}
	}
	return 0;
}

int __vm_mem_digest(struct vm *vm, const char *path)
{
	char tmp[4096];
	FILE *f;
	int r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(vm->err, sizeof(vm->err), "the digest's path is too long");
		return -ENAMETOOLONG;
	}
	f = fopen(tmp, "w");
	if (!f) {
		r = -errno;
		goto fail;
	}
	r = digest_to(vm, f);
	if (fclose(f) && !r)
		r = -errno;
	if (!r && rename(tmp, path))
		r = -errno;
	if (!r)
		return 0;
	unlink(tmp);
fail:
	snprintf(vm->err, sizeof(vm->err), "writing the memory digest %s: %s",
		 path, strerror(-r));
	return r;
}
