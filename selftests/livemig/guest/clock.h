/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test guest's clock: kvmclock when KVM offers it, nothing otherwise.
 */
#ifndef LIVEMIG_GUEST_CLOCK_H
#define LIVEMIG_GUEST_CLOCK_H

#include <stdint.h>

#define NSEC_PER_SEC	1000000000ull

/* Enables kvmclock if the CPUID says KVM offers it; returns 1 if it runs. */
int clock_init(void);
/* Nanoseconds since an arbitrary start; only valid after clock_init() == 1. */
uint64_t clock_ns(void);

#endif /* LIVEMIG_GUEST_CLOCK_H */
