/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault points: places in a migration where a test build of the module
 * can stop a migration (so a test can break something at exactly that
 * phase) or make the step fail. The shipped module has none: without
 * LM_FAULT_INJECT (make module-fault) every point compiles to nothing.
 */
#ifndef _LIVEMIG_FAULT_H
#define _LIVEMIG_FAULT_H

struct lm_mig;

/**
 * enum lm_fault_site - where a fault point sits
 * @LM_FAULT_SRC_CONNECTED: source, control connection open, before HELLO
 * @LM_FAULT_SRC_ACCEPTED: source, authenticated and accepted, before PREPARE
 * @LM_FAULT_SRC_ROUND0: source, round 0 under way (after its first batch)
 * @LM_FAULT_SRC_ROUND1: source, at the start of round 1
 * @LM_FAULT_SRC_PAUSED: source, PAUSE acknowledged, before the last pages
 * @LM_FAULT_SRC_STATE_SENT: source, everything sent, before READY
 * @LM_FAULT_SRC_READY: source, READY heard, before COMMIT
 * @LM_FAULT_SRC_COMMIT_SENT: source, COMMIT sent, before COMMITTED is read
 * @LM_FAULT_DST_ADMITTED: destination, SETUP admitted, before the agent
 * @LM_FAULT_DST_ATTACHED: destination, VMM attached, before ACCEPT
 * @LM_FAULT_DST_PAGES: destination, a data stream took its first pages
 * @LM_FAULT_DST_STATE: destination, memory and state in, before LOAD
 * @LM_FAULT_DST_LOADED: destination, state loaded, before READY
 * @LM_FAULT_DST_COMMITTED: destination, COMMIT recorded, before COMMITTED
 * @__LM_FAULT_MAX: internal
 */
enum lm_fault_site {
	LM_FAULT_SRC_CONNECTED,
	LM_FAULT_SRC_ACCEPTED,
	LM_FAULT_SRC_ROUND0,
	LM_FAULT_SRC_ROUND1,
	LM_FAULT_SRC_PAUSED,
	LM_FAULT_SRC_STATE_SENT,
	LM_FAULT_SRC_READY,
	LM_FAULT_SRC_COMMIT_SENT,
	LM_FAULT_DST_ADMITTED,
	LM_FAULT_DST_ATTACHED,
	LM_FAULT_DST_PAGES,
	LM_FAULT_DST_STATE,
	LM_FAULT_DST_LOADED,
	LM_FAULT_DST_COMMITTED,
	__LM_FAULT_MAX
};

/**
 * enum lm_obj - what the test build counts, so a test can prove that
 *	nothing is left once its hosts are gone (debugfs livemig/objects)
 * @LM_OBJ_LISTENER: a listening socket
 * @LM_OBJ_MIG: a migration (kept for a while after it ended)
 * @LM_OBJ_CONN: a connection and its socket
 * @LM_OBJ_VM: a registered VM (holds a reference on its struct kvm)
 * @LM_OBJ_DIRTY: a dirty tracker
 * @LM_OBJ_PINNED: a VMM dirty bitmap pinned and mapped
 * @__LM_OBJ_MAX: internal
 */
enum lm_obj {
	LM_OBJ_LISTENER,
	LM_OBJ_MIG,
	LM_OBJ_CONN,
	LM_OBJ_VM,
	LM_OBJ_DIRTY,
	LM_OBJ_PINNED,
	__LM_OBJ_MAX
};

#ifdef LM_FAULT_INJECT
int lm_fault(struct lm_mig *mig, enum lm_fault_site site);
void lm_obj_count(enum lm_obj obj, int delta);
bool lm_fault_harvest_parked(void);
int lm_fault_init(void);
void lm_fault_exit(void);
#else
static inline int lm_fault(struct lm_mig *mig, enum lm_fault_site site)
{
	return 0;
}

static inline void lm_obj_count(enum lm_obj obj, int delta)
{
}

static inline bool lm_fault_harvest_parked(void)
{
	return false;
}

static inline int lm_fault_init(void)
{
	return 0;
}

static inline void lm_fault_exit(void)
{
}
#endif

#endif /* _LIVEMIG_FAULT_H */
