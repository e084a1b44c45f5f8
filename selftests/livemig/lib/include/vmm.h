/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig test VMM library: just enough of a VMM to run the livemig test
 * guest (../../guest) under KVM with a dirty ring, and to look at what it
 * did.
 *
 * Conventions, as in the KVM selftests' kvm_util:
 *  - __foo() returns 0 or a negative errno and leaves the decision to the
 *    caller; where a sentence helps, it is left in vm->err or vcpu->err.
 *  - foo() is __foo() that cannot fail: on error it prints what went wrong
 *    and ends the test (KTAP "Bail out!", exit code KSFT_FAIL).
 *  - No global mutable state: a struct vm and its struct vcpus carry
 *    everything, so a test can run several VMs, one per thread if it wants.
 *
 * Dirty ring protocol (Documentation/virt/kvm/api.rst, KVM_CAP_DIRTY_LOG_RING):
 * KVM pushes (slot, offset) entries with KVM_DIRTY_GFN_F_DIRTY; the VMM
 * collects them, flags each KVM_DIRTY_GFN_F_RESET and calls
 * KVM_RESET_DIRTY_RINGS, which re-protects the pages and frees the entries.
 * A vCPU whose ring is nearly full exits with KVM_EXIT_DIRTY_RING_FULL and
 * may only continue once entries were reset.
 *
 * Test guests get a split irqchip (KVM_CAP_SPLIT_IRQCHIP: local APICs in
 * KVM, no PIC or IOAPIC), as a real VMM's guests have in-kernel local
 * APICs, whose state a migration must carry.
 */
#ifndef LIVEMIG_VMM_H
#define LIVEMIG_VMM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "ktap.h"

#define VM_RING_DEFAULT		4096	/* entries; DESIGN.md asks >= 4096 */
#define VM_MAX_REGIONS		8
#define VM_MAX_VCPUS		8
#define VM_ERR_LEN		256
#define VM_GUARD_BYTE		0xa5	/* what guard pages hold */
#define VCPU_CONSOLE_LEN	(64 * 1024)

/* Where the multiboot loader puts its information for the guest. */
#define VM_MBI_GPA		0x9000ull
#define VM_CMDLINE_GPA		0x9800ull
#define VM_CMDLINE_MAX		2048

/* The signal that kicks a vCPU out of KVM_RUN to check its deadline. */
#define VCPU_KICK_SIGNAL	SIGUSR1
#define VCPU_KICK_MS		100

#define X86_EFER_LMA		(1ull << 10)

/**
 * struct vm_region - guest RAM backed by anonymous memory
 * @slot:	KVM memslot id (address space 0)
 * @flags:	KVM_MEM_* flags currently set on the slot
 * @gpa:	guest physical address
 * @size:	bytes
 * @hva:	the mapping in this process
 * @dirty_bitmap: the VMM's record of its own writes to the region, one bit
 *		per page (bit n of the array for page n), or NULL while the
 *		VMM writes nothing; see vm_mark_dirty()
 */
struct vm_region {
	uint32_t slot;
	uint32_t flags;
	uint64_t gpa;
	uint64_t size;
	void *hva;
	unsigned long *dirty_bitmap;
};

/**
 * struct vm - one KVM VM
 * @kvm_fd:	/dev/kvm
 * @fd:		the VM
 * @page_size:	host page size
 * @run_size:	size of each vCPU's kvm_run mapping
 * @ring_cap:	KVM_CAP_DIRTY_LOG_RING or its _ACQ_REL variant, 0 if none
 * @ring_entries: dirty ring entries per vCPU, 0 without a ring
 * @irqchip:	local APICs in KVM (split irqchip)
 * @epoch:	what the guest reads on LM_PORT_EPOCH; vm_new_epoch() moves
 *		it before a paused guest runs again (atomic)
 * @burst:	what the guest reads on LM_PORT_BURST: 1 lifts its rate=
 *		(atomic)
 * @guard_pages: each region added from now on is mapped between two guard
 *		pages of VM_GUARD_BYTE that are no part of the guest (see
 *		__vm_check_guards())
 * @regions:	guest RAM
 * @vcpus:	vCPUs, by creation order
 * @err:	why the last __vm_*() call failed
 */
struct vm {
	int kvm_fd;
	int fd;
	long page_size;
	size_t run_size;
	uint32_t ring_cap;
	uint32_t ring_entries;
	bool irqchip;
	uint32_t epoch;
	uint32_t burst;
	bool guard_pages;
	struct vm_region regions[VM_MAX_REGIONS];
	unsigned int nr_regions;
	struct vcpu *vcpus[VM_MAX_VCPUS];
	unsigned int nr_vcpus;
	char err[VM_ERR_LEN];
};

/**
 * struct vcpu - one vCPU and its shared pages
 * @vm:		owner
 * @id:		vCPU id
 * @fd:		the vCPU
 * @run:	its kvm_run page
 * @ring:	its dirty ring (@vm->ring_entries entries), or NULL
 * @fetch_index: next ring entry to collect, free running; only the
 *		collector (one thread) moves it
 * @ring_full_exits: KVM_EXIT_DIRTY_RING_FULL exits seen
 * @verifies:	LM_PORT_VERIFIED reports: checks after a new epoch (atomic)
 * @verified_pages: pages the last of them checked (written before
 *		@verifies moves)
 * @console:	what the guest wrote to its debug port (NUL terminated)
 * @console_len: bytes in @console
 * @console_echo: also print each complete line as a KTAP diagnostic
 * @line_start:	where the line being written began in @console
 * @stop:	set by vcpu_request_stop(), consumed by __vcpu_run_guest()
 * @err:	why the last __vcpu_*() call failed
 */
struct vcpu {
	struct vm *vm;
	uint32_t id;
	int fd;
	struct kvm_run *run;
	struct kvm_dirty_gfn *ring;
	uint32_t fetch_index;
	uint64_t ring_full_exits;
	uint64_t verifies;
	uint64_t verified_pages;
	char console[VCPU_CONSOLE_LEN];
	size_t console_len;
	bool console_echo;
	size_t line_start;
	int stop;
	char err[VM_ERR_LEN];
};

enum guest_event_kind {
	GUEST_PASS,		/* value: the pass (generation) completed */
	GUEST_MISMATCH,		/* value: gfn of a page that held a wrong pattern */
	GUEST_EXIT,		/* value: the guest's exit code (LM_EXIT_*) */
	GUEST_HLT,		/* the vCPU halted */
	GUEST_RING_FULL,	/* harvest and reset the rings, then run again */
};

struct guest_event {
	enum guest_event_kind kind;
	uint64_t value;
};

/**
 * struct guest_region - one RAM region of a guest_config
 * @slot:	memslot and region id
 * @gpa:	guest physical address
 * @size:	bytes
 */
struct guest_region {
	uint32_t slot;
	uint64_t gpa;
	uint64_t size;
};

/**
 * struct guest_config - a VM with one vCPU running the test guest
 * @image:	path of livemig-guest.elf
 * @cmdline:	guest options, e.g. "passes=2" (see lm_guest.h)
 * @ram_size:	bytes of RAM from guest address 0, in slot 0 (unless
 *		@regions is given)
 * @ring_entries: dirty ring size, a power of two; 0 = no ring
 * @slot_flags:	KVM_MEM_* flags for the RAM slots (KVM_MEM_LOG_DIRTY_PAGES)
 * @no_cpuid:	skip KVM_SET_CPUID2 (the guest then finds no long mode);
 *		only for tests that prove a check can fail
 * @regions:	the RAM layout instead of @ram_size, e.g. a migration
 *		source's; NULL for one region
 * @nr_regions:	entries of @regions
 * @no_load:	build the machine but load nothing and leave the vCPU as
 *		KVM made it: a migration's destination, whose memory and
 *		state come from the source
 * @no_irqchip:	no local APIC in KVM (see above)
 * @guard_pages: a guard page before and after each RAM region
 *		(&struct vm)
 */
struct guest_config {
	const char *image;
	const char *cmdline;
	uint64_t ram_size;
	uint32_t ring_entries;
	uint32_t slot_flags;
	bool no_cpuid;
	const struct guest_region *regions;
	unsigned int nr_regions;
	bool no_load;
	bool no_irqchip;
	bool guard_pages;
};

typedef void (*ring_entry_fn)(void *arg, uint32_t slot, uint64_t offset);

/* Ends the test; used by the assert-style wrappers and by tests. */
void __attribute__((noreturn, format(printf, 3, 4)))
test_fail(const char *file, int line, const char *fmt, ...);

#define TEST_ASSERT(cond, fmt, ...)					\
	do {								\
		if (!(cond))						\
			test_fail(__FILE__, __LINE__, "%s: " fmt,	\
				  #cond, ##__VA_ARGS__);		\
	} while (0)

/* /dev/kvm: KVM_CHECK_EXTENSION without a VM; -errno if KVM is missing. */
int kvm_check_cap(long cap);

int __vm_create(struct vm **vmp, uint32_t ring_entries);
struct vm *vm_create(uint32_t ring_entries);
void vm_destroy(struct vm *vm);
/* Local APICs in KVM, no PIC or IOAPIC; before the first vCPU. */
int __vm_split_irqchip(struct vm *vm);

/*
 * What the guest reads on LM_PORT_EPOCH.  A guest that sees it change
 * checks all its pages: change it before a paused guest runs again.
 */
void vm_set_epoch(struct vm *vm, uint32_t epoch);
uint32_t vm_epoch(const struct vm *vm);
/*
 * A rate-limited guest writes as fast as it can while @on (it looks at
 * LM_PORT_BURST every LM_EPOCH_POLL_NS), at its rate= again after.
 */
void vm_set_burst(struct vm *vm, bool on);

int __vm_add_region(struct vm *vm, uint32_t slot, uint64_t gpa,
		    uint64_t size, uint32_t flags);
void vm_add_region(struct vm *vm, uint32_t slot, uint64_t gpa,
		   uint64_t size, uint32_t flags);
int __vm_set_region_flags(struct vm *vm, uint32_t slot, uint32_t flags);
void vm_set_region_flags(struct vm *vm, uint32_t slot, uint32_t flags);
struct vm_region *vm_find_region(struct vm *vm, uint32_t slot);
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);
/*
 * With @vm->guard_pages: whether every guard page still holds VM_GUARD_BYTE;
 * -EFAULT (and @vm->err names the first changed one) if anything, KVM or
 * livemig writing past a region, touched one.
 */
int __vm_check_guards(struct vm *vm);
int vm_ring_to_gfn(struct vm *vm, uint32_t slot, uint64_t offset,
		   uint64_t *gfn);

/*
 * The VMM's own dirty bitmaps (DESIGN.md 3.3): one per region, freed with
 * the VM. What the VMM writes to guest memory from userspace is invisible to
 * KVM's dirty logging, so every such write is followed by vm_mark_dirty().
 */
int __vm_alloc_dirty_bitmaps(struct vm *vm);
void vm_alloc_dirty_bitmaps(struct vm *vm);
/* Call after writing [gpa, gpa + len); false if no bitmap covers it. */
bool vm_mark_dirty(struct vm *vm, uint64_t gpa, uint64_t len);

int __vm_vcpu_add(struct vm *vm, uint32_t id, bool set_cpuid,
		  struct vcpu **vcpup);
struct vcpu *vm_vcpu_add(struct vm *vm, uint32_t id);

void guest_image_default(char *path, size_t len);
void ktap_skip_unless_guest_runs(const char *image);
/* The same check for a test that skips only some cases: why, or false. */
bool guest_cannot_run(const char *image, char *why, size_t len);
int __vm_load_multiboot(struct vm *vm, struct vcpu *vcpu, const char *path,
			const char *cmdline);
void vm_load_multiboot(struct vm *vm, struct vcpu *vcpu, const char *path,
		       const char *cmdline);

int __vm_create_guest(struct vm **vmp, struct vcpu **vcpup,
		      const struct guest_config *cfg, char *err, size_t errlen);
struct vm *vm_create_guest(struct vcpu **vcpup, const struct guest_config *cfg);

/*
 * Runs until the guest produces an event; -ETIMEDOUT after @timeout_ms
 * without one, -EINTR when vcpu_request_stop() asked it to return (the stop
 * is consumed: the next call runs again).
 */
int __vcpu_run_guest(struct vcpu *vcpu, struct guest_event *ev,
		     unsigned int timeout_ms);
void vcpu_run_guest(struct vcpu *vcpu, struct guest_event *ev,
		    unsigned int timeout_ms);
/*
 * From another thread: make the vCPU's __vcpu_run_guest() return -EINTR.
 * It leaves KVM_RUN at its next kick (VCPU_KICK_MS) at the latest; signal
 * its thread with VCPU_KICK_SIGNAL to make that immediate.
 */
void vcpu_request_stop(struct vcpu *vcpu);
/*
 * Installs the (empty) handler of VCPU_KICK_SIGNAL, which
 * __vcpu_run_guest() also does: call it before kicking a thread that may
 * not have run yet, or the signal's default action ends the process.
 */
int vcpu_kick_init(void);
/*
 * KVM completes an I/O exit only when KVM_RUN is entered again (api.rst,
 * KVM_EXIT_IO): until then the guest's registers are not final (RIP still
 * on the OUT, an IN's value not in RAX).  This enters KVM_RUN with
 * immediate_exit set, which completes it without running the guest.  Call
 * it on a stopped vCPU before saving its state.
 */
int __vcpu_complete_io(struct vcpu *vcpu);
void vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
void vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs);
/* Prints registers and the console's last line as KTAP diagnostics. */
void vcpu_dump(struct vcpu *vcpu);

uint32_t vcpu_ring_collect(struct vcpu *vcpu, ring_entry_fn fn, void *arg);
/*
 * After someone else (livemig) harvested and reset the ring, this
 * collector's fetch index is stale: find the first entry KVM filled since.
 * Returns true if the ring holds entries to collect.
 */
bool vcpu_ring_resync(struct vcpu *vcpu);
int __vm_reset_dirty_rings(struct vm *vm);
uint32_t vm_reset_dirty_rings(struct vm *vm);

#endif /* LIVEMIG_VMM_H */
