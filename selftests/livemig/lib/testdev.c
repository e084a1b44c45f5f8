// SPDX-License-Identifier: GPL-2.0
/*
 * livemig test VMM library: the test device.  See testdev.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lm_guest.h"
#include "testdev.h"

#define NSEC_PER_SEC	1000000000ll

static uint64_t testdev_check(uint64_t gfn, uint64_t gen)
{
	return lm_page_check(gfn, gen) ^ TESTDEV_TAG;
}

/* Page @gfn must hold generation @gen (0: never written, nothing to check). */
static void testdev_check_page(struct testdev *dev, uint64_t gfn, uint64_t gen)
{
	volatile uint64_t *p = vm_gpa_to_hva(dev->vm, gfn * LM_PAGE_SIZE,
					     LM_PAGE_SIZE);

	if (gen && (p[LM_W_GFN] != gfn || p[LM_W_GEN] != gen ||
		    p[LM_W_CHECK] != testdev_check(gfn, gen) ||
		    p[LM_W_LAST] != testdev_check(gfn, gen))) {
		if (!__atomic_load_n(&dev->errors, __ATOMIC_RELAXED))
			dev->first_bad_gfn = gfn;
		__atomic_fetch_add(&dev->errors, 1, __ATOMIC_RELEASE);
	}
}

/* One page: check the last generation written there, write this one. */
static void testdev_write_page(struct testdev *dev)
{
	uint64_t gfn = dev->start_gfn + dev->next;
	uint64_t gpa = gfn * LM_PAGE_SIZE;
	volatile uint64_t *p = vm_gpa_to_hva(dev->vm, gpa, LM_PAGE_SIZE);

	testdev_check_page(dev, gfn, dev->gen - 1);
	p[LM_W_GFN] = gfn;
	p[LM_W_GEN] = dev->gen;
	p[LM_W_CHECK] = testdev_check(gfn, dev->gen);
	p[LM_W_LAST] = testdev_check(gfn, dev->gen);
	/* After the write, never before: see vm_mark_dirty(). */
	vm_mark_dirty(dev->vm, gpa, LM_PAGE_SIZE);
	__atomic_fetch_add(&dev->writes, 1, __ATOMIC_RELAXED);

	if (++dev->next == dev->nr_pages) {
		dev->next = 0;
		dev->gen++;
	}
}

static void timespec_add_ns(struct timespec *ts, long ns)
{
	ts->tv_nsec += ns;
	while (ts->tv_nsec >= NSEC_PER_SEC) {
		ts->tv_nsec -= NSEC_PER_SEC;
		ts->tv_sec++;
	}
}

/*
 * Ticks of TESTDEV_TICK_MS on absolute deadlines, each writing its share of
 * the rate; the remainder carries over, so low rates work too.  A device
 * more than a second behind (its process stopped, say) starts afresh
 * rather than catching up in a burst: it is a load, not a clock.
 */
static void *testdev_main(void *arg)
{
	struct testdev *dev = arg;
	uint64_t per_sec_ticks = 1000 / TESTDEV_TICK_MS;
	uint64_t carry = 0;
	struct timespec next, now;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!__atomic_load_n(&dev->stop, __ATOMIC_ACQUIRE)) {
		uint64_t n;

		carry += dev->rate;
		n = carry / per_sec_ticks;
		carry %= per_sec_ticks;
		while (n--)
			testdev_write_page(dev);
		timespec_add_ns(&next, TESTDEV_TICK_MS * 1000000L);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec + 1)
			next = now;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
				       NULL) == EINTR)
			;
	}
	return NULL;
}

static bool has_bitmap(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < vm->nr_regions; i++) {
		const struct vm_region *reg = &vm->regions[i];

		if (gpa >= reg->gpa && gpa - reg->gpa + len <= reg->size)
			return reg->dirty_bitmap;
	}
	return false;
}

int __testdev_restart(struct testdev *dev)
{
	int r;

	if (dev->started)
		return -EBUSY;
	__atomic_store_n(&dev->stop, false, __ATOMIC_RELAXED);
	r = -pthread_create(&dev->thread, NULL, testdev_main, dev);
	if (r) {
		snprintf(dev->vm->err, sizeof(dev->vm->err),
			 "test device: starting its thread: %s", strerror(-r));
		return r;
	}
	dev->started = true;
	return 0;
}

void testdev_save(const struct testdev *dev, struct testdev_state *s)
{
	*s = (struct testdev_state){
		.gpa = dev->start_gfn * LM_PAGE_SIZE,
		.nr_pages = dev->nr_pages,
		.rate = dev->rate,
		.gen = dev->gen,
		.next = dev->next,
		.writes = testdev_writes(dev),
	};
}

/*
 * A restored device checks its whole area before it writes again: pages
 * below @next hold @gen, the others @gen - 1.  So its last writes before
 * a pause are checked at once on the destination, not a lap later.
 */
static void testdev_verify_all(struct testdev *dev)
{
	uint64_t i, errors = testdev_errors(dev);

	for (i = 0; i < dev->nr_pages; i++)
		testdev_check_page(dev, dev->start_gfn + i,
				   i < dev->next ? dev->gen : dev->gen - 1);
	dev->verified = dev->gen > 1 ? dev->nr_pages : dev->next;
	dev->verify_errors = testdev_errors(dev) - errors;
}

int __testdev_restore(struct testdev **devp, struct vm *vm,
		      const struct testdev_state *s)
{
	struct testdev *dev;
	int r;

	*devp = NULL;
	if (!s->nr_pages || s->nr_pages > UINT64_MAX / LM_PAGE_SIZE ||
	    s->gpa % LM_PAGE_SIZE ||
	    !vm_gpa_to_hva(vm, s->gpa, s->nr_pages * LM_PAGE_SIZE)) {
		snprintf(vm->err, sizeof(vm->err),
			 "test device: %#llx pages from %#llx are not guest RAM",
			 (unsigned long long)s->nr_pages,
			 (unsigned long long)s->gpa);
		return -EINVAL;
	}
	if (!s->gen || s->next >= s->nr_pages) {
		snprintf(vm->err, sizeof(vm->err),
			 "test device: generation %llu, page %llu of %llu is no place to go on from",
			 (unsigned long long)s->gen,
			 (unsigned long long)s->next,
			 (unsigned long long)s->nr_pages);
		return -EINVAL;
	}
	/* Its writes would go unnoticed by a migration otherwise. */
	if (!has_bitmap(vm, s->gpa, s->nr_pages * LM_PAGE_SIZE)) {
		snprintf(vm->err, sizeof(vm->err),
			 "test device: the VM has no dirty bitmap for its area");
		return -EINVAL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->vm = vm;
	dev->start_gfn = s->gpa / LM_PAGE_SIZE;
	dev->nr_pages = s->nr_pages;
	dev->rate = s->rate;
	dev->gen = s->gen;
	dev->next = s->next;
	dev->writes = s->writes;
	testdev_verify_all(dev);
	r = __testdev_restart(dev);
	if (r) {
		free(dev);
		return r;
	}
	*devp = dev;
	return 0;
}

int __testdev_start(struct testdev **devp, struct vm *vm, uint64_t gpa,
		    uint64_t nr_pages, uint64_t rate)
{
	const struct testdev_state s = {
		.gpa = gpa, .nr_pages = nr_pages, .rate = rate, .gen = 1,
	};

	return __testdev_restore(devp, vm, &s);
}

struct testdev *testdev_start(struct vm *vm, uint64_t gpa, uint64_t nr_pages,
			      uint64_t rate)
{
	struct testdev *dev;
	int r = __testdev_start(&dev, vm, gpa, nr_pages, rate);

	TEST_ASSERT(!r, "%s", vm->err);
	return dev;
}

void testdev_stop(struct testdev *dev)
{
	if (!dev || !dev->started)
		return;
	__atomic_store_n(&dev->stop, true, __ATOMIC_RELEASE);
	pthread_join(dev->thread, NULL);
	dev->started = false;
}

void testdev_destroy(struct testdev *dev)
{
	testdev_stop(dev);
	free(dev);
}

uint64_t testdev_writes(const struct testdev *dev)
{
	return dev ? __atomic_load_n(&dev->writes, __ATOMIC_RELAXED) : 0;
}

uint64_t testdev_errors(const struct testdev *dev)
{
	return dev ? __atomic_load_n(&dev->errors, __ATOMIC_ACQUIRE) : 0;
}
