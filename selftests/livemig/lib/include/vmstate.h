/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig test VMM library: a VM's state as livemig carries it from the
 * source VMM to the destination VMM (uapi/linux/livemig.h: enum
 * livemig_state_type, struct livemig_state_rec).
 *
 *   source (paused)                      destination (built, never run)
 *   ---------------                      ------------------------------
 *   __vm_state_save()                    __vm_state_load()
 *     per vCPU, its last I/O completed:    1. framing: headers, lengths,
 *     REGS SREGS XSAVE XCRS MSRS LAPIC        padding, types, vCPU numbers
 *     EVENTS MP_STATE DEBUGREGS TSC_KHZ    2. completeness: every record
 *     TSC CPUID                               each vCPU and the VM need
 *     VM-wide: CLOCK, DEVICE (the          3. compatibility: CPUID, xsave
 *     caller's own, opaque here)              size, MSRs, TSC frequency
 *          |                               4. load, in the order KVM needs
 *          +--- records, each padded to 8 bytes ---^
 *
 * Nothing is loaded unless steps 1 to 3 pass, so a refused state leaves the
 * VM as it was (but for its TSC frequency, which step 3 sets when the
 * source's differs), and the refusal is one sentence in vm->err: the reason
 * a destination VMM sends back to the source.
 *
 * MSRS holds every MSR of KVM_GET_MSR_INDEX_LIST that KVM reads back,
 * except the TSC (MSR 0x10), which has its own record so that it is loaded
 * after the TSC frequency.  The destination loads as QEMU and the KVM
 * selftests' vcpu_load_state() do: sregs (CR0/CR4/EFER, APIC base) before
 * the MSRs, the TSC after its frequency, xsave after xcrs, the local APIC
 * after sregs and before the TSC deadline MSR (ignored unless the APIC
 * timer is in deadline mode), events last; then the VM's clock, with
 * KVM_CLOCK_REALTIME when both hosts have it, so the guest's clock counts
 * the time the VM spent paused.
 *
 * Conventions as in vmm.h.
 */
#ifndef LIVEMIG_VMSTATE_H
#define LIVEMIG_VMSTATE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/livemig.h>

#include "vmm.h"

#define VM_STATE_MSRS_MAX	1024	/* entries of a MSRS record */
#define VM_STATE_CPUID_MAX	256	/* entries of a CPUID record */

#define MSR_IA32_TSC		0x10
#define MSR_IA32_TSC_DEADLINE	0x6e0

/**
 * struct vm_state - a sequence of struct livemig_state_rec records
 * @buf:	the records, each padded with zeros to a multiple of 8 bytes
 * @len:	bytes used
 * @cap:	bytes allocated
 */
struct vm_state {
	uint8_t *buf;
	size_t len;
	size_t cap;
};

/*
 * Saves every vCPU of @vm, which must all be out of KVM_RUN for good (their
 * pending I/O is completed here), and the VM's clock; @dev, @dev_len bytes,
 * becomes the DEVICE record (none if NULL).  @st must be empty.
 */
int __vm_state_save(struct vm *vm, const void *dev, uint32_t dev_len,
		    struct vm_state *st);
void vm_state_save(struct vm *vm, const void *dev, uint32_t dev_len,
		   struct vm_state *st);
void vm_state_free(struct vm_state *st);

/* Steps 1 to 3 above: 0, or -errno with the sentence in vm->err. */
int __vm_state_check(struct vm *vm, const void *state, size_t len);
/*
 * Steps 1 to 4 into @vm, whose vCPUs have never run.  The DEVICE record, if
 * any, is left in *@devp (pointing into @state) and *@dev_lenp.
 */
int __vm_state_load(struct vm *vm, const void *state, size_t len,
		    const void **devp, uint32_t *dev_lenp);

/*
 * The record of @type for @vcpu in @state, for tests (like strchr(), it
 * hands back what it was given); NULL if none.
 */
struct livemig_state_rec *vm_state_find(const void *state, size_t len,
					uint32_t type, uint32_t vcpu);
/* Appends a record, for tests that build their own states. */
int __vm_state_append(struct vm_state *st, uint32_t type, uint32_t vcpu,
		      const void *data, uint32_t len);
/* "REGS", "SREGS", ...; "?" for a type this VMM does not know. */
const char *vm_state_type_name(uint32_t type);

#endif /* LIVEMIG_VMSTATE_H */
