// SPDX-License-Identifier: GPL-2.0
/*
 * Fault points, test builds only (make module-fault).
 *
 * A test arms one point through debugfs, livemig/fault:
 *
 *   echo "dst-loaded stop" > fault   the next migration to pass there
 *                                    waits until "release" (or a cancel)
 *   echo "src-ready fail" > fault    the step fails as an I/O error would
 *   echo "src-round1 drop" > fault   every connection of the migration is
 *                                    shut down, as by a reset link
 *   echo release > fault             let a stopped migration go on
 *   echo off > fault                 disarm (and release)
 *   cat fault                        site, action, hits, stopped
 *
 * A point fires once, then disarms itself, so only one migration is hit.
 * Between "stop" and "release" the test breaks what it wants to: kills a
 * VMM, takes a link down, cancels, disables a host.
 *
 * livemig/harvest-park (Y/N) parks every harvest thread: only the
 * migration's own harvests (after each round, after PAUSE) take what the
 * guest dirties, so a test can show that the one after PAUSE is needed.
 *
 * livemig/objects counts the module's long-lived objects (listeners,
 * migrations, connections, VMs, dirty trackers, pinned bitmaps): once a
 * test's hosts (namespaces) are gone, every count must be back to zero.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "fault.h"
#include "mig.h"

/* How long a stopped migration waits for the test at most. */
#define LM_FAULT_STOP_MAX	(120 * HZ)

enum lm_fault_action {
	LM_FAULT_OFF,
	LM_FAULT_STOP,
	LM_FAULT_FAIL,
	LM_FAULT_DROP,
};

static const char * const lm_fault_sites[__LM_FAULT_MAX] = {
	[LM_FAULT_SRC_CONNECTED]	= "src-connected",
	[LM_FAULT_SRC_ACCEPTED]		= "src-accepted",
	[LM_FAULT_SRC_ROUND0]		= "src-round0",
	[LM_FAULT_SRC_ROUND1]		= "src-round1",
	[LM_FAULT_SRC_PAUSED]		= "src-paused",
	[LM_FAULT_SRC_STATE_SENT]	= "src-state-sent",
	[LM_FAULT_SRC_READY]		= "src-ready",
	[LM_FAULT_SRC_COMMIT_SENT]	= "src-commit-sent",
	[LM_FAULT_DST_ADMITTED]		= "dst-admitted",
	[LM_FAULT_DST_ATTACHED]		= "dst-attached",
	[LM_FAULT_DST_PAGES]		= "dst-pages",
	[LM_FAULT_DST_STATE]		= "dst-state",
	[LM_FAULT_DST_LOADED]		= "dst-loaded",
	[LM_FAULT_DST_COMMITTED]	= "dst-committed",
};

static const char * const lm_fault_actions[] = {
	[LM_FAULT_OFF]	= "off",
	[LM_FAULT_STOP]	= "stop",
	[LM_FAULT_FAIL]	= "fail",
	[LM_FAULT_DROP]	= "drop",
};

static DEFINE_MUTEX(lm_fault_lock);
static DECLARE_WAIT_QUEUE_HEAD(lm_fault_wq);
static enum lm_fault_site lm_fault_site;
static enum lm_fault_action lm_fault_action;
static unsigned int lm_fault_hits;
static bool lm_fault_stopped;
static bool lm_fault_released;
static struct dentry *lm_fault_dir;

/* Shut every connection of @mig down, as a link reset would. */
static void lm_fault_drop(struct lm_mig *mig)
{
	unsigned int i;

	mutex_lock(&mig->conn_lock);
	lm_conn_shutdown(mig->ctrl);
	for (i = 0; i < LIVEMIG_STREAMS_MAX; i++)
		lm_conn_shutdown(mig->data[i]);
	mutex_unlock(&mig->conn_lock);
}

/**
 * lm_fault() - a fault point: act if it is the armed one
 * @mig: the migration passing by
 * @site: where it is
 *
 * Return: 0 to go on, or -EIO when the step must fail.
 */
int lm_fault(struct lm_mig *mig, enum lm_fault_site site)
{
	enum lm_fault_action action;
	unsigned long until;

	mutex_lock(&lm_fault_lock);
	action = lm_fault_site == site ? lm_fault_action : LM_FAULT_OFF;
	if (action != LM_FAULT_OFF) {
		/* One shot: a second migration passes freely. */
		lm_fault_action = LM_FAULT_OFF;
		lm_fault_hits++;
		lm_fault_stopped = action == LM_FAULT_STOP;
		lm_fault_released = false;
	}
	mutex_unlock(&lm_fault_lock);
	if (action == LM_FAULT_OFF)
		return 0;
	pr_info("migration %u: fault point %s: %s\n", mig->id, lm_fault_sites[site],
		lm_fault_actions[action]);

	switch (action) {
	case LM_FAULT_STOP:
		/* A cancel must reach a stopped migration too. */
		until = jiffies + LM_FAULT_STOP_MAX;
		while (!READ_ONCE(lm_fault_released) && !lm_mig_stop_requested(mig) &&
		       time_before(jiffies, until))
			wait_event_timeout(lm_fault_wq, READ_ONCE(lm_fault_released), HZ / 10);
		mutex_lock(&lm_fault_lock);
		lm_fault_stopped = false;
		mutex_unlock(&lm_fault_lock);
		return 0;
	case LM_FAULT_FAIL:
		return -EIO;
	case LM_FAULT_DROP:
		lm_fault_drop(mig);
		return 0;
	default:
		return 0;
	}
}

static bool lm_harvest_parked;

/**
 * lm_fault_harvest_parked() - should the harvest threads stand still?
 *
 * Return: the value of debugfs livemig/harvest-park.
 */
bool lm_fault_harvest_parked(void)
{
	return READ_ONCE(lm_harvest_parked);
}

static atomic_t lm_objs[__LM_OBJ_MAX];

static const char * const lm_obj_names[__LM_OBJ_MAX] = {
	[LM_OBJ_LISTENER]	= "listeners",
	[LM_OBJ_MIG]		= "migrations",
	[LM_OBJ_CONN]		= "connections",
	[LM_OBJ_VM]		= "vms",
	[LM_OBJ_DIRTY]		= "dirty-trackers",
	[LM_OBJ_PINNED]		= "pinned-bitmaps",
};

/**
 * lm_obj_count() - count objects made (@delta 1) and freed (-1)
 * @obj: which kind
 * @delta: +1 or -1
 */
void lm_obj_count(enum lm_obj obj, int delta)
{
	atomic_add(delta, &lm_objs[obj]);
}

static ssize_t lm_objs_read(struct file *file, char __user *ubuf, size_t len,
			    loff_t *pos)
{
	char buf[256];
	int n = 0, i;

	for (i = 0; i < __LM_OBJ_MAX; i++)
		n += scnprintf(buf + n, sizeof(buf) - n, "%s %d\n", lm_obj_names[i],
			       atomic_read(&lm_objs[i]));
	return simple_read_from_buffer(ubuf, len, pos, buf, n);
}

static const struct file_operations lm_objs_fops = {
	.owner = THIS_MODULE,
	.read = lm_objs_read,
	.llseek = default_llseek,
};

static ssize_t lm_fault_read(struct file *file, char __user *ubuf, size_t len,
			     loff_t *pos)
{
	char buf[128];
	int n;

	mutex_lock(&lm_fault_lock);
	n = scnprintf(buf, sizeof(buf), "site=%s action=%s hits=%u stopped=%d\n",
		      lm_fault_sites[lm_fault_site], lm_fault_actions[lm_fault_action],
		      lm_fault_hits, lm_fault_stopped);
	mutex_unlock(&lm_fault_lock);
	return simple_read_from_buffer(ubuf, len, pos, buf, n);
}

static ssize_t lm_fault_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *pos)
{
	char buf[64], *action;
	int site, act;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	strim(buf);

	if (!strcmp(buf, "release") || !strcmp(buf, "off")) {
		mutex_lock(&lm_fault_lock);
		if (!strcmp(buf, "off"))
			lm_fault_action = LM_FAULT_OFF;
		WRITE_ONCE(lm_fault_released, true);
		mutex_unlock(&lm_fault_lock);
		wake_up_all(&lm_fault_wq);
		return len;
	}
	action = strchr(buf, ' ');
	if (!action)
		return -EINVAL;
	*action++ = '\0';
	site = match_string(lm_fault_sites, ARRAY_SIZE(lm_fault_sites), buf);
	act = match_string(lm_fault_actions, ARRAY_SIZE(lm_fault_actions), strim(action));
	if (site < 0 || act <= LM_FAULT_OFF)
		return -EINVAL;
	mutex_lock(&lm_fault_lock);
	lm_fault_site = site;
	lm_fault_action = act;
	lm_fault_hits = 0;
	mutex_unlock(&lm_fault_lock);
	return len;
}

static const struct file_operations lm_fault_fops = {
	.owner = THIS_MODULE,
	.read = lm_fault_read,
	.write = lm_fault_write,
	.llseek = default_llseek,
};

/**
 * lm_fault_init() - create livemig/fault in debugfs
 *
 * Return: 0; a test build without debugfs simply has no fault points.
 */
int lm_fault_init(void)
{
	lm_fault_dir = debugfs_create_dir("livemig", NULL);
	debugfs_create_file("fault", 0600, lm_fault_dir, NULL, &lm_fault_fops);
	debugfs_create_file("objects", 0400, lm_fault_dir, NULL, &lm_objs_fops);
	debugfs_create_bool("harvest-park", 0600, lm_fault_dir, &lm_harvest_parked);
	pr_warn("test build: fault points enabled (debugfs livemig/fault)\n");
	return 0;
}

/**
 * lm_fault_exit() - remove livemig/fault, releasing whoever waits there
 */
void lm_fault_exit(void)
{
	debugfs_remove(lm_fault_dir);
	WRITE_ONCE(lm_fault_released, true);
	wake_up_all(&lm_fault_wq);
}
