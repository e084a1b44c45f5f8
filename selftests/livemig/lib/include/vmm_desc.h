/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig test VMM library: the machine description, the config blob a
 * test VMM registers with its VM (LIVEMIG_A_VM_CONFIG) and from which the
 * destination's VMM builds the same machine.  Opaque to livemig.
 *
 * Text, one "key=value" per line after a first line naming the format and
 * its version:
 *
 *   livemig-test-vmm 3
 *   mem=33554432                  RAM bytes from guest address 0
 *   vcpus=1
 *   irqchip=split                 local APICs in KVM (or "none")
 *   ring=4096                     dirty ring entries per vCPU
 *   guest=/.../livemig-guest.elf  the image the source booted
 *   guest.cmdline=pages=7936      the guest's options, as loaded
 *   guest.rate=0                  \
 *   guest.idle=0                   | what the options came from
 *   guest.fill=pattern             | (pattern or random: what fills its
 *   guest.zero_pages=0             | pages; pages it zeroes; pages left
 *   guest.reserved_pages=256      /  to the device)
 *   region.0.name=ram0            one group per RAM region, by id (the
 *   region.0.gpa=0x0              memslot); livemig moves pages by
 *   region.0.size=0x2000000       region id and offset
 *   device=testdev                only with a test device:
 *   device.gpa=0x1f00000          its area
 *   device.pages=256
 *   device.rate=500               pages per second
 *
 * The parser trusts nothing: unknown or repeated keys, bad numbers, missing
 * keys and incomplete regions are refused with the line and the reason, a
 * sentence a destination VMM sends back to the source as its refusal.
 */
#ifndef LIVEMIG_VMM_DESC_H
#define LIVEMIG_VMM_DESC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm.h"
#include "vmm_run.h"

#define VMM_DESC_FORMAT		"livemig-test-vmm"
#define VMM_DESC_VERSION	3	/* 3: guest.fill, guest.zero_pages */
#define VMM_DESC_MAX		8192	/* bytes of text */

/**
 * struct vmm_desc - a test VMM's machine
 * @ram_size:	mem=
 * @vcpus:	vcpus=
 * @irqchip:	irqchip=split
 * @ring_entries: ring=
 * @image:	guest=
 * @cmdline:	guest.cmdline=
 * @rate:	guest.rate=
 * @idle:	guest.idle=
 * @fill:	guest.fill= (LM_FILL_*)
 * @zero_pages:	guest.zero_pages=
 * @reserved_pages: guest.reserved_pages=
 * @regions:	region.N.gpa= and .size=, in the order first seen
 * @nr_regions:	how many
 * @device:	device=testdev
 * @device_gpa:	device.gpa=
 * @device_pages: device.pages=
 * @device_rate: device.rate=
 */
struct vmm_desc {
	uint64_t ram_size;
	uint32_t vcpus;
	bool irqchip;
	uint32_t ring_entries;
	char image[PATH_MAX];
	char cmdline[VM_CMDLINE_MAX];
	uint64_t rate;
	bool idle;
	uint32_t fill;
	uint64_t zero_pages;
	uint64_t reserved_pages;
	struct guest_region regions[VM_MAX_REGIONS];
	unsigned int nr_regions;
	bool device;
	uint64_t device_gpa;
	uint64_t device_pages;
	uint64_t device_rate;
};

/*
 * The description of @vmm, created from @cfg; no device (the caller adds
 * it).
 */
void vmm_desc_of(struct vmm_desc *d, const struct vmm *vmm,
		 const struct vmm_config *cfg);
/*
 * The config that builds the machine of @d, empty, as a destination
 * (@cfg points into @d).  -EINVAL, with the reason in @err, for a machine
 * this VMM cannot build.
 */
int __vmm_desc_config(const struct vmm_desc *d, struct vmm_config *cfg,
		      char *err, size_t errlen);

/* The text of @d into @buf; its length in *@len, -ENOSPC if it does not fit. */
int vmm_desc_format(const struct vmm_desc *d, char *buf, size_t size,
		    size_t *len);
/* @len bytes of text into *@d, or -EINVAL with the reason in @err. */
int __vmm_desc_parse(struct vmm_desc *d, const void *text, size_t len,
		     char *err, size_t errlen);

#endif /* LIVEMIG_VMM_DESC_H */
