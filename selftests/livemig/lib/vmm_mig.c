// SPDX-License-Identifier: GPL-2.0
/*
 * livemig test VMM library: the VMM's side of the migration contract.  See
 * vmm_mig.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int pause_and_send(struct vmm_mig *m)
{
	struct vm_state st = { 0 };
	char err[VM_ERR_LEN];
	int r;

	if (m->phase != VMM_MIG_RUNNING && m->phase != VMM_MIG_PREPARED)
		return wrong_phase(m, "PAUSE");
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
	r = __lm_state_put(m->client, m->name, st.buf, st.len);
	if (r) {
		fail(m, -r, "handing %zu bytes of state over: %s%s%s", st.len,
		     strerror(-r), m->client->err[0] ? ": " : "",
		     m->client->err);
		vm_state_free(&st);
		return -r;
	}
	note(m, "paused; %zu bytes of state handed over", st.len);
	vm_state_free(&st);
	return 0;
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
		note(m, "dirty logging off, the VM runs on");
		return 0;
	}
	vmm_expect_dead(m->vmm, false);
	/* A new epoch: the guest checks every page before going on. */
	vmm_new_epoch(m->vmm);
	r = __vmm_start(m->vmm);
	if (r)
		return fail(m, -r, "restarting the vCPU: %s", r == -ESRCH ?
			    "the guest had stopped" : strerror(-r));
	if (m->dev && __testdev_restart(m->dev))
		return fail(m, EIO, "%s", m->vmm->vm->err);
	*outcome = VMM_MIG_RESUMED;
	note(m, "the VM runs here again, dirty logging off");
	return 0;
}

static int load(struct vmm_mig *m)
{
	char err[VM_ERR_LEN];
	void *state;
	size_t len;
	int r;

	if (m->phase != VMM_MIG_INCOMING)
		return wrong_phase(m, "LOAD");
	r = __lm_state_get(m->client, m->name, &state, &len);
	if (r)
		return fail(m, -r, "fetching the state: %s%s%s", strerror(-r),
			    m->client->err[0] ? ": " : "", m->client->err);
	r = __vmm_load(m->vmm, state, len, &m->ds, err, sizeof(err));
	free(state);
	if (r)
		return fail(m, -r, "%s", err);
	m->phase = VMM_MIG_LOADED;
	note(m, "%zu bytes of state checked and loaded", len);
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
