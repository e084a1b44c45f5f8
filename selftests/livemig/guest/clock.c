// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock for the test guest (Documentation/virt/kvm/x86/msr.rst).
 *
 * The guest gives KVM the address of a pvclock record; KVM fills it in
 * before the next entry and again whenever the host's clock parameters
 * change.  Besides a time base for rate=, this makes KVM itself write guest
 * memory, as real guests have it do: a migration must carry those writes too.
 *
 * Only under KVM: writing the MSR elsewhere raises #GP, and with no IDT that
 * is a triple fault, so the CPUID signature is checked first.
 */
#include "clock.h"

#define CPUID_KVM_SIGNATURE	0x40000000
#define CPUID_KVM_FEATURES	0x40000001
#define KVM_FEATURE_CLOCKSOURCE2 3
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define KVM_SYSTEM_TIME_ENABLE	1ull

/* struct pvclock_vcpu_time_info: 32 bytes, never across a page boundary. */
struct pvclock {
	uint32_t version;	/* odd while KVM updates the record */
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((aligned(32)));

/* In .bss, inside the image: the pattern never covers it. */
static struct pvclock kvmclock;

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
			 uint32_t *d)
{
	__asm__ volatile("cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(0));
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr"
			 : : "c"(msr), "a"((uint32_t)val),
			     "d"((uint32_t)(val >> 32))
			 : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

int clock_init(void)
{
	uint32_t a, b, c, d;

	cpuid(CPUID_KVM_SIGNATURE, &a, &b, &c, &d);
	/* "KVMKVMKVM\0\0\0" in EBX, ECX, EDX */
	if (b != 0x4b4d564b || c != 0x564b4d56 || d != 0x4d ||
	    a < CPUID_KVM_FEATURES)
		return 0;
	cpuid(CPUID_KVM_FEATURES, &a, &b, &c, &d);
	if (!(a & (1u << KVM_FEATURE_CLOCKSOURCE2)))
		return 0;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW,
	      (uint64_t)(uintptr_t)&kvmclock | KVM_SYSTEM_TIME_ENABLE);
	/* KVM filled the record before it let us run again. */
	return *(volatile uint32_t *)&kvmclock.tsc_to_system_mul != 0;
}

uint64_t clock_ns(void)
{
	volatile struct pvclock *p = &kvmclock;
	uint32_t version, mul;
	uint64_t delta, base;
	int8_t shift;

	/*
	 * A seqcount: KVM makes the version odd, updates, makes it even.  A
	 * read that saw an odd or changed version raced with an update.  x86
	 * keeps loads in order, so compiler barriers suffice.
	 */
	do {
		version = p->version;
		__asm__ volatile("" ::: "memory");
		delta = rdtsc() - p->tsc_timestamp;
		base = p->system_time;
		mul = p->tsc_to_system_mul;
		shift = p->tsc_shift;
		__asm__ volatile("" ::: "memory");
	} while ((version & 1) || version != p->version);

	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return base + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}
