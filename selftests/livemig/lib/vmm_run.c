// SPDX-License-Identifier: GPL-2.0
/*
 * livemig test VMM library: a test guest running on a thread of its own.
 * See vmm_run.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmm_run.h"

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Only the run thread fails a running VM: @why is written once. */
static void __attribute__((format(printf, 2, 3)))
vmm_fail(struct vmm *vmm, const char *fmt, ...)
{
	va_list ap;

	if (LOAD(vmm->failed))
		return;
	va_start(ap, fmt);
	vsnprintf(vmm->why, sizeof(vmm->why), fmt, ap);
	va_end(ap);
	/* Release: a reader that sees @failed sees the sentence. */
	__atomic_store_n(&vmm->failed, true, __ATOMIC_RELEASE);
}

int __vmm_create(struct vmm **vmmp, const struct vmm_config *cfg, char *err,
		 size_t errlen)
{
	uint64_t end = cfg->ram_size - cfg->reserved_pages * LM_PAGE_SIZE;
	struct guest_config gcfg = {
		.image = cfg->image,
		.ram_size = cfg->ram_size,
		.ring_entries = cfg->ring_entries,
		.slot_flags = cfg->dirty_log ? KVM_MEM_LOG_DIRTY_PAGES : 0,
		.regions = cfg->regions,
		.nr_regions = cfg->nr_regions,
		.no_load = cfg->incoming,
		.guard_pages = cfg->guard_pages,
	};
	struct vmm *vmm;
	size_t len;
	int r;

	*vmmp = NULL;
	if (cfg->ram_size > LM_GUEST_MAX_RAM ||
	    cfg->reserved_pages > cfg->ram_size / LM_PAGE_SIZE ||
	    end < LM_PATTERN_START + LM_PAGE_SIZE) {
		snprintf(err, errlen, "%" PRIu64 " bytes of RAM with %" PRIu64
			 " pages reserved leave the guest no pattern page",
			 cfg->ram_size, cfg->reserved_pages);
		return -EINVAL;
	}
	if (cfg->fill > LM_FILL_RANDOM) {
		snprintf(err, errlen, "fill %u is neither pattern nor random",
			 cfg->fill);
		return -EINVAL;
	}
	if (cfg->zero_pages > (end - LM_PATTERN_START) / LM_PAGE_SIZE) {
		snprintf(err, errlen, "%" PRIu64 " pages to zero, but the guest has %" PRIu64 " pattern pages",
			 cfg->zero_pages,
			 (uint64_t)((end - LM_PATTERN_START) / LM_PAGE_SIZE));
		return -EINVAL;
	}
	vmm = calloc(1, sizeof(*vmm));
	if (!vmm)
		return -ENOMEM;
	vmm->start_gfn = LM_PATTERN_START / LM_PAGE_SIZE;
	vmm->end_gfn = end / LM_PAGE_SIZE;
	vmm->guest_exit = -1;
	vmm->self_harvest = true;

	/* Always pages=: the layout is ours, not the guest's default. */
	len = snprintf(vmm->cmdline, sizeof(vmm->cmdline), "pages=%" PRIu64,
		       vmm->end_gfn - vmm->start_gfn);
	if (cfg->rate)
		len += snprintf(vmm->cmdline + len, sizeof(vmm->cmdline) - len,
				" rate=%" PRIu64, cfg->rate);
	if (cfg->idle)
		len += snprintf(vmm->cmdline + len, sizeof(vmm->cmdline) - len,
				" idle=1");
	/* The defaults stay unsaid: the same options as before them. */
	if (cfg->fill == LM_FILL_RANDOM)
		len += snprintf(vmm->cmdline + len, sizeof(vmm->cmdline) - len,
				" fill=random");
	if (cfg->zero_pages)
		snprintf(vmm->cmdline + len, sizeof(vmm->cmdline) - len,
			 " zero=%" PRIu64, cfg->zero_pages);
	gcfg.cmdline = vmm->cmdline;

	r = __vm_create_guest(&vmm->vm, &vmm->vcpu, &gcfg, err, errlen);
	if (r) {
		free(vmm);
		return r;
	}
	vmm->vcpu->console_echo = cfg->console_echo;
	vmm->state = vm_gpa_to_hva(vmm->vm, LM_STATE_GPA, sizeof(*vmm->state));
	/* A layout from elsewhere (a source's) must hold the guest's. */
	if (!vmm->state ||
	    !vm_gpa_to_hva(vmm->vm, LM_PATTERN_START, end - LM_PATTERN_START)) {
		snprintf(err, errlen, "the RAM regions do not hold the guest's record and pattern (%#llx to %#" PRIx64 ") in one region",
			 LM_STATE_GPA, end);
		vmm_destroy(vmm);
		return -EINVAL;
	}
	*vmmp = vmm;
	return 0;
}

struct vmm *vmm_create(const struct vmm_config *cfg)
{
	char err[VM_ERR_LEN];
	struct vmm *vmm;
	int r = __vmm_create(&vmm, cfg, err, sizeof(err));

	TEST_ASSERT(!r, "%s", err);
	return vmm;
}

static void ring_drop(void *arg, uint32_t slot, uint64_t offset)
{
	(void)arg;
	(void)slot;
	(void)offset;
}

static uint32_t vmm_collect(struct vm *vm)
{
	uint32_t n = 0;
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		n += vcpu_ring_collect(vm->vcpus[i], ring_drop, NULL);
	return n;
}

/*
 * KVM_EXIT_DIRTY_RING_FULL: the vCPU may only run on once entries are reset.
 *
 * Outside a migration nobody else reads the rings (and with dirty logging
 * off, the default, they never fill), so the VMM collects and resets them
 * itself and drops what they said.  While livemig migrates the VM its
 * harvest thread owns the rings (DESIGN.md 3.1 and 4; @self_harvest is
 * false): this function then only waits for the module's reset and never
 * touches the rings.  The wait is a short sleep (until the module offers
 * the eventfd it will signal): KVM_RUN exits at once while the ring is
 * still full, so re-entering without one would spin.
 *
 * After a migration that did not move the VM, our fetch index is stale (the
 * module collected and reset in between): an empty collect resynchronises
 * it before it counts as stuck.
 *
 * A struct vmm has one vCPU, and this runs on its thread: nothing else
 * collects concurrently (__vmm_set_self_harvest() stops it to switch).
 */
static int vmm_ring_full(struct vmm *vmm)
{
	struct vm *vm = vmm->vm;
	uint32_t n;
	unsigned int i;
	int r;

	if (!LOAD(vmm->self_harvest)) {
		struct timespec ts = { .tv_nsec = VMM_RING_WAIT_US * 1000L };

		nanosleep(&ts, NULL);
		return 0;
	}
	n = vmm_collect(vm);
	if (!n) {
		for (i = 0; i < vm->nr_vcpus; i++)
			vcpu_ring_resync(vm->vcpus[i]);
		n = vmm_collect(vm);
	}
	r = __vm_reset_dirty_rings(vm);
	if (r < 0) {
		vmm_fail(vmm, "%s", vm->err);
		return r;
	}
	__atomic_fetch_add(&vmm->harvested, n, __ATOMIC_RELAXED);
	if (n) {
		vmm->ring_stuck = 0;
		return 0;
	}
	if (++vmm->ring_stuck < VMM_RING_STUCK_LIMIT)
		return 0;
	vmm_fail(vmm, "the dirty ring stays full: %u full-ring exits in a row freed nothing",
		 VMM_RING_STUCK_LIMIT);
	return -EIO;
}

/* Returns 0 to run on, 1 when the guest is done, -errno when it failed. */
static int vmm_event(struct vmm *vmm, const struct guest_event *ev)
{
	switch (ev->kind) {
	case GUEST_PASS:
		STORE(vmm->passes, ev->value);
		return 0;
	case GUEST_MISMATCH:
		if (!LOAD(vmm->mismatches))
			STORE(vmm->first_bad_gfn, ev->value);
		__atomic_fetch_add(&vmm->mismatches, 1, __ATOMIC_RELEASE);
		return 0;
	case GUEST_RING_FULL:
		return vmm_ring_full(vmm);
	case GUEST_EXIT:
		STORE(vmm->guest_exit, (int64_t)ev->value);
		if (ev->value == LM_EXIT_OK)
			return 1;
		vmm_fail(vmm, "the guest exited with code %" PRIu64, ev->value);
		return -EPROTO;
	case GUEST_HLT:
		vmm_fail(vmm, "the guest halted");
		return -EPROTO;
	}
	vmm_fail(vmm, "unknown guest event %d", ev->kind);
	return -EPROTO;
}

static void *vmm_run_main(void *arg)
{
	struct vmm *vmm = arg;
	struct guest_event ev;
	int r = 0;

	STORE(vmm->running, true);
	while (!r) {
		r = __vcpu_run_guest(vmm->vcpu, &ev, VMM_EVENT_TIMEOUT_MS);
		if (r == -ETIMEDOUT) {
			r = 0;		/* a quiet guest: look up, run on */
			continue;
		}
		if (r == -EINTR)
			break;		/* vmm_stop() */
		if (r == -EIO && LOAD(vmm->expect_dead)) {
			/* livemig marked it dead: it runs elsewhere now. */
			STORE(vmm->dead, true);
			break;
		}
		if (r) {
			vmm_fail(vmm, "vCPU %u: %s", vmm->vcpu->id,
				 vmm->vcpu->err);
			break;
		}
		r = vmm_event(vmm, &ev);
	}
	STORE(vmm->running, false);
	return NULL;
}

int __vmm_start(struct vmm *vmm)
{
	int r;

	if (vmm->started)
		return -EBUSY;
	if (LOAD(vmm->failed) || LOAD(vmm->guest_exit) >= 0 || LOAD(vmm->dead))
		return -ESRCH;
	/* vmm_stop() may kick the thread before it ever reaches KVM_RUN. */
	r = vcpu_kick_init();
	if (r)
		return r;
	r = -pthread_create(&vmm->thread, NULL, vmm_run_main, vmm);
	if (r)
		return r;
	vmm->started = true;
	return 0;
}

void vmm_start(struct vmm *vmm)
{
	int r = __vmm_start(vmm);

	TEST_ASSERT(!r, "starting the vCPU thread: %s", strerror(-r));
}

void vmm_stop(struct vmm *vmm)
{
	if (!vmm->started)
		return;
	vcpu_request_stop(vmm->vcpu);
	/* Out of KVM_RUN now, not at the next timer kick. */
	pthread_kill(vmm->thread, VCPU_KICK_SIGNAL);
	pthread_join(vmm->thread, NULL);
	vmm->started = false;
	/* The thread may have ended on its own: drop a stop it never took. */
	vmm->vcpu->stop = 0;
	vmm->vcpu->run->immediate_exit = 0;
}

int __vmm_set_self_harvest(struct vmm *vmm, bool on)
{
	bool was_started = vmm->started;

	if (LOAD(vmm->self_harvest) == on)
		return 0;
	vmm_stop(vmm);
	STORE(vmm->self_harvest, on);
	return was_started ? __vmm_start(vmm) : 0;
}

void vmm_expect_dead(struct vmm *vmm, bool expect)
{
	STORE(vmm->expect_dead, expect);
}

int __vmm_pause(struct vmm *vmm, char *err, size_t errlen)
{
	int r;

	vmm_stop(vmm);
	r = __vcpu_complete_io(vmm->vcpu);
	if (r)
		snprintf(err, errlen, "%s", vmm->vcpu->err);
	return r;
}

int __vmm_save(struct vmm *vmm, const struct testdev *dev,
	       struct vm_state *st, char *err, size_t errlen)
{
	struct vmm_devstate ds = {
		.magic = VMM_DEVSTATE_MAGIC,
		.version = VMM_DEVSTATE_VERSION,
		.has_testdev = !!dev,
		.epoch = vm_epoch(vmm->vm),
	};
	int r;

	if (vmm->started || (dev && dev->started)) {
		snprintf(err, errlen, "the %s still runs: pause it first",
			 vmm->started ? "vCPU" : "test device");
		return -EBUSY;
	}
	if (dev)
		testdev_save(dev, &ds.testdev);
	r = __vm_state_save(vmm->vm, &ds, sizeof(ds), st);
	if (r)
		snprintf(err, errlen, "%s", vmm->vm->err);
	return r;
}

void vmm_save(struct vmm *vmm, const struct testdev *dev, struct vm_state *st)
{
	char err[VM_ERR_LEN];
	int r = __vmm_save(vmm, dev, st, err, sizeof(err));

	TEST_ASSERT(!r, "saving the guest's state: %s", err);
}

static int devstate_take(const void *dev, uint32_t len,
			 struct vmm_devstate *ds, char *err, size_t errlen)
{
	if (!dev) {
		snprintf(err, errlen, "the state has no DEVICE record");
		return -EINVAL;
	}
	if (len != sizeof(*ds)) {
		snprintf(err, errlen, "the DEVICE record is %u bytes, not the %zu of this VMM's",
			 len, sizeof(*ds));
		return -EINVAL;
	}
	memcpy(ds, dev, sizeof(*ds));
	if (ds->magic != VMM_DEVSTATE_MAGIC ||
	    ds->version != VMM_DEVSTATE_VERSION || ds->has_testdev > 1) {
		snprintf(err, errlen, "the DEVICE record is not this VMM's version %u",
			 VMM_DEVSTATE_VERSION);
		return -EINVAL;
	}
	return 0;
}

int __vmm_load(struct vmm *vmm, const void *state, size_t len,
	       struct vmm_devstate *ds, char *err, size_t errlen)
{
	const struct livemig_state_rec *dev;
	const void *loaded_dev;
	uint32_t dev_len;
	int r;

	if (vmm->started) {
		snprintf(err, errlen, "the vCPU has run: a state loads into a new VM only");
		return -EBUSY;
	}
	/* All checks, ours included, before anything is loaded. */
	r = __vm_state_check(vmm->vm, state, len);
	if (r) {
		snprintf(err, errlen, "%s", vmm->vm->err);
		return r;
	}
	dev = vm_state_find(state, len, LIVEMIG_STATE_DEVICE, 0);
	r = devstate_take(dev ? dev + 1 : NULL, dev ? dev->len : 0, ds, err,
			  errlen);
	if (r)
		return r;
	r = __vm_state_load(vmm->vm, state, len, &loaded_dev, &dev_len);
	if (r) {
		snprintf(err, errlen, "%s", vmm->vm->err);
		return r;
	}
	vm_set_epoch(vmm->vm, ds->epoch);
	/* The guest's record came with its RAM: go on counting from it. */
	if (LOAD(vmm->state->magic) == LM_STATE_MAGIC)
		STORE(vmm->passes, LOAD(vmm->state->pass));
	return 0;
}

void vmm_new_epoch(struct vmm *vmm)
{
	vm_set_epoch(vmm->vm, vm_epoch(vmm->vm) + 1);
}

void vmm_destroy(struct vmm *vmm)
{
	if (!vmm)
		return;
	vmm_stop(vmm);
	vm_destroy(vmm->vm);
	free(vmm);
}

/* Whole passes, plus the part of the current one below next_gfn. */
static uint64_t pages_written(const struct vmm *vmm)
{
	const struct lm_guest_state *gs = vmm->state;
	uint64_t pass = LOAD(gs->pass), gen = LOAD(gs->gen);
	uint64_t next = LOAD(gs->next_gfn);
	uint64_t n = pass * (vmm->end_gfn - vmm->start_gfn);

	if (gen > pass && next >= vmm->start_gfn && next <= vmm->end_gfn)
		n += next - vmm->start_gfn;
	return n;
}

void vmm_stats(struct vmm *vmm, struct vmm_stats *st)
{
	const struct lm_guest_state *gs = vmm->state;

	memset(st, 0, sizeof(*st));
	st->running = LOAD(vmm->running);
	st->failed = __atomic_load_n(&vmm->failed, __ATOMIC_ACQUIRE);
	st->guest_exit = LOAD(vmm->guest_exit);
	st->passes = LOAD(vmm->passes);
	st->mismatches = __atomic_load_n(&vmm->mismatches, __ATOMIC_ACQUIRE);
	st->first_bad_gfn = LOAD(vmm->first_bad_gfn);
	st->ring_full_exits = LOAD(vmm->vcpu->ring_full_exits);
	st->harvested = LOAD(vmm->harvested);
	st->dead = LOAD(vmm->dead);
	st->epoch = vm_epoch(vmm->vm);
	/* Acquire: the guest wrote its record before the port said so. */
	st->verifies = __atomic_load_n(&vmm->vcpu->verifies, __ATOMIC_ACQUIRE);
	st->verified_pages = LOAD(vmm->vcpu->verified_pages);

	/* The guest's record, read while it runs: each word on its own. */
	if (LOAD(gs->magic) != LM_STATE_MAGIC || LOAD(gs->version) < 2)
		return;
	st->counter = LOAD(gs->counter);
	st->checks = LOAD(gs->checks);
	st->clock = LOAD(gs->clock);
	if (LOAD(gs->errors) > st->mismatches)
		st->mismatches = LOAD(gs->errors);
	st->pages_written = pages_written(vmm);
	if (LOAD(gs->version) < 3)
		return;
	st->verify_errors = LOAD(gs->verify_errors);
	st->clock_back = LOAD(gs->clock_back);
	if (LOAD(gs->version) < 4)
		return;
	st->bursts = LOAD(gs->bursts);
}

const char *vmm_why(const struct vmm *vmm)
{
	return __atomic_load_n(&vmm->failed, __ATOMIC_ACQUIRE) ? vmm->why : "";
}
