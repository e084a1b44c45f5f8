// SPDX-License-Identifier: GPL-2.0
/*
 * vm_register_test: the VMM contract's registration (VM_ADD, VM_DEL,
 * VM_GET) against the real module, with real KVM VMs.
 *
 *   this process (the VMM, root)                       livemig.ko
 *   ----------------------------                       ----------
 *   VM "a": 16 MiB, dirty ring, guest running in a thread
 *   client c1 (netlink socket, initial netns) ------> host of the initial netns
 *   client ns2 (socket opened after unshare(NEWNET)) -> host of a second netns
 *   VMs b, d: dirty ring; VM c: no dirty ring       |  one global registry,
 *   forked children: not the owner (EPERM);         |  keyed by struct kvm
 *     a VMM killed with SIGKILL; a VMM as uid 65534 |
 *
 * Checked: a registered VM is listed (name, pid, memory, regions; by the
 * client, by "lmctl vm list" and by "lmctl show"); a VM registers once,
 * whatever the namespace; a name once per host; only the VM's owner may
 * register it or unregister it; a file that is no VM, a VM without a dirty
 * ring and every malformed set of regions is refused with EINVAL (or
 * EBADF) and the kernel's own sentence, which is printed; a refused
 * request leaves nothing behind; VM_DEL, closing the socket and the
 * VMM's death each unregister the VM, and after the death the VM is
 * really destroyed (KVM's debugfs directory for it disappears, so the
 * module holds no reference); anyone may register a VM they own, only
 * the admin may list. A dump of several messages lists every VM, also
 * when VMs it already reported go meanwhile (or says it was interrupted);
 * another host registering and unregistering in a loop neither disturbs
 * this host's walks of the global registry nor floods the kernel log;
 * rmmod with a VM registered leaves no reference behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lm_client.h"
#include "lm_guest.h"
#include "vmm.h"

#define RAM_A		(16ull << 20)	/* VM "a": the running guest */
#define RAM_B		(8ull << 20)	/* VMs "b", "c", "d" */
#define MIB		(1ull << 20)
#define PASS_TIMEOUT_MS	60000		/* one guest pass under nested TCG */
#define GONE_TIMEOUT_MS	10000		/* unregistration after a close/kill */
#define CHILD_TIMEOUT_MS 60000
#define LIST_MAX	64
#define NOBODY		65534

#define NAME_A		"vmreg-a"
#define NAME_B		"vmreg-b"
#define NAME_D		"vmreg-d"
#define NAME_KILLED	"vmreg-killed"
#define NAME_USER	"vmreg-user"

static const char config_a[] = "machine=livemig-test ram=16M vcpus=1";

/**
 * struct runner - a vCPU thread that keeps the guest running
 * @vcpu:	the vCPU it runs
 * @thread:	the thread
 * @stop:	set to make it return (it notices within a kick period)
 * @passes:	last pass the guest reported
 * @mismatches:	pages the guest found wrong
 * @failed:	the run loop stopped on an error or an unexpected exit
 * @why:	what stopped it
 */
struct runner {
	struct vcpu *vcpu;
	pthread_t thread;
	atomic_bool stop;
	atomic_uint_fast64_t passes;
	atomic_uint_fast64_t mismatches;
	atomic_bool failed;
	char why[VM_ERR_LEN];
};

struct test {
	struct ktap ktap;
	char image[PATH_MAX];
	bool verbose;
	bool lmctl;
	pid_t pid;
	struct vm *a;
	struct vcpu *a_vcpu;
	struct runner run;
	bool a_registered;
	struct vm *b;		/* dirty ring, not running */
	struct vm *c;		/* no dirty ring */
	struct lm_client *c1;	/* this process's registration socket */
	struct lm_client *ns2;	/* a socket in another network namespace */
};

/* What a child reports back through a pipe. */
#define CHILD_STEPS	4
struct child_report {
	pid_t pid;
	int vm_fd;
	int r[CHILD_STEPS];
	char err[CHILD_STEPS][LM_CLIENT_ERR_LEN];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static const char *err_name(int r)
{
	const char *s = r < 0 ? strerrorname_np(-r) : NULL;

	return r == 0 ? "success" : s ? s : "?";
}

/*
 * One refusal: the diagnostic shows what the kernel said, and the check
 * wants exactly @want with a sentence when @need_sentence.
 */
static bool refused(const char *what, int r, const char *sentence, int want,
		    bool need_sentence)
{
	bool ok = r == want && (!need_sentence || sentence[0]);

	ktap_diag("%s: %s, kernel: \"%s\"", what, err_name(r), sentence);
	if (r != want)
		ktap_diag("  expected %s", err_name(want));
	else if (!ok)
		ktap_diag("  expected a sentence in the extended ack");
	return ok;
}

/* --- the running guest ------------------------------------------------- */

static void *runner_main(void *arg)
{
	struct runner *run = arg;
	struct guest_event ev;

	while (!atomic_load(&run->stop)) {
		int r = __vcpu_run_guest(run->vcpu, &ev, 300);

		if (r == -ETIMEDOUT)
			continue;
		if (r) {
			snprintf(run->why, sizeof(run->why), "%s", run->vcpu->err);
			atomic_store(&run->failed, true);
			break;
		}
		if (ev.kind == GUEST_PASS) {
			atomic_store(&run->passes, ev.value);
		} else if (ev.kind == GUEST_MISMATCH) {
			atomic_fetch_add(&run->mismatches, 1);
		} else if (ev.kind == GUEST_RING_FULL) {
			/* Logging is off: nothing should fill the ring. */
			snprintf(run->why, sizeof(run->why),
				 "dirty ring full with dirty logging off");
			atomic_store(&run->failed, true);
			break;
		} else {
			snprintf(run->why, sizeof(run->why),
				 "the guest stopped (event %d, value %" PRIu64 ")",
				 ev.kind, ev.value);
			atomic_store(&run->failed, true);
			break;
		}
	}
	return NULL;
}

/* Waits until the guest completes a pass after @after; false on timeout. */
static bool runner_wait_pass(struct runner *run, uint64_t after)
{
	uint64_t deadline = now_ms() + PASS_TIMEOUT_MS;

	while (atomic_load(&run->passes) <= after) {
		if (atomic_load(&run->failed)) {
			ktap_diag("guest: %s", run->why);
			return false;
		}
		if (now_ms() >= deadline) {
			ktap_diag("guest: no pass after %" PRIu64 " within %u ms",
				  after, PASS_TIMEOUT_MS);
			return false;
		}
		sleep_ms(20);
	}
	return true;
}

/* --- helpers ------------------------------------------------------------ */

/* A VM with @ram bytes in slot 0 and one vCPU; no guest loaded. */
static struct vm *plain_vm(uint32_t ring_entries, uint64_t ram)
{
	struct vm *vm = vm_create(ring_entries);

	vm_add_region(vm, 0, 0, ram, 0);
	vm_vcpu_add(vm, 0);
	return vm;
}

/* VM_GET dump; false with a diagnostic when it fails. */
static bool list_vms(struct lm_client *client, struct lm_vm_info *vms,
		     unsigned int *nr)
{
	int r = __lm_vm_list(client, vms, LIST_MAX, nr);

	if (r) {
		ktap_diag("VM_GET dump: %s: \"%s\"", err_name(r), client->err);
		return false;
	}
	if (*nr > LIST_MAX)
		*nr = LIST_MAX;
	return true;
}

/* Whether @name is listed: 1 yes, 0 no, -1 the list failed. */
static int listed(struct lm_client *client, const char *name)
{
	static struct lm_vm_info vms[LIST_MAX];
	unsigned int nr;

	if (!list_vms(client, vms, &nr))
		return -1;
	return lm_vm_find(vms, nr, name) != NULL;
}

/* Polls the list until @name is gone; true if it went within the bound. */
static bool wait_unlisted(struct lm_client *client, const char *name)
{
	uint64_t start = now_ms();
	int r;

	while ((r = listed(client, name)) == 1 &&
	       now_ms() - start < GONE_TIMEOUT_MS)
		sleep_ms(50);
	if (r == 0)
		ktap_diag("%s left the list after %" PRIu64 " ms", name,
			  now_ms() - start);
	else if (r == 1)
		ktap_diag("%s still listed after %u ms", name, GONE_TIMEOUT_MS);
	return r == 0;
}

static void print_vm(const struct lm_vm_info *v)
{
	unsigned int i;

	ktap_diag("listed: %s pid %s%" PRIu32 " memory %s%" PRIu64 " regions %u",
		  v->name, v->has_pid ? "" : "(none) ", v->pid,
		  v->has_memory ? "" : "(none) ", v->memory, v->nr_regions);
	for (i = 0; i < v->nr_regions && i < LM_VM_INFO_REGIONS; i++)
		ktap_diag("  region %" PRIu32 " \"%s\" gpa %#" PRIx64 " size %#" PRIx64,
			  v->regions[i].id, v->region_names[i],
			  v->regions[i].gpa, v->regions[i].size);
}

/* The listing of a VM made by plain_vm() or the guest: one region "ram0". */
static bool vm_info_matches(const struct lm_vm_info *v, pid_t pid,
			    uint64_t ram)
{
	bool ok = v->has_pid && v->pid == (uint32_t)pid && v->has_memory &&
		  v->memory == ram && v->nr_regions == 1 &&
		  v->regions[0].id == 0 && v->regions[0].gpa == 0 &&
		  v->regions[0].size == ram &&
		  !strcmp(v->region_names[0], "ram0") && !v->region_has_hva;

	if (!ok) {
		print_vm(v);
		ktap_diag("  expected pid %d, memory %" PRIu64
			  ", one region \"ram0\" at 0 of that size, no hva",
			  (int)pid, ram);
	}
	return ok;
}

/*
 * Runs @fn in a forked child, which reports through @rep_fd (a struct
 * child_report) and may then wait on @go_fd until the parent closes it.
 */
typedef void (*child_fn)(struct test *t, struct child_report *rep,
			 int rep_fd, int go_fd);

static pid_t child_start(struct test *t, child_fn fn, int *rep_fd, int *go_fd)
{
	int rep[2], go[2];
	pid_t pid;

	TEST_ASSERT(!pipe2(rep, O_CLOEXEC) && !pipe2(go, O_CLOEXEC),
		    "pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		struct child_report r = { .pid = getpid(), .vm_fd = -1 };

		close(rep[0]);
		close(go[1]);
		for (int i = 0; i < CHILD_STEPS; i++)
			r.r[i] = -EINPROGRESS;
		fn(t, &r, rep[1], go[0]);
		_exit(0);
	}
	close(rep[1]);
	close(go[0]);
	*rep_fd = rep[0];
	*go_fd = go[1];
	return pid;
}

/* In the child: the report goes to the parent. */
static void child_send(int fd, const struct child_report *rep)
{
	ssize_t n = write(fd, rep, sizeof(*rep));

	(void)n;	/* the parent notices a short report */
}

/* In the child: block until the parent closes its end of the go pipe. */
static void child_wait_go(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

static bool child_read(int fd, struct child_report *rep)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t done = 0;

	while (done < sizeof(*rep)) {
		ssize_t n;

		if (poll(&pfd, 1, CHILD_TIMEOUT_MS) <= 0) {
			ktap_diag("the child did not report within %u ms",
				  CHILD_TIMEOUT_MS);
			return false;
		}
		n = read(fd, (char *)rep + done, sizeof(*rep) - done);
		if (n <= 0) {
			ktap_diag("the child ended without a report");
			return false;
		}
		done += n;
	}
	return true;
}

static int child_reap(pid_t pid)
{
	int status = 0;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* --- 1-4: a running guest registers and is listed ----------------------- */

static bool test_register_running(struct test *t)
{
	struct guest_config cfg = {
		.image = t->image,
		.cmdline = "passes=0",
		.ram_size = RAM_A,
		.ring_entries = VM_RING_DEFAULT,
		.slot_flags = 0,	/* logging stays off until PREPARE */
	};
	char err[VM_ERR_LEN];
	uint64_t before;
	int r;

	r = __vm_create_guest(&t->a, &t->a_vcpu, &cfg, err, sizeof(err));
	if (r) {
		ktap_diag("creating the guest: %s", err);
		return false;
	}
	t->a_vcpu->console_echo = t->verbose;
	t->run.vcpu = t->a_vcpu;
	r = pthread_create(&t->run.thread, NULL, runner_main, &t->run);
	TEST_ASSERT(!r, "pthread_create: %s", strerror(r));
	if (!runner_wait_pass(&t->run, 0))
		return false;

	before = atomic_load(&t->run.passes);
	r = __lm_vm_add(t->c1, t->a, NAME_A, config_a, sizeof(config_a));
	if (r) {
		ktap_diag("VM_ADD %s: %s: \"%s\"", NAME_A, err_name(r),
			  t->c1->err);
		return false;
	}
	t->a_registered = true;
	ktap_diag("registered %s (guest at pass %" PRIu64 ")", NAME_A, before);
	/* Registration must not disturb the guest. */
	if (!runner_wait_pass(&t->run, before))
		return false;
	if (atomic_load(&t->run.mismatches)) {
		ktap_diag("the guest saw %" PRIu64 " wrong pages",
			  (uint64_t)atomic_load(&t->run.mismatches));
		return false;
	}
	return true;
}

static bool test_listed(struct test *t)
{
	static struct lm_vm_info vms[LIST_MAX];
	struct lm_vm_info one;
	const struct lm_vm_info *v;
	unsigned int nr;
	bool ok;
	int r;

	if (!list_vms(t->c1, vms, &nr))
		return false;
	v = lm_vm_find(vms, nr, NAME_A);
	if (!v) {
		ktap_diag("%s is not among the %u VMs listed", NAME_A, nr);
		return false;
	}
	ok = vm_info_matches(v, t->pid, RAM_A);

	r = __lm_vm_get(t->c1, NAME_A, &one);
	if (r) {
		ktap_diag("VM_GET %s: %s: \"%s\"", NAME_A, err_name(r), t->c1->err);
		return false;
	}
	if (!vm_info_matches(&one, t->pid, RAM_A))
		ok = false;

	r = __lm_vm_get(t->c1, "vmreg-nosuch", &one);
	ktap_diag("VM_GET vmreg-nosuch: %s: \"%s\"", err_name(r), t->c1->err);
	if (r != -ENOENT) {
		ktap_diag("  expected ENOENT for a name nobody registered");
		ok = false;
	}
	return ok;
}

/* Runs @cmd through the shell; its output in @out. -1: could not run. */
static int run_cmd(const char *cmd, char *out, size_t size)
{
	size_t n = 0;
	FILE *f;
	int st;

	out[0] = '\0';
	fflush(stdout);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (n + 1 < size && fgets(out + n, size - n, f))
		n += strlen(out + n);
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void diag_lines(const char *prefix, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		ktap_diag("%s%.*s", prefix, len, p);
		p += len + (nl ? 1 : 0);
	}
}

static bool lmctl_shows(const char *cmd, const char *const *want,
			unsigned int nr_want)
{
	char out[16384];
	unsigned int i;
	bool ok = true;
	int rc = run_cmd(cmd, out, sizeof(out));

	for (i = 0; i < nr_want; i++) {
		if (!strstr(out, want[i])) {
			ktap_diag("missing: %s", want[i]);
			ok = false;
		}
	}
	if (rc != 0 || !ok) {
		ktap_diag("%s: exit %d", cmd, rc);
		diag_lines("  ", out);
		return false;
	}
	return true;
}

/* @cmd succeeds and prints @what exactly @want times. */
static bool lmctl_counts(const char *cmd, const char *what, unsigned int want)
{
	static char out[256 * 1024];
	unsigned int n = 0;
	const char *p;
	int rc = run_cmd(cmd, out, sizeof(out));

	for (p = out; (p = strstr(p, what)); p += strlen(what))
		n++;
	if (rc || n != want) {
		ktap_diag("%s: exit %d, %u times %s (want %u)", cmd, rc, n, what,
			  want);
		return false;
	}
	return true;
}

static bool have_lmctl(void)
{
	char out[256];

	return run_cmd("command -v lmctl", out, sizeof(out)) == 0;
}

static bool test_lmctl_list(struct test *t)
{
	char entry[256], human[128];
	const char *want[] = { entry, human };

	snprintf(entry, sizeof(entry),
		 "{\"name\":\"%s\",\"pid\":%d,\"memory\":%llu,\"regions\":1}",
		 NAME_A, (int)t->pid, RAM_A);
	snprintf(human, sizeof(human), "%s", "16 MiB");
	if (!lmctl_shows("lmctl -j vm list 2>&1", want, 1))
		return false;
	snprintf(human, sizeof(human), "%s", NAME_A);
	want[0] = human;
	want[1] = "16 MiB";
	return lmctl_shows("lmctl vm list 2>&1", want, 2);
}

static bool test_lmctl_show(struct test *t)
{
	char entry[256];
	const char *want[] = { entry, "\"vms\":[" };
	const char *human[] = { "VMs:", NAME_A, "16 MiB" };

	snprintf(entry, sizeof(entry),
		 "{\"name\":\"%s\",\"pid\":%d,\"memory\":%llu,\"regions\":1}",
		 NAME_A, (int)t->pid, RAM_A);
	return lmctl_shows("lmctl -j show 2>&1", want, 2) &&
	       lmctl_shows("lmctl show 2>&1", human, 3);
}

/* --- 5-8: once per VM, once per name and host --------------------------- */

static bool test_same_vm_again(struct test *t)
{
	struct lm_client *c2;
	bool ok;
	int r;

	r = __lm_vm_add(t->c1, t->a, "vmreg-a-again", NULL, 0);
	ok = refused("the same VM again, another name, same socket", r,
		     t->c1->err, -EEXIST, false);
	c2 = lm_client_open();
	r = __lm_vm_add(c2, t->a, "vmreg-a-again", NULL, 0);
	ok &= refused("the same VM again, from another socket", r, c2->err,
		      -EEXIST, false);
	lm_client_close(c2);
	return ok && listed(t->c1, "vmreg-a-again") == 0;
}

/*
 * A socket in a fresh network namespace (another migration host): the
 * thread switches there, opens it and comes back; the socket stays there.
 */
static struct lm_client *client_in_new_netns(void)
{
	struct lm_client *client = NULL;
	int home, r;

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	TEST_ASSERT(home >= 0, "/proc/self/ns/net: %s", strerror(errno));
	if (unshare(CLONE_NEWNET)) {
		ktap_diag("unshare(CLONE_NEWNET): %s", strerror(errno));
		close(home);
		return NULL;
	}
	r = __lm_client_open(&client);
	TEST_ASSERT(!setns(home, CLONE_NEWNET), "setns back: %s",
		    strerror(errno));
	close(home);
	if (r)
		ktap_diag("opening a client in the new namespace: %s",
			  err_name(r));
	return client;
}

static bool test_other_netns(struct test *t)
{
	int r;

	if (!t->ns2)
		return false;
	r = __lm_vm_add(t->ns2, t->a, "vmreg-a-ns2", NULL, 0);
	return refused("the same VM from another network namespace", r,
		       t->ns2->err, -EEXIST, false) &&
	       listed(t->ns2, "vmreg-a-ns2") == 0;
}

static bool test_same_name(struct test *t)
{
	int r = __lm_vm_add(t->c1, t->b, NAME_A, NULL, 0);

	return refused("another VM under a registered name", r, t->c1->err,
		       -EEXIST, false);
}

static bool test_same_name_other_host(struct test *t)
{
	static struct lm_vm_info vms[LIST_MAX];
	const struct lm_vm_info *v;
	unsigned int nr;
	bool ok = true;
	int r;

	if (!t->ns2)
		return false;
	r = __lm_vm_add(t->ns2, t->b, NAME_A, NULL, 0);
	if (r) {
		ktap_diag("VM_ADD %s in the second namespace: %s: \"%s\"",
			  NAME_A, err_name(r), t->ns2->err);
		return false;
	}
	/* Each host lists its own. */
	if (!list_vms(t->ns2, vms, &nr))
		return false;
	v = lm_vm_find(vms, nr, NAME_A);
	if (nr != 1 || !v || !vm_info_matches(v, t->pid, RAM_B)) {
		ktap_diag("the second namespace lists %u VMs", nr);
		ok = false;
	}
	if (!list_vms(t->c1, vms, &nr))
		return false;
	v = lm_vm_find(vms, nr, NAME_A);
	if (!v || !vm_info_matches(v, t->pid, RAM_A)) {
		ktap_diag("the initial namespace's %s changed", NAME_A);
		ok = false;
	}
	r = __lm_vm_del(t->ns2, NAME_A);
	if (r) {
		ktap_diag("VM_DEL in the second namespace: %s: \"%s\"",
			  err_name(r), t->ns2->err);
		ok = false;
	}
	if (listed(t->ns2, NAME_A) != 0 || listed(t->c1, NAME_A) != 1) {
		ktap_diag("after VM_DEL in the second namespace, the lists are wrong");
		ok = false;
	}
	return ok;
}

/* --- only the owner ----------------------------------------------------- */

static void child_not_owner(struct test *t, struct child_report *rep,
			    int rep_fd, int go_fd)
{
	struct lm_client *client;
	int r;

	(void)go_fd;
	r = __lm_client_open(&client);
	if (r) {
		rep->r[0] = rep->r[1] = r;
		snprintf(rep->err[0], sizeof(rep->err[0]),
			 "(opening a client failed)");
	} else {
		rep->r[0] = __lm_vm_add(client, t->a, "vmreg-forked", NULL, 0);
		snprintf(rep->err[0], sizeof(rep->err[0]), "%s", client->err);
		rep->r[1] = __lm_vm_del(client, NAME_A);
		snprintf(rep->err[1], sizeof(rep->err[1]), "%s", client->err);
		lm_client_close(client);
	}
	child_send(rep_fd, rep);
}

/* Fills @rep from a child that holds the VM fds (a different mm). */
static bool run_not_owner(struct test *t, struct child_report *rep)
{
	int rep_fd, go_fd;
	pid_t pid;
	bool ok;

	pid = child_start(t, child_not_owner, &rep_fd, &go_fd);
	close(go_fd);
	ok = child_read(rep_fd, rep);
	close(rep_fd);
	child_reap(pid);
	return ok;
}

static bool test_not_owner_add(struct test *t, const struct child_report *rep)
{
	return refused("VM_ADD by a forked child holding the VM's fd",
		       rep->r[0], rep->err[0], -EPERM, false) &&
	       listed(t->c1, "vmreg-forked") == 0;
}

static bool test_not_owner_del(struct test *t, const struct child_report *rep)
{
	return refused("VM_DEL of the parent's VM by that child", rep->r[1],
		       rep->err[1], -EPERM, false) &&
	       listed(t->c1, NAME_A) == 1;
}

/* --- files that are no VM ----------------------------------------------- */

static bool add_fd(struct test *t, const char *what, int fd)
{
	char names[1][LIVEMIG_REGION_NAME_MAX];
	struct lm_region reg;
	struct lm_vm_req req = {
		.fd = fd, .name = "vmreg-nofile", .regions = &reg,
		.nr_regions = 1,
	};
	int r;

	lm_vm_regions(t->b, &reg, 1, names);
	r = __lm_vm_add_req(t->c1, &req);
	return refused(what, r, t->c1->err, -EBADF, false);
}

static bool test_not_a_vm(struct test *t)
{
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	bool ok;

	TEST_ASSERT(null_fd >= 0, "/dev/null: %s", strerror(errno));
	ok = add_fd(t, "/dev/null as the VM", null_fd);
	close(null_fd);
	ok &= add_fd(t, "a closed file descriptor as the VM", null_fd);
	ok &= add_fd(t, "/dev/kvm (KVM, but no VM) as the VM", t->b->kvm_fd);
	ok &= add_fd(t, "a vCPU as the VM", t->b->vcpus[0]->fd);
	return ok && listed(t->c1, "vmreg-nofile") == 0;
}

static bool test_no_ring(struct test *t)
{
	int r = __lm_vm_add(t->c1, t->c, "vmreg-noring", NULL, 0);

	return refused("a VM without a dirty ring", r, t->c1->err, -EINVAL,
		       true) && listed(t->c1, "vmreg-noring") == 0;
}

/*
 * Malformed requests for VM "b" (8 MiB in slot 0 at gpa 0), each refused
 * with EINVAL and a sentence.
 */
enum bad_kind {
	BAD_HVA,		/* the region is not where the memslot maps it */
	BAD_SIZE,		/* not a multiple of the page size */
	BAD_GPA,		/* not page aligned */
	BAD_OVERLAP,		/* two regions share pages */
	BAD_OUTSIDE,		/* beyond the VM's memslots */
	BAD_DUP_ID,		/* two regions with one id */
	BAD_ZERO_SIZE,		/* a region of 0 bytes */
	BAD_NO_REGIONS,		/* an empty regions nest */
	BAD_NO_NEST,		/* no regions attribute at all */
	BAD_NAME,		/* a VM name with a space */
	BAD_NO_FD,		/* no VM fd */
};

static const struct {
	enum bad_kind kind;
	const char *desc;
} bad_cases[] = {
	{ BAD_HVA, "a region whose host address does not match the memslot is refused (EINVAL)" },
	{ BAD_SIZE, "a region size that is no multiple of the page size is refused (EINVAL)" },
	{ BAD_GPA, "a region at an unaligned guest address is refused (EINVAL)" },
	{ BAD_OVERLAP, "overlapping regions are refused (EINVAL)" },
	{ BAD_OUTSIDE, "a region beyond the VM's memslots is refused (EINVAL)" },
	{ BAD_DUP_ID, "two regions with the same id are refused (EINVAL)" },
	{ BAD_ZERO_SIZE, "a region of zero bytes is refused (EINVAL)" },
	{ BAD_NO_REGIONS, "zero regions (an empty nest) are refused (EINVAL)" },
	{ BAD_NO_NEST, "a request without regions is refused (EINVAL)" },
	{ BAD_NAME, "a VM name with a space is refused (EINVAL)" },
	{ BAD_NO_FD, "a request without a VM fd is refused (EINVAL)" },
};

static bool test_bad_request(struct test *t, enum bad_kind kind)
{
	const struct vm_region *slot = &t->b->regions[0];
	uint64_t hva = (uintptr_t)slot->hva;
	struct lm_region regs[2] = {
		{ .id = 0, .name = "ram0", .gpa = 0, .size = 4 * MIB, .hva = hva },
		{ .id = 1, .name = "ram1", .gpa = 4 * MIB, .size = 4 * MIB,
		  .hva = hva + 4 * MIB },
	};
	struct lm_vm_req req = {
		.fd = t->b->fd, .name = "vmreg-bad", .regions = regs,
		.nr_regions = 2,
	};
	int r;

	switch (kind) {
	case BAD_HVA:
		regs[0].hva = hva + 4 * MIB;	/* mapped, but not gpa 0's */
		req.nr_regions = 1;
		break;
	case BAD_SIZE:
		regs[0].size = 4 * MIB + 512;
		req.nr_regions = 1;
		break;
	case BAD_GPA:
		regs[1].gpa += 512;
		regs[1].hva += 512;
		regs[1].size -= t->b->page_size;
		break;
	case BAD_OVERLAP:
		regs[1].gpa = 2 * MIB;
		regs[1].hva = hva + 2 * MIB;
		regs[1].size = 4 * MIB;
		break;
	case BAD_OUTSIDE:
		regs[1].size = 8 * MIB;		/* 4..12 MiB: slot 0 ends at 8 */
		break;
	case BAD_DUP_ID:
		regs[1].id = 0;
		break;
	case BAD_ZERO_SIZE:
		regs[1].size = 0;
		break;
	case BAD_NO_REGIONS:
		req.nr_regions = 0;
		break;
	case BAD_NO_NEST:
		req.no_regions = true;
		break;
	case BAD_NAME:
		req.name = "vmreg bad";
		break;
	case BAD_NO_FD:
		req.fd = -1;
		break;
	}
	r = __lm_vm_add_req(t->c1, &req);
	return refused("VM_ADD", r, t->c1->err, -EINVAL, true) &&
	       listed(t->c1, req.name) == 0;
}

/* After all those refusals, the very same VM registers: nothing was left. */
static bool test_recovers(struct test *t)
{
	int r = __lm_vm_add(t->c1, t->b, NAME_B, NULL, 0);
	static struct lm_vm_info vms[LIST_MAX];
	const struct lm_vm_info *v;
	unsigned int nr;

	if (r) {
		ktap_diag("VM_ADD %s: %s: \"%s\"", NAME_B, err_name(r), t->c1->err);
		return false;
	}
	if (!list_vms(t->c1, vms, &nr))
		return false;
	v = lm_vm_find(vms, nr, NAME_B);
	if (!v) {
		ktap_diag("%s is not listed", NAME_B);
		return false;
	}
	return vm_info_matches(v, t->pid, RAM_B);
}

/* --- unregistration ------------------------------------------------------ */

static bool test_del(struct test *t)
{
	int r = __lm_vm_del(t->c1, NAME_B);

	if (r) {
		ktap_diag("VM_DEL %s: %s: \"%s\"", NAME_B, err_name(r), t->c1->err);
		return false;
	}
	if (listed(t->c1, NAME_B) != 0) {
		ktap_diag("%s is still listed after VM_DEL", NAME_B);
		return false;
	}
	/* Unregistered for real: it can register again, then go again. */
	r = __lm_vm_add(t->c1, t->b, NAME_B, NULL, 0);
	if (r) {
		ktap_diag("VM_ADD %s after VM_DEL: %s: \"%s\"", NAME_B,
			  err_name(r), t->c1->err);
		return false;
	}
	r = __lm_vm_del(t->c1, NAME_B);
	if (r)
		ktap_diag("second VM_DEL %s: %s: \"%s\"", NAME_B, err_name(r),
			  t->c1->err);
	return !r && listed(t->c1, NAME_B) == 0;
}

static bool test_del_unknown(struct test *t)
{
	int r = __lm_vm_del(t->c1, NAME_B);

	return refused("VM_DEL of a name not registered", r, t->c1->err,
		       -ENOENT, false);
}

static bool test_close_unregisters(struct test *t)
{
	struct vm *d = plain_vm(VM_RING_DEFAULT, RAM_B);
	struct lm_client *c3 = lm_client_open();
	bool ok = false;
	int r;

	r = __lm_vm_add(c3, d, NAME_D, NULL, 0);
	if (r) {
		ktap_diag("VM_ADD %s: %s: \"%s\"", NAME_D, err_name(r), c3->err);
		lm_client_close(c3);
		goto out;
	}
	if (listed(t->c1, NAME_D) != 1) {
		ktap_diag("%s is not listed after VM_ADD", NAME_D);
		lm_client_close(c3);
		goto out;
	}
	lm_client_close(c3);
	if (!wait_unlisted(t->c1, NAME_D))
		goto out;
	/* The VM itself is free again, not just hidden from the list. */
	r = __lm_vm_add(t->c1, d, NAME_D, NULL, 0);
	if (r) {
		ktap_diag("VM_ADD %s again after the close: %s: \"%s\"", NAME_D,
			  err_name(r), t->c1->err);
		goto out;
	}
	r = __lm_vm_del(t->c1, NAME_D);
	ok = !r;
out:
	vm_destroy(d);
	return ok;
}

/* --- many VMs, many regions, and two hosts at once ------------------------ */

#define MANY_VMS	16
#define MANY_REGIONS	LIVEMIG_VM_REGIONS_MAX
#define MANY_RAM	(2ull << 20)
#define STRESS_MS	8000
/* Long region names make 17 VMs overflow one 32 KiB dump message. */
#define REGION_NAME_FMT	"guest-ram-of-the-test-part-%02u"

/* Registers VM @i of the many: 32 regions of 64 KiB, named "vmreg-mNN". */
static int add_many(struct lm_client *client, struct vm *vm, unsigned int i)
{
	char names[MANY_REGIONS][LIVEMIG_REGION_NAME_MAX];
	struct lm_region regs[MANY_REGIONS];
	uint64_t part = MANY_RAM / MANY_REGIONS;
	char name[LIVEMIG_VM_NAME_MAX];
	struct lm_vm_req req = {
		.fd = vm->fd, .name = name, .regions = regs,
		.nr_regions = MANY_REGIONS,
	};
	unsigned int r;

	snprintf(name, sizeof(name), "vmreg-m%02u", i);
	for (r = 0; r < MANY_REGIONS; r++) {
		/* Ids and names in reverse: nothing may assume id == index. */
		snprintf(names[r], sizeof(names[r]), REGION_NAME_FMT,
			 MANY_REGIONS - 1 - r);
		regs[r] = (struct lm_region){
			.id = 1000 + MANY_REGIONS - 1 - r, .name = names[r],
			.gpa = r * part, .size = part,
			.hva = (uintptr_t)vm->regions[0].hva + r * part,
		};
	}
	return __lm_vm_add_req(client, &req);
}

static bool test_big_dump(struct test *t, struct vm **many)
{
	static struct lm_vm_info vms[LIST_MAX];
	char name[LIVEMIG_VM_NAME_MAX];
	unsigned int i, nr, seen = 0;
	bool ok = true;
	int r;

	for (i = 0; i < MANY_VMS; i++) {
		r = add_many(t->c1, many[i], i);
		if (r) {
			ktap_diag("VM_ADD vmreg-m%02u (%u regions): %s: \"%s\"", i,
				  MANY_REGIONS, err_name(r), t->c1->err);
			return false;
		}
	}
	if (!list_vms(t->c1, vms, &nr))
		return false;
	for (i = 0; i < nr; i++) {
		const struct lm_vm_info *v = &vms[i];
		unsigned int k;

		if (strncmp(v->name, "vmreg-m", 7))
			continue;
		seen++;
		if (v->memory != MANY_RAM || v->nr_regions != MANY_REGIONS ||
		    !v->has_pid || v->pid != (uint32_t)t->pid) {
			print_vm(v);
			ok = false;
			continue;
		}
		for (k = 0; k < MANY_REGIONS; k++) {
			const struct lm_region *reg = &v->regions[k];

			snprintf(name, sizeof(name), REGION_NAME_FMT,
				 MANY_REGIONS - 1 - k);
			if (reg->id != 1000 + MANY_REGIONS - 1 - k ||
			    reg->gpa != k * (MANY_RAM / MANY_REGIONS) ||
			    strcmp(v->region_names[k], name)) {
				ktap_diag("%s region %u: id %" PRIu32 " \"%s\" gpa %#" PRIx64,
					  v->name, k, reg->id, v->region_names[k],
					  reg->gpa);
				ok = false;
				break;
			}
		}
	}
	for (i = 0; i < MANY_VMS; i++) {
		snprintf(name, sizeof(name), "vmreg-m%02u", i);
		if (!lm_vm_find(vms, nr, name)) {
			ktap_diag("%s missing from the dump", name);
			ok = false;
		}
	}
	ktap_diag("the dump listed %u VMs, %u of them with %u regions",
		  nr, seen, MANY_REGIONS);
	if (seen != MANY_VMS)
		ok = false;
	if (t->lmctl && !lmctl_counts("lmctl -j vm list 2>&1",
				      "\"regions\":32}", MANY_VMS))
		ok = false;
	return ok;
}

/**
 * struct churn - a thread registering and unregistering a VM on the
 *	second host as fast as it can
 * @client:	its socket (in the second namespace), used by it alone
 * @vm:		the VM
 * @stop:	set to end it
 * @rounds:	VM_ADD + VM_DEL pairs done
 * @errors:	requests that failed
 * @first:	the first failure
 */
struct churn {
	struct lm_client *client;
	struct vm *vm;
	atomic_bool stop;
	unsigned long rounds;
	unsigned long errors;
	char first[LM_CLIENT_ERR_LEN + 64];
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;

	while (!atomic_load(&c->stop)) {
		int r = __lm_vm_add(c->client, c->vm, "vmreg-churn", NULL, 0);

		if (!r)
			r = __lm_vm_del(c->client, "vmreg-churn");
		if (r && !c->errors++)
			snprintf(c->first, sizeof(c->first), "%s: \"%s\"",
				 err_name(r), c->client->err);
		c->rounds++;
	}
	return NULL;
}

#define LOG_FLOOD_MAX	200	/* kernel log lines a churning VMM may cause */

/* Puts @mark in the kernel log; false if /dev/kmsg cannot be written. */
static bool kmsg_mark(const char *mark)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, mark, strlen(mark)) == (ssize_t)strlen(mark);
	close(fd);
	return ok;
}

/*
 * Lines containing @what in the kernel log after @mark; -1 when the mark
 * itself is gone (the log wrapped) or dmesg cannot run.
 */
static long kmsg_count_after(const char *mark, const char *what)
{
	char line[1024];
	bool seen = false;
	long n = 0;
	FILE *f;

	fflush(stdout);
	f = popen("dmesg 2>/dev/null", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, mark))
			seen = true;
		else if (seen && strstr(line, what))
			n++;
	}
	pclose(f);
	return seen ? n : -1;
}

/*
 * The registry is global: while another host adds and removes a VM, this
 * host's walks (VM_DEL of an unknown name, VM_GET) must stay right and the
 * kernel must survive.
 */
static bool test_two_hosts_at_once(struct test *t, unsigned long *rounds)
{
	static struct lm_vm_info vms[LIST_MAX];
	struct churn churn = { .client = t->ns2, .vm = t->b };
	unsigned long walks = 0, dumps = 0, wrong = 0;
	uint64_t end = now_ms() + STRESS_MS;
	pthread_t thread;
	unsigned int nr;
	int r;

	if (!t->ns2)
		return false;
	r = pthread_create(&thread, NULL, churn_main, &churn);
	TEST_ASSERT(!r, "pthread_create: %s", strerror(r));
	while (now_ms() < end) {
		r = __lm_vm_del(t->c1, "vmreg-nosuch");
		walks++;
		if (r != -ENOENT && !wrong++)
			ktap_diag("VM_DEL of an unknown name: %s: \"%s\"",
				  err_name(r), t->c1->err);
		if (walks % 16)
			continue;
		r = __lm_vm_list(t->c1, vms, LIST_MAX, &nr);
		dumps++;
		if ((r || nr != MANY_VMS + 1 || lm_vm_find(vms, nr, "vmreg-churn")) &&
		    !wrong++)
			ktap_diag("VM_GET dump: %s, %u VMs (want %u, none of the other host's)",
				  err_name(r), nr, MANY_VMS + 1);
	}
	atomic_store(&churn.stop, true);
	pthread_join(thread, NULL);
	ktap_diag("%lu walks and %lu dumps here while the other host did %lu add/del rounds",
		  walks, dumps, churn.rounds);
	if (churn.errors)
		ktap_diag("the other host: %lu failures, first %s", churn.errors,
			  churn.first);
	*rounds = churn.rounds;
	return !wrong && !churn.errors && churn.rounds > 0;
}

/*
 * VM_ADD and VM_DEL need no privilege: a VMM doing them in a loop (the
 * churn above) must not be able to flush the kernel log.
 */
static bool test_log_not_flooded(const char *mark, unsigned long rounds)
{
	long n = kmsg_count_after(mark, "vmreg-churn");

	if (n < 0) {
		ktap_diag("the kernel log no longer holds the mark written before %lu register/unregister rounds: they pushed everything out",
			  rounds);
		return false;
	}
	ktap_diag("%ld kernel log lines about vmreg-churn for %lu rounds", n,
		  rounds);
	return n <= LOG_FLOOD_MAX;
}

/*
 * A dump that spans several messages while VMs it already reported are
 * unregistered: every VM registered all along must still be reported,
 * unless the kernel flags the dump as interrupted (NLM_F_DUMP_INTR).
 *
 * The kernel fills the first message when the request arrives and the
 * next one as soon as the first is read, so the VMs go between the
 * request and the first read: VM_DEL of the first VMs registered, which
 * the first message holds (checked).
 */
static bool test_dump_during_del(struct test *t, bool *testable)
{
	static struct lm_vm_info vms[LIST_MAX];
	char gone[4][LIVEMIG_VM_NAME_MAX];
	unsigned int i, nr = 0, first, missing = 0;
	struct lm_client *c2 = lm_client_open();
	char name[LIVEMIG_VM_NAME_MAX];
	bool done = false, ok = true;
	int r;

	*testable = true;
	r = __lm_vm_dump_start(t->c1);
	if (r) {
		ktap_diag("VM_GET dump: %s: \"%s\"", err_name(r), t->c1->err);
		lm_client_close(c2);
		return false;
	}
	for (i = 0; i < 4; i++) {
		snprintf(gone[i], sizeof(gone[i]), "vmreg-m%02u", i);
		r = __lm_vm_del(c2, gone[i]);
		if (r) {
			ktap_diag("VM_DEL %s: %s: \"%s\"", gone[i], err_name(r),
				  c2->err);
			ok = false;
		}
	}
	r = __lm_vm_dump_next(t->c1, vms, LIST_MAX, &nr, &done);
	first = nr;
	while (!done && !r)
		r = __lm_vm_dump_next(t->c1, vms, LIST_MAX, &nr, &done);
	if (r) {
		ktap_diag("the dump: %s: \"%s\"", err_name(r), t->c1->err);
		ok = false;
		goto out;
	}
	for (i = 0; i < 4; i++) {
		if (!lm_vm_find(vms, first, gone[i])) {
			ktap_diag("%s was not in the first message (%u VMs): nothing to test",
				  gone[i], first);
			*testable = false;
			ok = false;
			goto out;
		}
	}
	/* It was filled before the VM_DELs, when MANY_VMS + 1 were there. */
	if (first >= MANY_VMS + 1) {
		ktap_diag("the first message held the whole dump (%u VMs)", first);
		*testable = false;
		ok = false;
		goto out;
	}
	ktap_diag("the dump reported %u VMs in its first message, %u in all; 4 of the first unregistered in between%s",
		  first, nr,
		  t->c1->dump_intr ? "; the kernel flagged it NLM_F_DUMP_INTR" : "");
	for (i = 4; i < MANY_VMS; i++) {
		snprintf(name, sizeof(name), "vmreg-m%02u", i);
		if (!lm_vm_find(vms, nr, name) && !missing++)
			ktap_diag("registered all along but not in the dump: %s ...",
				  name);
	}
	if (!lm_vm_find(vms, nr, NAME_A) && !missing++)
		ktap_diag("registered all along but not in the dump: %s", NAME_A);
	if (missing && !t->c1->dump_intr) {
		ktap_diag("%u VMs silently missing: the dump resumes by position and does not flag NLM_F_DUMP_INTR",
			  missing);
		ok = false;
	}
out:
	lm_client_close(c2);
	return ok;
}

static void del_many(struct test *t)
{
	char name[LIVEMIG_VM_NAME_MAX];
	unsigned int i;

	for (i = 0; i < MANY_VMS; i++) {
		snprintf(name, sizeof(name), "vmreg-m%02u", i);
		__lm_vm_del(t->c1, name);
	}
}

/* --- a VMM killed with SIGKILL -------------------------------------------- */

static void child_vmm(struct test *t, struct child_report *rep, int rep_fd,
		      int go_fd)
{
	struct guest_config cfg = {
		.image = t->image, .cmdline = "passes=0", .ram_size = RAM_B,
		.ring_entries = VM_RING_DEFAULT,
	};
	struct lm_client *client;
	struct guest_event ev;
	struct vcpu *vcpu;
	struct vm *vm;

	(void)go_fd;
	rep->r[0] = __vm_create_guest(&vm, &vcpu, &cfg, rep->err[0],
				      sizeof(rep->err[0]));
	if (!rep->r[0])
		rep->r[0] = __lm_client_open(&client);
	if (rep->r[0]) {
		child_send(rep_fd, rep);
		return;
	}
	rep->vm_fd = vm->fd;
	rep->r[1] = __lm_vm_add(client, vm, NAME_KILLED, NULL, 0);
	snprintf(rep->err[1], sizeof(rep->err[1]), "%s", client->err);
	child_send(rep_fd, rep);
	if (rep->r[1])
		return;
	/* Run the guest until killed. */
	for (;;) {
		int r = __vcpu_run_guest(vcpu, &ev, 1000);

		if (r && r != -ETIMEDOUT)
			pause();
	}
}

static bool debugfs_vm_exists(const char *dir)
{
	struct stat st;

	return !stat(dir, &st) && S_ISDIR(st.st_mode);
}

static bool test_killed(struct test *t, bool *destroyed, bool *can_check)
{
	static struct lm_vm_info vms[LIST_MAX];
	const struct lm_vm_info *v;
	struct child_report rep;
	char dir[PATH_MAX];
	int rep_fd, go_fd;
	uint64_t start;
	unsigned int nr;
	bool ok = false;
	pid_t pid;

	*destroyed = false;
	*can_check = debugfs_vm_exists("/sys/kernel/debug/kvm");
	pid = child_start(t, child_vmm, &rep_fd, &go_fd);
	if (!child_read(rep_fd, &rep))
		goto kill;
	if (rep.r[0] || rep.r[1]) {
		ktap_diag("child VMM: %s / VM_ADD: %s: \"%s\"",
			  err_name(rep.r[0]), err_name(rep.r[1]),
			  rep.r[0] ? rep.err[0] : rep.err[1]);
		goto kill;
	}
	snprintf(dir, sizeof(dir), "/sys/kernel/debug/kvm/%d-%d", (int)pid,
		 rep.vm_fd);
	if (!list_vms(t->c1, vms, &nr))
		goto kill;
	v = lm_vm_find(vms, nr, NAME_KILLED);
	if (!v || !vm_info_matches(v, pid, RAM_B)) {
		ktap_diag("%s is not listed as the child's (pid %d)",
			  NAME_KILLED, (int)pid);
		goto kill;
	}
	if (*can_check && !debugfs_vm_exists(dir)) {
		ktap_diag("%s does not exist while the VM runs", dir);
		*can_check = false;
	}
	ok = true;
kill:
	kill(pid, SIGKILL);
	close(go_fd);
	close(rep_fd);
	child_reap(pid);
	if (!ok)
		return false;
	ok = wait_unlisted(t->c1, NAME_KILLED);
	if (!*can_check)
		return ok;
	start = now_ms();
	while (debugfs_vm_exists(dir) && now_ms() - start < GONE_TIMEOUT_MS)
		sleep_ms(50);
	*destroyed = !debugfs_vm_exists(dir);
	ktap_diag("%s %s after %" PRIu64 " ms", dir,
		  *destroyed ? "gone" : "still there", now_ms() - start);
	return ok;
}

/* --- a VMM that is not root ------------------------------------------------ */

static void child_nobody(struct test *t, struct child_report *rep, int rep_fd,
			 int go_fd)
{
	static struct lm_vm_info vms[LIST_MAX];
	struct lm_client *client;
	unsigned int nr;
	struct vm *vm;

	(void)t;
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)) {
		rep->r[0] = -errno;
		snprintf(rep->err[0], sizeof(rep->err[0]), "dropping root");
		goto send;
	}
	rep->r[0] = __vm_create(&vm, VM_RING_DEFAULT);
	if (!rep->r[0])
		rep->r[0] = __vm_add_region(vm, 0, 0, RAM_B, 0);
	if (!rep->r[0])
		rep->r[0] = __lm_client_open(&client);
	if (rep->r[0]) {
		snprintf(rep->err[0], sizeof(rep->err[0]),
			 "creating a VM or a client as uid %d", NOBODY);
		goto send;
	}
	rep->r[1] = __lm_vm_add(client, vm, NAME_USER, NULL, 0);
	snprintf(rep->err[1], sizeof(rep->err[1]), "%s", client->err);
	rep->r[2] = __lm_vm_list(client, vms, LIST_MAX, &nr);
	snprintf(rep->err[2], sizeof(rep->err[2]), "%s", client->err);
	child_send(rep_fd, rep);
	/* Stay registered while the parent looks, then unregister. */
	child_wait_go(go_fd);
	rep->r[3] = __lm_vm_del(client, NAME_USER);
	snprintf(rep->err[3], sizeof(rep->err[3]), "%s", client->err);
send:
	child_send(rep_fd, rep);
}

static bool test_nobody(struct test *t, bool *list_refused)
{
	static struct lm_vm_info vms[LIST_MAX];
	const struct lm_vm_info *v;
	struct child_report rep, done;
	struct stat st;
	int rep_fd, go_fd;
	unsigned int nr;
	bool ok = false;
	pid_t pid;

	*list_refused = false;
	TEST_ASSERT(!stat("/dev/kvm", &st), "/dev/kvm: %s", strerror(errno));
	TEST_ASSERT(!chmod("/dev/kvm", 0666), "chmod /dev/kvm: %s",
		    strerror(errno));
	pid = child_start(t, child_nobody, &rep_fd, &go_fd);
	if (!child_read(rep_fd, &rep))
		goto out;
	if (rep.r[0]) {
		ktap_diag("%s: %s", rep.err[0], err_name(rep.r[0]));
		goto out;
	}
	ktap_diag("VM_ADD as uid %d: %s: \"%s\"", NOBODY, err_name(rep.r[1]),
		  rep.err[1]);
	*list_refused = refused("VM_GET dump as uid 65534", rep.r[2],
				rep.err[2], -EPERM, false);
	if (rep.r[1])
		goto out;
	if (!list_vms(t->c1, vms, &nr))
		goto out;
	v = lm_vm_find(vms, nr, NAME_USER);
	if (!v || !vm_info_matches(v, pid, RAM_B)) {
		ktap_diag("%s is not listed as the child's (pid %d)", NAME_USER,
			  (int)pid);
		goto out;
	}
	close(go_fd);
	go_fd = -1;
	if (!child_read(rep_fd, &done))
		goto out;
	if (done.r[3]) {
		ktap_diag("VM_DEL as uid %d: %s: \"%s\"", NOBODY,
			  err_name(done.r[3]), done.err[3]);
		goto out;
	}
	ok = listed(t->c1, NAME_USER) == 0;
out:
	if (go_fd >= 0)
		close(go_fd);
	close(rep_fd);
	child_reap(pid);
	TEST_ASSERT(!chmod("/dev/kvm", st.st_mode & 07777),
		    "restoring the mode of /dev/kvm: %s", strerror(errno));
	return ok;
}

/* --- rmmod ------------------------------------------------------------------ */

static int shell(const char *fmt, const char *arg)
{
	char cmd[PATH_MAX + 64];
	int st;

	snprintf(cmd, sizeof(cmd), fmt, arg);
	fflush(stdout);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Unloading the module with a VM registered unregisters it and drops every
 * reference: once this process closes the VM, KVM destroys it.
 */
static bool test_rmmod(struct test *t, const char *ko)
{
	struct vm *e = plain_vm(VM_RING_DEFAULT, RAM_B);
	struct lm_client *client = lm_client_open(), *again;
	char dir[PATH_MAX];
	uint64_t start;
	bool ok = false;
	int r;

	snprintf(dir, sizeof(dir), "/sys/kernel/debug/kvm/%d-%d", (int)t->pid,
		 e->fd);
	r = __lm_vm_add(client, e, "vmreg-rmmod", NULL, 0);
	if (r) {
		ktap_diag("VM_ADD vmreg-rmmod: %s: \"%s\"", err_name(r), client->err);
		goto out;
	}
	r = shell("out=$(rmmod livemig 2>&1); rc=$?; "
		  "[ -z \"$out\" ] || echo \"$out\" | sed 's/^/# /'; exit $rc%s", "");
	if (r) {
		ktap_diag("rmmod livemig with a VM registered: exit %d", r);
		goto out;
	}
	vm_destroy(e);
	e = NULL;
	start = now_ms();
	while (debugfs_vm_exists(dir) && now_ms() - start < GONE_TIMEOUT_MS)
		sleep_ms(50);
	ok = !debugfs_vm_exists(dir);
	ktap_diag("after rmmod and close, %s is %s", dir,
		  ok ? "gone" : "still there: the module kept a reference");
out:
	vm_destroy(e);
	lm_client_close(client);
	if (shell("grep -q '^livemig ' /proc/modules || insmod %s", ko)) {
		ktap_diag("insmod %s failed", ko);
		return false;
	}
	r = __lm_client_open(&again);
	if (r) {
		ktap_diag("the family after insmod: %s", err_name(r));
		return false;
	}
	lm_client_close(again);
	return ok;
}

/* --- the end --------------------------------------------------------------- */

static bool test_nothing_left(struct test *t)
{
	static struct lm_vm_info vms[LIST_MAX];
	struct lm_client *check;
	unsigned int i, nr;
	bool ok = true;

	lm_client_close(t->c1);
	t->c1 = NULL;
	check = lm_client_open();
	/* The close is synchronous or nearly: allow the same bound. */
	ok = wait_unlisted(check, NAME_A);
	if (list_vms(check, vms, &nr)) {
		for (i = 0; i < nr; i++) {
			if (!strncmp(vms[i].name, "vmreg-", 6)) {
				print_vm(&vms[i]);
				ok = false;
			}
		}
	} else {
		ok = false;
	}
	lm_client_close(check);
	return ok;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-v] [-g GUEST_IMAGE]\n"
		"  -v  echo the guest's console\n"
		"  -g  guest image (default: livemig-guest.elf next to this program)\n",
		prog);
	exit(KSFT_FAIL);
}

static void parse_args(struct test *t, int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "vg:h")) != -1) {
		switch (opt) {
		case 'v':
			t->verbose = true;
			break;
		case 'g':
			snprintf(t->image, sizeof(t->image), "%s", optarg);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (t->image[0])
		return;
	guest_image_default(t->image, sizeof(t->image));
}

#define RESULT(t, ok, desc)	ktap_result(&(t)->ktap, (ok), "%s", (desc))

int main(int argc, char **argv)
{
	static struct test t;
	struct vm *many[MANY_VMS];
	unsigned long rounds = 0;
	struct child_report rep;
	bool marked;
	char mark[96];
	bool ok, ok2, lmctl, child_ok;
	unsigned int i;
	int r;

	parse_args(&t, argc, argv);
	ktap_skip_unless_guest_runs(t.image);
	if (geteuid())
		ktap_exit_skip("needs root (other users, namespaces, /dev/kvm's mode)");
	r = __lm_client_open(&t.c1);
	if (r == -ENOENT)
		ktap_exit_skip("no generic netlink family \"%s\" (livemig.ko not loaded)",
			       LIVEMIG_GENL_NAME);
	TEST_ASSERT(!r, "opening a client: %s", strerror(-r));
	t.pid = getpid();

	ktap_start(&t.ktap, 27 + sizeof(bad_cases) / sizeof(bad_cases[0]));
	lmctl = have_lmctl();
	t.lmctl = lmctl;
	t.b = plain_vm(VM_RING_DEFAULT, RAM_B);
	t.c = plain_vm(0, RAM_B);
	t.ns2 = client_in_new_netns();

	RESULT(&t, test_register_running(&t),
	       "a VM with a dirty ring and a running guest registers");
	if (t.a_registered) {
		RESULT(&t, test_listed(&t),
		       "VM_GET lists it with its name, pid, memory and regions");
		if (lmctl) {
			RESULT(&t, test_lmctl_list(&t),
			       "lmctl vm list shows it (-j and human form)");
			RESULT(&t, test_lmctl_show(&t),
			       "lmctl show lists it under VMs (-j and human form)");
		} else {
			ktap_skip(&t.ktap, "lmctl vm list shows it", "no lmctl on PATH");
			ktap_skip(&t.ktap, "lmctl show lists it", "no lmctl on PATH");
		}
		RESULT(&t, test_same_vm_again(&t),
		       "registering the same VM again is refused (EEXIST)");
		RESULT(&t, test_other_netns(&t),
		       "registering it from another network namespace is refused (EEXIST)");
		RESULT(&t, test_same_name(&t),
		       "another VM under a registered name is refused (EEXIST)");
		RESULT(&t, test_same_name_other_host(&t),
		       "the same name in another network namespace (host) is accepted");
		child_ok = run_not_owner(&t, &rep);
		RESULT(&t, child_ok && test_not_owner_add(&t, &rep),
		       "a forked child holding the VM fd cannot register it (EPERM)");
		RESULT(&t, child_ok && test_not_owner_del(&t, &rep),
		       "a forked child cannot unregister its parent's VM (EPERM)");
	} else {
		static const char *const names[] = {
			"VM_GET lists it", "lmctl vm list shows it",
			"lmctl show lists it", "same VM again: EEXIST",
			"same VM from another namespace: EEXIST",
			"same name: EEXIST", "same name on another host",
			"forked child: EPERM", "forked child VM_DEL: EPERM",
		};

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			ktap_skip(&t.ktap, names[i], "the first VM did not register");
	}
	RESULT(&t, test_not_a_vm(&t),
	       "files that are no VM (/dev/null, a closed fd, /dev/kvm, a vCPU) are refused (EBADF)");
	RESULT(&t, test_no_ring(&t),
	       "a VM without a dirty ring is refused (EINVAL) with a sentence");
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		RESULT(&t, test_bad_request(&t, bad_cases[i].kind),
		       bad_cases[i].desc);
	RESULT(&t, test_recovers(&t),
	       "after those refusals the same VM registers (nothing left behind)");
	RESULT(&t, test_del(&t),
	       "VM_DEL unregisters it; it leaves the list and can register again");
	RESULT(&t, test_del_unknown(&t),
	       "VM_DEL of a name not registered is refused (ENOENT)");
	RESULT(&t, test_close_unregisters(&t),
	       "closing the netlink socket unregisters its VM");
	snprintf(mark, sizeof(mark), "vm_register_test: churn %d %llu",
		 (int)t.pid, (unsigned long long)now_ms());
	marked = kmsg_mark(mark);
	for (i = 0; i < MANY_VMS; i++) {
		many[i] = vm_create(VM_RING_DEFAULT);
		vm_add_region(many[i], 0, 0, MANY_RAM, 0);
	}
	ok = test_big_dump(&t, many);
	RESULT(&t, ok,
	       "a dump larger than one message lists each of 16 VMs of 32 regions once");
	if (ok) {
		RESULT(&t, test_two_hosts_at_once(&t, &rounds),
		       "another host registering and unregistering meanwhile: walks and dumps stay right");
	} else {
		ktap_skip(&t.ktap, "another host registering meanwhile",
			  "the 16 VMs did not register");
	}
	if (!ok || !rounds)
		ktap_skip(&t.ktap, "a VMM registering in a loop",
			  "there was no such loop");
	else if (!marked)
		ktap_skip(&t.ktap, "a VMM registering in a loop",
			  "cannot write /dev/kmsg");
	else
		RESULT(&t, test_log_not_flooded(mark, rounds),
		       "a VMM registering in a loop does not flood the kernel log");
	ok2 = false;
	if (ok)
		ok = test_dump_during_del(&t, &ok2);
	if (ok || ok2)
		RESULT(&t, ok,
		       "a dump interrupted by VM_DEL reports every remaining VM, or flags NLM_F_DUMP_INTR");
	else
		ktap_skip(&t.ktap, "a dump interrupted by VM_DEL",
			  "no dump of several messages to interrupt");
	del_many(&t);
	for (i = 0; i < MANY_VMS; i++)
		vm_destroy(many[i]);
	ok = test_killed(&t, &ok2, &child_ok);
	RESULT(&t, ok, "a VMM killed with SIGKILL is unregistered");
	if (!ok)
		ktap_skip(&t.ktap, "its VM is destroyed", "it was not unregistered");
	else if (!child_ok)
		ktap_skip(&t.ktap, "its VM is destroyed",
			  "no KVM directory in debugfs");
	else
		RESULT(&t, ok2,
		       "its VM is destroyed: KVM's debugfs directory goes (no reference left)");
	ok = test_nobody(&t, &ok2);
	RESULT(&t, ok, "a VMM that is not root registers (and unregisters) its own VM");
	RESULT(&t, ok2, "a caller that is not root cannot list VMs (EPERM)");

	/* Still running and unharmed after all of it? */
	ok = t.a_registered &&
	     runner_wait_pass(&t.run, atomic_load(&t.run.passes)) &&
	     !atomic_load(&t.run.mismatches);
	RESULT(&t, ok, "the registered guest kept running through all of it");
	RESULT(&t, test_nothing_left(&t),
	       "closing the VMM's socket leaves none of this test's VMs registered");
	if (getenv("LM_TOP")) {
		char ko[PATH_MAX];

		snprintf(ko, sizeof(ko), "%s/livemig.ko", getenv("LM_TOP"));
		RESULT(&t, test_rmmod(&t, ko),
		       "rmmod with a VM registered drops the module's references");
	} else {
		ktap_skip(&t.ktap, "rmmod with a VM registered",
			  "LM_TOP is not set (where is livemig.ko?)");
	}

	if (t.a) {
		atomic_store(&t.run.stop, true);
		if (t.run.vcpu)
			pthread_join(t.run.thread, NULL);
	}
	lm_client_close(t.ns2);
	vm_destroy(t.a);
	vm_destroy(t.b);
	vm_destroy(t.c);
	return ktap_finish(&t.ktap);
}
