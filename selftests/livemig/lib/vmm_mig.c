// SPDX-License-Identifier: GPL-2.0
/*
 * livemig test VMM library: the VMM's side of the migration contract.  See
 * vmm_mig.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memdigest.h"
#include "vmm_mig.h"

static const char *const phase_names[] = {
	[VMM_MIG_RUNNING] = "running",
	[VMM_MIG_PREPARED] = "prepared for a migration",
	[VMM_MIG_PAUSED] = "paused",
	[VMM_MIG_INCOMING] = "waiting for its state",
	[VMM_MIG_LOADED] = "loaded, waiting to run",
};

static void __attribute__((format(printf, 2, 3)))
note(struct vmm_mig *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->note, sizeof(m->note), fmt, ap);
	va_end(ap);
}

/* Sets the reason and returns the positive errno to acknowledge. */
static int __attribute__((format(printf, 3, 4)))
fail(struct vmm_mig *m, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->reason, sizeof(m->reason), fmt, ap);
	va_end(ap);
	return error;
}

static int wrong_phase(struct vmm_mig *m, const char *what)
{
	return fail(m, EPROTO, "%s while the VM is %s", what,
		    phase_names[m->phase]);
}

void vmm_mig_init(struct vmm_mig *m, struct vmm *vmm, struct testdev *dev,
		  struct lm_client *client, const char *name, bool incoming)
{
	*m = (struct vmm_mig){
		.vmm = vmm, .dev = dev, .client = client, .name = name,
		.phase = incoming ? VMM_MIG_INCOMING : VMM_MIG_RUNNING,
	};
}

/* Every memslot of the registered regions, flags only; undone on failure. */
static int set_logging(struct vmm_mig *m, bool on)
{
	struct vm *vm = m->vmm->vm;
	unsigned int i;
	int r;

	for (i = 0; i < vm->nr_regions; i++) {
		struct vm_region *reg = &vm->regions[i];
		uint32_t flags = on ? reg->flags | KVM_MEM_LOG_DIRTY_PAGES :
				      m->flags[i];

		if (on)
			m->flags[i] = reg->flags;
		r = __vm_set_region_flags(vm, reg->slot, flags);
		if (r)
			goto undo;
	}
	return 0;
undo:
	while (on && i--)
		__vm_set_region_flags(vm, vm->regions[i].slot, m->flags[i]);
	return r;
}

static int prepare(struct vmm_mig *m)
{
	int r;

	if (m->phase != VMM_MIG_RUNNING)
		return wrong_phase(m, "PREPARE");
	/* From now on livemig's harvest thread owns the dirty rings. */
	m->self_harvest = m->vmm->self_harvest;
	r = __vmm_set_self_harvest(m->vmm, false);
	if (r)
		return fail(m, -r, "stopping the vCPU to hand the dirty rings over: %s",
			    strerror(-r));
	r = set_logging(m, true);
	if (r) {
		__vmm_set_self_harvest(m->vmm, m->self_harvest);
		return fail(m, -r, "turning dirty logging on: %s", m->vmm->vm->err);
	}
	m->logging = true;
	m->phase = VMM_MIG_PREPARED;
	note(m, "dirty logging on for %u region(s)", m->vmm->vm->nr_regions);
	return 0;
}

/*
 * --pause-burst: before it stops, the guest writes as fast as it can for
 * @burst_ms, its rate= lifted, and the device goes on writing: all of it
 * after livemig's last pre-copy round, so only the final harvest finds it.
 * Says in @burst how many guest pages that was.
 */
static void pause_burst(struct vmm_mig *m, char *burst, size_t len)
{
	struct timespec ts = {
		.tv_sec = m->burst_ms / 1000,
		.tv_nsec = (m->burst_ms % 1000) * 1000000L,
	};
	struct vmm_stats before, after;

	vmm_stats(m->vmm, &before);
	vm_set_burst(m->vmm->vm, true);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	/* Off again before anything can resume the guest. */
	vm_set_burst(m->vmm->vm, false);
	vmm_stats(m->vmm, &after);
	snprintf(burst, len, " after a %u ms burst of %" PRIu64 " guest pages%s",
		 m->burst_ms, after.pages_written - before.pages_written,
		 after.bursts > before.bursts ? " (its rate lifted)" : "");
}

/* The memory digest, if asked for; what to say about it in @said. */
static int write_digest(struct vmm_mig *m, char *said, size_t len)
{
	struct timespec t0, t1;

	said[0] = '\0';
	if (!m->digest)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (__vm_mem_digest(m->vmm->vm, m->digest))
		return fail(m, EIO, "%s", m->vmm->vm->err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snprintf(said, len, "memory digest written in %ld ms",
		 (t1.tv_sec - t0.tv_sec) * 1000 +
		 (t1.tv_nsec - t0.tv_nsec) / 1000000);
	return 0;
}

static int pause_and_send(struct vmm_mig *m)
{
	struct vm_state st = { 0 };
	char err[VM_ERR_LEN], burst[96] = "", digest[64];
	int r;

	if (m->phase != VMM_MIG_RUNNING && m->phase != VMM_MIG_PREPARED)
		return wrong_phase(m, "PAUSE");
	if (m->burst_ms)
		pause_burst(m, burst, sizeof(burst));
	testdev_stop(m->dev);
	/* Once paused, livemig may mark the VM dead: EIO is expected. */
	vmm_expect_dead(m->vmm, true);
	r = __vmm_pause(m->vmm, err, sizeof(err));
	m->phase = VMM_MIG_PAUSED;
	if (r)
		return fail(m, -r, "pausing the vCPU: %s", err);
	r = __vmm_save(m->vmm, m->dev, &st, err, sizeof(err));
	if (r)
		return fail(m, -r, "saving the state: %s", err);
	/*
	 * Memory holds still from here: the vCPU left KVM_RUN for good
	 * (__vmm_pause()'s last KVM_RUN, with immediate_exit, returns before
	 * entering the guest, where KVM writes kvmclock and steal time) and
	 * the device is stopped.  What livemig reads after our ack is this.
	 */
	r = write_digest(m, digest, sizeof(digest));
	if (r) {
		vm_state_free(&st);
		return r;
	}
	r = __lm_state_put(m->client, m->name, st.buf, st.len);
	if (r) {
		fail(m, -r, "handing %zu bytes of state over: %s%s%s", st.len,
		     strerror(-r), m->client->err[0] ? ": " : "",
		     m->client->err);
		vm_state_free(&st);
		return -r;
	}
	note(m, "paused%s; %zu bytes of state handed over%s%s", burst, st.len,
	     digest[0] ? ", " : "", digest);
	vm_state_free(&st);
	if (m->lie) {
		/* The acknowledgement goes out saying "paused"; the guest runs. */
		vmm_expect_dead(m->vmm, false);
		r = __vmm_start(m->vmm);
		if (r)
			return fail(m, -r, "restarting the vCPU to lie: %s", strerror(-r));
		/* Lie only once the vCPU is back in KVM_RUN, for a test that
		 * does not depend on how soon a new thread gets to run.
		 */
		for (int i = 0; i < 1000 && !__atomic_load_n(&m->vmm->running,
							    __ATOMIC_RELAXED); i++)
			usleep(1000);
		usleep(20000);
		m->lied = true;
		note(m, "paused (a lie: --lie-after-pause, the vCPU runs on)");
	}
	return 0;
}

/* What RESUME left dirty logging as: as it was before PREPARE. */
static const char *logging_now(const struct vmm_mig *m)
{
	const struct vm *vm = m->vmm->vm;
	unsigned int i;

	for (i = 0; i < vm->nr_regions; i++) {
		if (vm->regions[i].flags & KVM_MEM_LOG_DIRTY_PAGES)
			return "dirty logging on, as before";
	}
	return "dirty logging off";
}

static int resume(struct vmm_mig *m, enum vmm_mig_outcome *outcome)
{
	bool paused = m->phase == VMM_MIG_PAUSED;
	int r;

	if (m->phase == VMM_MIG_RUNNING) {
		note(m, "nothing to resume: the VM runs");
		return 0;
	}
	if (m->phase != VMM_MIG_PREPARED && !paused)
		return wrong_phase(m, "RESUME");
	if (m->logging && set_logging(m, false))
		return fail(m, EIO, "turning dirty logging off: %s",
			    m->vmm->vm->err);
	m->logging = false;
	r = __vmm_set_self_harvest(m->vmm, m->self_harvest);
	if (r)
		return fail(m, -r, "taking the dirty rings back: %s", strerror(-r));
	m->phase = VMM_MIG_RUNNING;
	if (!paused) {
		note(m, "%s, the VM runs on", logging_now(m));
		return 0;
	}
	vmm_expect_dead(m->vmm, false);
	/* A new epoch: the guest checks every page before going on. */
	vmm_new_epoch(m->vmm);
	r = m->lied ? 0 : __vmm_start(m->vmm);
	m->lied = false;
	if (r)
		return fail(m, -r, "restarting the vCPU: %s", r == -ESRCH ?
			    "the guest had stopped" : strerror(-r));
	if (m->dev && __testdev_restart(m->dev))
		return fail(m, EIO, "%s", m->vmm->vm->err);
	*outcome = VMM_MIG_RESUMED;
	note(m, "the VM runs here again, %s", logging_now(m));
	return 0;
}

static int load(struct vmm_mig *m)
{
	char err[VM_ERR_LEN], digest[64];
	void *state;
	size_t len;
	int r;

	if (m->phase != VMM_MIG_INCOMING)
		return wrong_phase(m, "LOAD");
	/*
	 * Memory is complete at LOAD, and the guest has not run here yet:
	 * this digest comes before the destination's first KVM_RUN, which
	 * is when KVM starts writing kvmclock here.
	 */
	r = write_digest(m, digest, sizeof(digest));
	if (r)
		return r;
	if (m->fail_load)
		return fail(m, EIO, "the state does not load here (--fail-load)");
	r = __lm_state_get(m->client, m->name, &state, &len);
	if (r)
		return fail(m, -r, "fetching the state: %s%s%s", strerror(-r),
			    m->client->err[0] ? ": " : "", m->client->err);
	r = __vmm_load(m->vmm, state, len, &m->ds, err, sizeof(err));
	free(state);
	if (r)
		return fail(m, -r, "%s", err);
	m->phase = VMM_MIG_LOADED;
	note(m, "%s%s%zu bytes of state checked and loaded", digest,
	     digest[0] ? ", then " : "", len);
	return 0;
}

static int run(struct vmm_mig *m, enum vmm_mig_outcome *outcome)
{
	int r;

	if (m->phase != VMM_MIG_LOADED)
		return wrong_phase(m, "RUN");
	if (m->ds.has_testdev) {
		r = __testdev_restore(&m->dev, m->vmm->vm, &m->ds.testdev);
		if (r)
			return fail(m, -r, "%s", m->vmm->vm->err);
	}
	vmm_new_epoch(m->vmm);
	r = __vmm_start(m->vmm);
	if (r)
		return fail(m, -r, "starting the vCPU: %s", strerror(-r));
	m->phase = VMM_MIG_RUNNING;
	*outcome = VMM_MIG_STARTED;
	if (m->dev)
		note(m, "the VM runs here now; its test device checked the %" PRIu64 " pages it wrote: %" PRIu64 " wrong",
		     m->dev->verified, m->dev->verify_errors);
	else
		note(m, "the VM runs here now");
	return 0;
}

static int carry_out(struct vmm_mig *m, const struct lm_vmm_req *req,
		     enum vmm_mig_outcome *outcome)
{
	switch (req->req) {
	case LIVEMIG_REQ_PREPARE:
		return prepare(m);
	case LIVEMIG_REQ_PAUSE:
		return pause_and_send(m);
	case LIVEMIG_REQ_RESUME:
		return resume(m, outcome);
	case LIVEMIG_REQ_COMPLETED:
		if (m->phase == VMM_MIG_INCOMING || m->phase == VMM_MIG_LOADED)
			return wrong_phase(m, "COMPLETED");
		/* Dead here whatever we thought: never run it again. */
		*outcome = VMM_MIG_MIGRATED;
		note(m, "migrated: the VM runs on the destination%s",
		     m->phase == VMM_MIG_PAUSED ? "" :
		     " (it was not even paused here)");
		return 0;
	case LIVEMIG_REQ_LOAD:
		return load(m);
	case LIVEMIG_REQ_RUN:
		return run(m, outcome);
	case LIVEMIG_REQ_DISCARD:
		if (m->phase != VMM_MIG_INCOMING && m->phase != VMM_MIG_LOADED)
			return wrong_phase(m, "DISCARD");
		*outcome = VMM_MIG_DISCARDED;
		note(m, "the incoming migration was abandoned");
		return 0;
	}
	return fail(m, EOPNOTSUPP, "request %u is unknown to this VMM",
		    req->req);
}

int vmm_mig_handle(struct vmm_mig *m, const struct lm_vmm_req *req,
		   enum vmm_mig_outcome *outcome, int *error)
{
	*outcome = VMM_MIG_GO_ON;
	m->note[0] = '\0';
	m->reason[0] = '\0';
	if (req->vm_name[0] && strcmp(req->vm_name, m->name))
		*error = fail(m, EINVAL, "this VMM runs VM %s, not %s", m->name,
			      req->vm_name);
	else
		*error = carry_out(m, req, outcome);
	return __lm_vm_ack(m->client, req->id, *error, m->reason);
}
