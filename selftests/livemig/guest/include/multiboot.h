/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot (version 1) structures, as far as livemig's guest and test VMM
 * use them: the header a kernel image carries and the information block a
 * loader hands over in EBX.  Shared by both sides so they cannot disagree.
 */
#ifndef LIVEMIG_MULTIBOOT_H
#define LIVEMIG_MULTIBOOT_H

#define MB_HEADER_MAGIC		0x1BADB002
#define MB_LOADER_MAGIC		0x2BADB002	/* in EAX at entry */
#define MB_HEADER_SEARCH	8192		/* header lies in the first 8 KiB */

/* multiboot header flags */
#define MB_HF_PAGE_ALIGN	(1u << 0)
#define MB_HF_MEMORY_INFO	(1u << 1)
#define MB_HF_VIDEO_MODE	(1u << 2)
#define MB_HF_AOUT_KLUDGE	(1u << 16)

/* multiboot info flags */
#define MB_IF_MEMORY		(1u << 0)
#define MB_IF_CMDLINE		(1u << 2)

#ifndef __ASSEMBLER__
#include <stdint.h>

struct mb_header {
	uint32_t magic;
	uint32_t flags;
	uint32_t checksum;	/* magic + flags + checksum == 0 */
};

/* The fields up to cmdline; a loader may leave the rest zeroed. */
struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;	/* KiB below 1 MiB */
	uint32_t mem_upper;	/* KiB from 1 MiB to the first hole */
	uint32_t boot_device;
	uint32_t cmdline;	/* physical address of a NUL-terminated string */
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
};
#endif /* __ASSEMBLER__ */

#endif /* LIVEMIG_MULTIBOOT_H */
