/* SPDX-License-Identifier: GPL-2.0 */
/*
 * livemig test VMM library: a test device that writes guest memory from
 * userspace, as virtio backends and DMA emulation do (DESIGN.md 3.3).
 *
 *   device thread                        guest RAM
 *   -------------                        ---------
 *   every tick, its share of N pages/s   [area: pages the guest never
 *   page p: check it holds gen G-1,       touches, at the top of RAM]
 *           write gfn, G, check words
 *           vm_mark_dirty(p)   -------> the region's dirty bitmap,
 *                                        which livemig harvests
 *
 * Device pages have the guest's page format (lm_guest.h) with check words
 * xor'd with TESTDEV_TAG, so neither side mistakes the other's pages. Like
 * the guest, the device checks each page before rewriting it: a write lost
 * by a migration shows up as a device error on its next visit.
 *
 * Migration: testdev_stop() quiesces it (no write in flight once it
 * returns), testdev_save() says where it was, and __testdev_restore()
 * starts the same device there on the destination, after checking every
 * page it wrote (@verified, @verify_errors): its last writes before the
 * pause are checked before anything else; on the source,
 * __testdev_restart() lets it go on after a cancelled migration.
 *
 * Conventions as in vmm.h.  Everything is in struct testdev.
 */
#ifndef LIVEMIG_TESTDEV_H
#define LIVEMIG_TESTDEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm.h"

#define TESTDEV_TAG		0x5445535444455600ull	/* "TESTDEV" */
#define TESTDEV_AREA_PAGES	256			/* 1 MiB */
#define TESTDEV_TICK_MS		10

/**
 * struct testdev - the device and its thread
 * @vm:		whose memory it writes; must have dirty bitmaps
 * @start_gfn:	first page of its area
 * @nr_pages:	pages in its area
 * @rate:	pages per second
 * @thread:	the device thread, valid while @started
 * @started:	@thread exists and has not been joined
 * @stop:	asks the thread to end (atomic)
 * @gen:	generation being written (device thread; stable once stopped)
 * @next:	next page of the area, 0..@nr_pages - 1 (likewise)
 * @writes:	pages written (atomic)
 * @errors:	pages found not holding what the device wrote (atomic)
 * @first_bad_gfn: the first of them (written before @errors moves)
 * @verified:	pages __testdev_restore() checked before starting it
 * @verify_errors: how many of them were wrong (also in @errors)
 */
struct testdev {
	struct vm *vm;
	uint64_t start_gfn;
	uint64_t nr_pages;
	uint64_t rate;
	pthread_t thread;
	bool started;
	bool stop;
	uint64_t gen;
	uint64_t next;
	uint64_t writes;
	uint64_t errors;
	uint64_t first_bad_gfn;
	uint64_t verified;
	uint64_t verify_errors;
};

/**
 * struct testdev_state - a stopped device, as a migration carries it
 * @gpa:	start of its area
 * @nr_pages:	pages in its area
 * @rate:	pages per second
 * @gen:	generation being written
 * @next:	next page of the area
 * @writes:	pages written so far
 */
struct testdev_state {
	uint64_t gpa;
	uint64_t nr_pages;
	uint64_t rate;
	uint64_t gen;
	uint64_t next;
	uint64_t writes;
};

/* A device writing @rate pages per second over @nr_pages from @gpa. */
int __testdev_start(struct testdev **devp, struct vm *vm, uint64_t gpa,
		    uint64_t nr_pages, uint64_t rate);
struct testdev *testdev_start(struct vm *vm, uint64_t gpa, uint64_t nr_pages,
			      uint64_t rate);
/* Ends the thread; the counters stay readable. */
void testdev_stop(struct testdev *dev);
/* A stopped device goes on where it stopped. */
int __testdev_restart(struct testdev *dev);
/* Where a stopped device is. */
void testdev_save(const struct testdev *dev, struct testdev_state *s);
/* The device of @s, in @vm, going on where it was saved. */
int __testdev_restore(struct testdev **devp, struct vm *vm,
		      const struct testdev_state *s);
void testdev_destroy(struct testdev *dev);

uint64_t testdev_writes(const struct testdev *dev);
uint64_t testdev_errors(const struct testdev *dev);

#endif /* LIVEMIG_TESTDEV_H */
