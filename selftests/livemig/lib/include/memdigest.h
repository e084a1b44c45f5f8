/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig test VMM library: a digest of guest RAM, so that a test compares
 * a migration's destination with its source at the pause byte for byte
 * (DESIGN.md 4, invariant (d)) without trusting livemig's own checksums.
 *
 * The file holds one line per 4 KiB page of every RAM region, regions in
 * the VM's order, pages in address order:
 *
 *   REGION PAGE HASH
 *   0 0 ac869b6f32d8bbdb       (a page of zeros)
 *   0 1 ...
 *
 * REGION is the region's id as registered with livemig (its memslot),
 * PAGE the page's index in the region, both decimal; HASH is XXH64 (seed
 * 0) of the page's 4096 bytes, 16 lowercase hex digits.  The same memory
 * gives the same file, so `cmp` compares two of them; a page whose bytes
 * differ shows as a line that differs.
 *
 * The caller decides when memory holds still: a source after its vCPUs
 * left KVM_RUN for good (KVM writes kvmclock and steal time only on its
 * way in) and its devices stopped; a destination before its first
 * KVM_RUN.
 */
#ifndef LIVEMIG_MEMDIGEST_H
#define LIVEMIG_MEMDIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "vmm.h"

/* XXH64 of @len bytes (xxhash.com's reference algorithm). */
uint64_t xxh64(const void *data, size_t len, uint64_t seed);

/*
 * Writes the digest of @vm's RAM to @path (through @path.tmp, renamed
 * once complete: a reader never sees half a file).  0 or -errno, with a
 * sentence in vm->err.
 */
int __vm_mem_digest(struct vm *vm, const char *path);

#endif /* LIVEMIG_MEMDIGEST_H */
