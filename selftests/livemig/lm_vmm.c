// SPDX-License-Identifier: GPL-2.0
/*
 * lm_vmm: the livemig test VMM as a command-line program.  It runs the test
 * guest in a VM, registers the VM with livemig, reports once a second and
 * does its part when livemig migrates the VM (vmm_mig.h): as the source,
 * or, started with --incoming for an incoming migration, as the
 * destination.
 *
 *   lm_vmm (this process)                               livemig.ko
 *   ---------------------                               ----------
 *   main thread: options, VM, registration  -- VM_ADD -->  registry
 *                poll(signals, netlink):       (socket kept open: the VM
 *                  requests -> vmm_mig      <-- requests   leaves when it
 *                  status line every second -- acks -->    closes)
 *                  SIGINT/SIGTERM -> clean end
 *   vCPU thread: KVM_RUN, guest reports,
 *                full dirty ring (vmm_run.c)
 *   device thread (--device-writes): writes guest RAM from userspace and
 *                marks the region's dirty bitmap (testdev.c)
 *
 *   guest RAM:  0 .. 2 MiB loader, image, state | pattern | device area
 *
 * Destination (lm_vmm --incoming, as `lmctl agent --exec` starts it): the
 * migration id comes from --mig-id or LIVEMIG_MIG_ID, the VM's name from
 * --name or LIVEMIG_VM_NAME, the source's machine description (vmm_desc.h)
 * from file descriptor --config-fd or LIVEMIG_CONFIG_FD (default 3, read
 * with pread() from offset 0).  It builds the same machine, empty, and
 * attaches it (VM_ADD with the migration id), or refuses the migration
 * (MIG_REFUSE) saying why.  Then LOAD, RUN (--seconds counts from here) or
 * DISCARD.
 *
 * Test aids: --fill random makes every guest page incompressible and
 * checked whole; --zero-pages N has the guest zero N pages from its second
 * pass on; --pause-burst MS lets the guest write unthrottled for MS ms
 * while PAUSE is handled, before it stops; --mem-digest FILE writes a
 * digest of guest RAM at PAUSE (stopped, before the ack) and at LOAD
 * (before the state loads), which a test compares with cmp (memdigest.h);
 * --guard-pages maps each RAM region between two guard pages and says at
 * exit whether they are intact ("guard pages intact", or which one
 * changed: something wrote past a region).
 *
 * Exit status: 0 after --seconds or a signal with a clean guest, after
 * the VM migrated away (COMPLETED) or its incoming migration was abandoned
 * (DISCARD); 1 if the guest or the device found a wrong page (also in the
 * guest's check after a migration), the guest's clock went back, the VM
 * failed, a guard page changed, or it could not be set up (registration
 * or attachment refused: the kernel's sentence is printed; a machine
 * description it cannot build: refused); 2 for bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "lm_client.h"
#include "lm_guest.h"
#include "testdev.h"
#include "vmm.h"
#include "vmm_desc.h"
#include "vmm_mig.h"
#include "vmm_run.h"

#define PROG		"lm_vmm"
#define MEM_MIN_MIB	4
#define MEM_MAX_MIB	3072	/* one region, below a 32-bit PCI hole */
#define CONFIG_FD_DEFAULT 3
#define PAUSE_BURST_MAX_MS 5000	/* well inside livemig's 10 s ack wait */

/**
 * struct options - the command line
 * @name:	--name, the VM's name for livemig
 * @mem_mib:	--mem
 * @rate:	--rate, guest pages per second (0 = as fast as it can)
 * @idle:	--idle
 * @seconds:	--seconds, 0 = until a signal
 * @no_register: --no-register
 * @device_writes: --device-writes, device pages per second (0 = no device)
 * @config_out:	--config-out
 * @ring:	--ring, dirty ring entries per vCPU
 * @dirty_log:	--dirty-log, dirty logging on from the start
 * @verbose:	-v, echo the guest's console
 * @incoming:	--incoming, the destination of migration @mig_id
 * @mig_id:	--mig-id or LIVEMIG_MIG_ID
 * @config_fd:	--config-fd or LIVEMIG_CONFIG_FD
 * @fill:	--fill, LM_FILL_*
 * @zero_pages:	--zero-pages
 * @pause_burst: --pause-burst, ms
 * @lie_after_pause: --lie-after-pause
 * @refuse:	--refuse, the reason given instead of attaching
 * @fail_load:	--fail-load
 * @remap:	--remap: "same" or "nolog", what SIGUSR1 does to the memslots
 * @mem_digest:	--mem-digest
 * @guard_pages: --guard-pages
 */
struct options {
	const char *name;
	uint64_t mem_mib;
	uint64_t rate;
	bool idle;
	uint64_t seconds;
	bool no_register;
	uint64_t device_writes;
	const char *config_out;
	uint64_t ring;
	bool dirty_log;
	bool verbose;
	bool incoming;
	uint32_t mig_id;
	int config_fd;
	uint32_t fill;
	uint64_t zero_pages;
	unsigned int pause_burst;
	bool lie_after_pause;
	const char *refuse;
	bool fail_load;
	const char *remap;
	const char *mem_digest;
	bool guard_pages;
};

/**
 * struct status - what the last status line said, for rates
 * @t_ms:	when, since the start
 * @pages:	pattern pages written by then
 */
struct status {
	uint64_t t_ms;
	uint64_t pages;
};

/**
 * struct told - what was reported already, so each thing is said once
 * @guest:	a wrong page the guest found
 * @dev:	a wrong page the device found
 * @verifies:	the guest's checks after a new epoch
 * @clock:	the guest's clock going back
 * @reqs_lost:	requests the socket dropped
 */
struct told {
	bool guest;
	bool dev;
	uint64_t verifies;
	bool clock;
	uint64_t reqs_lost;
};

/**
 * struct lm_vmm - the program's state (no globals)
 * @opt:	its options
 * @image:	the guest image
 * @cfg:	the machine it runs
 * @desc:	its description
 * @vmm:	the guest
 * @client:	the netlink socket that holds the registration, or NULL
 * @mig:	the migration contract, with the test device (@mig.dev)
 * @config:	the description as text (LIVEMIG_A_VM_CONFIG)
 * @config_len:	its length
 * @sigfd:	SIGINT and SIGTERM
 * @t0:		when the guest started running here (ms)
 * @ticks:	status lines since @t0
 * @ticking:	the guest runs here: status lines and --seconds
 * @t0_pages:	pattern pages the guest had written by @t0 (elsewhere, for
 *		a destination)
 * @since:	what the guest's next check of its pages follows
 * @last:	the last status line
 * @told:	what was reported
 */
struct lm_vmm {
	struct options opt;
	char image[PATH_MAX];
	struct vmm_config cfg;
	struct vmm_desc desc;
	struct vmm *vmm;
	struct lm_client *client;
	struct vmm_mig mig;
	char config[VMM_DESC_MAX];
	size_t config_len;
	int sigfd;
	uint64_t t0;
	uint64_t ticks;
	bool ticking;
	uint64_t t0_pages;
	const char *since;
	struct status last;
	struct told told;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " --name NAME --mem MIB [--rate PAGES_PER_SEC | --idle]\n"
"              [--seconds S] [--no-register] [--device-writes N]\n"
"              [--config-out FILE] [--ring ENTRIES] [--dirty-log]\n"
"              [--fill pattern|random] [--zero-pages N]\n"
"              [--pause-burst MS] [--lie-after-pause] [--remap same|nolog]\n"
"              [--mem-digest FILE] [--guard-pages] [-v]\n"
"       " PROG " --incoming [--mig-id ID] [--name NAME] [--config-fd FD]\n"
"              [--seconds S] [--config-out FILE] [--pause-burst MS]\n"
"              [--mem-digest FILE] [--refuse REASON] [--fail-load]\n"
"              [--guard-pages] [-v]\n"
"\n"
"Runs the livemig test guest in a VM of MIB MiB, registers it with livemig\n"
"as NAME and prints a status line every second, until S seconds have passed\n"
"or SIGINT/SIGTERM.  When livemig moves the VM away, it hands the VM over\n"
"and ends with \"end reason=migrated\".\n"
"\n"
"With --incoming it is the destination of incoming migration ID: it builds\n"
"the source's machine from its description, empty, attaches it to the\n"
"migration and waits for livemig to load and run it (then as above, S\n"
"counted from then on) or to abandon it.\n"
"\n"
"  --name NAME          the VM's name on this host (required; with\n"
"                       --incoming, default $LIVEMIG_VM_NAME)\n"
"  --mem MIB            guest RAM, %d..%d MiB (required)\n"
"  --rate N             the guest writes about N pages per second\n"
"                       (default: as fast as it can)\n"
"  --idle               the guest writes its pattern once, then only\n"
"                       checks it\n"
"  --seconds S          stop after S seconds (default: run until a signal)\n"
"  --no-register        do not register with livemig\n"
"  --device-writes N    a test device writes N pages per second of guest\n"
"                       RAM from userspace (in the top %d pages), marking\n"
"                       them in the VM's dirty bitmap\n"
"  --config-out FILE    also write the machine description to FILE\n"
"  --ring ENTRIES       dirty ring entries per vCPU (default %u)\n"
"  --dirty-log          dirty logging on from the start, as livemig's\n"
"                       PREPARE will turn it on (default off)\n"
"  --fill pattern|random  what fills each guest page besides its number\n"
"                       and generation: left as is (pattern, default) or\n"
"                       pseudo-random data the guest checks whole\n"
"                       (random: incompressible; any wrong byte is found)\n"
"  --zero-pages N       from its second pass on, the guest zeroes N of its\n"
"                       pages (evenly spread) and checks they stay zero\n"
"                       (not with --idle)\n"
"  --pause-burst MS     on livemig's PAUSE, first let the guest write as\n"
"                       fast as it can (--rate lifted) and the device go\n"
"                       on for MS ms (1..%d), then stop them\n"
"  --lie-after-pause    a broken VMM, for tests: acknowledge PAUSE, then\n"
"                       let the vCPU run on (livemig must abort)\n"
"  --mem-digest FILE    write a digest of guest RAM to FILE, one line per\n"
"                       page (\"REGION PAGE XXH64\"): at PAUSE once the VM\n"
"                       stands still, and with --incoming at LOAD, before\n"
"                       the guest runs here; the two files compare with cmp\n"
"  --guard-pages        map each RAM region between two guard pages that\n"
"                       are not guest memory; at exit say whether they are\n"
"                       intact (exit 1 if not: something wrote past the\n"
"                       region)\n"
"  --remap same|nolog   a VMM that changes its memory layout, for tests: on\n"
"                       SIGUSR1 it stops the vCPU, then deletes and re-adds\n"
"                       each memory slot as it was (same) or turns their\n"
"                       dirty logging off (nolog), and lets the vCPU go on\n"
"  --incoming           be the destination of an incoming migration\n"
"  --mig-id ID          its id (default $LIVEMIG_MIG_ID)\n"
"  --config-fd FD       where the source's machine description is\n"
"                       (default $LIVEMIG_CONFIG_FD, else %d)\n"
"  --refuse REASON      a VMM that cannot take this machine, for tests:\n"
"                       refuse the migration with REASON (MIG_REFUSE)\n"
"  --fail-load          a VMM whose load fails, for tests: answer LOAD\n"
"                       with an error\n"
"  -v, --verbose        echo the guest's console\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 clean end (also after migrating away, or an abandoned\n"
"incoming migration), 1 a wrong page, a failed VM or a refused\n"
"registration, attachment or machine description, 2 bad usage.\n",
		MEM_MIN_MIB, MEM_MAX_MIB, TESTDEV_AREA_PAGES, VM_RING_DEFAULT,
		PAUSE_BURST_MAX_MS, CONFIG_FD_DEFAULT);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" PROG " --help'.\n");
	exit(2);
}

static uint64_t parse_num(const char *opt, const char *s, uint64_t min,
			  uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || *s == '-' || errno || v < min || v > max)
		usage_error("%s wants a number from %" PRIu64 " to %" PRIu64
			    ", not '%s'", opt, min, max, s);
	return v;
}

/* --incoming: what the agent passes in the environment, unless given. */
static void incoming_options(struct options *opt, bool mig_id_set,
			     bool fd_set)
{
	const char *env;

	if (!opt->name)
		opt->name = getenv("LIVEMIG_VM_NAME");
	env = getenv("LIVEMIG_MIG_ID");
	if (!mig_id_set && env)
		opt->mig_id = parse_num("LIVEMIG_MIG_ID", env, 1, UINT32_MAX);
	env = getenv("LIVEMIG_CONFIG_FD");
	if (!fd_set)
		opt->config_fd = env ? parse_num("LIVEMIG_CONFIG_FD", env, 0,
						 INT_MAX) : CONFIG_FD_DEFAULT;
	if (!opt->mig_id)
		usage_error("--incoming needs --mig-id or LIVEMIG_MIG_ID");
	if (!opt->name)
		usage_error("--incoming needs --name or LIVEMIG_VM_NAME");
	if (opt->mem_mib || opt->rate || opt->idle || opt->no_register ||
	    opt->device_writes || opt->ring || opt->dirty_log || opt->fill ||
	    opt->zero_pages)
		usage_error("with --incoming, the machine is the source's: --mem, --rate, --idle, --no-register, --device-writes, --ring, --dirty-log, --fill and --zero-pages do not apply");
}

/* What the guest will have: RAM above its 2 MiB, below the device's area. */
static uint64_t pattern_pages(const struct options *opt)
{
	uint64_t reserved = opt->device_writes ? TESTDEV_AREA_PAGES : 0;

	return ((opt->mem_mib << 20) - LM_PATTERN_START) / LM_PAGE_SIZE -
	       reserved;
}

static void check_options(struct options *opt, bool rate_set, bool mig_id_set,
			  bool fd_set)
{
	if (opt->incoming) {
		incoming_options(opt, mig_id_set, fd_set);
		return;
	}
	if (mig_id_set || fd_set || opt->refuse || opt->fail_load)
		usage_error("--mig-id, --config-fd, --refuse and --fail-load go with --incoming");
	if (!opt->name)
		usage_error("--name is required");
	if (!opt->mem_mib)
		usage_error("--mem is required");
	if (rate_set && opt->idle)
		usage_error("--rate and --idle exclude each other");
	if (opt->zero_pages && opt->idle)
		usage_error("--zero-pages and --idle exclude each other (an idle guest writes once)");
	if (opt->zero_pages > pattern_pages(opt))
		usage_error("--zero-pages %" PRIu64 ": the guest has only %" PRIu64 " pages of its own",
			    opt->zero_pages, pattern_pages(opt));
	if (!opt->ring)
		opt->ring = VM_RING_DEFAULT;
}

static void parse_options(int argc, char **argv, struct options *opt)
{
	enum { O_NAME = 256, O_MEM, O_RATE, O_IDLE, O_SECONDS, O_NO_REGISTER,
	       O_DEVICE_WRITES, O_CONFIG_OUT, O_RING, O_DIRTY_LOG, O_INCOMING,
	       O_MIG_ID, O_CONFIG_FD, O_FILL, O_ZERO_PAGES, O_PAUSE_BURST,
	       O_LIE_AFTER_PAUSE, O_REFUSE, O_FAIL_LOAD, O_REMAP,
	       O_MEM_DIGEST, O_GUARD_PAGES };
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, O_NAME },
		{ "mem", required_argument, NULL, O_MEM },
		{ "rate", required_argument, NULL, O_RATE },
		{ "idle", no_argument, NULL, O_IDLE },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "no-register", no_argument, NULL, O_NO_REGISTER },
		{ "device-writes", required_argument, NULL, O_DEVICE_WRITES },
		{ "config-out", required_argument, NULL, O_CONFIG_OUT },
		{ "ring", required_argument, NULL, O_RING },
		{ "dirty-log", no_argument, NULL, O_DIRTY_LOG },
		{ "incoming", no_argument, NULL, O_INCOMING },
		{ "mig-id", required_argument, NULL, O_MIG_ID },
		{ "config-fd", required_argument, NULL, O_CONFIG_FD },
		{ "fill", required_argument, NULL, O_FILL },
		{ "zero-pages", required_argument, NULL, O_ZERO_PAGES },
		{ "pause-burst", required_argument, NULL, O_PAUSE_BURST },
		{ "lie-after-pause", no_argument, NULL, O_LIE_AFTER_PAUSE },
		{ "refuse", required_argument, NULL, O_REFUSE },
		{ "fail-load", no_argument, NULL, O_FAIL_LOAD },
		{ "remap", required_argument, NULL, O_REMAP },
		{ "mem-digest", required_argument, NULL, O_MEM_DIGEST },
		{ "guard-pages", no_argument, NULL, O_GUARD_PAGES },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool rate_set = false, mig_id_set = false, fd_set = false;
	int c;

	*opt = (struct options){ .config_fd = -1 };
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_NAME:
			opt->name = optarg;
			break;
		case O_MEM:
			opt->mem_mib = parse_num("--mem", optarg, MEM_MIN_MIB,
						 MEM_MAX_MIB);
			break;
		case O_RATE:
			opt->rate = parse_num("--rate", optarg, 1, 1000000000);
			rate_set = true;
			break;
		case O_IDLE:
			opt->idle = true;
			break;
		case O_SECONDS:
			opt->seconds = parse_num("--seconds", optarg, 1,
						 UINT32_MAX);
			break;
		case O_NO_REGISTER:
			opt->no_register = true;
			break;
		case O_DEVICE_WRITES:
			opt->device_writes = parse_num("--device-writes", optarg,
						       0, 1000000);
			break;
		case O_CONFIG_OUT:
			opt->config_out = optarg;
			break;
		case O_RING:
			opt->ring = parse_num("--ring", optarg, 16, 65536);
			if (opt->ring & (opt->ring - 1))
				usage_error("--ring wants a power of two");
			break;
		case O_DIRTY_LOG:
			opt->dirty_log = true;
			break;
		case O_INCOMING:
			opt->incoming = true;
			break;
		case O_MIG_ID:
			opt->mig_id = parse_num("--mig-id", optarg, 1,
						UINT32_MAX);
			mig_id_set = true;
			break;
		case O_CONFIG_FD:
			opt->config_fd = parse_num("--config-fd", optarg, 0,
						   INT_MAX);
			fd_set = true;
			break;
		case O_FILL:
			if (!strcmp(optarg, "random"))
				opt->fill = LM_FILL_RANDOM;
			else if (!strcmp(optarg, "pattern"))
				opt->fill = LM_FILL_PATTERN;
			else
				usage_error("--fill wants pattern or random, not '%s'",
					    optarg);
			break;
		case O_ZERO_PAGES:
			opt->zero_pages = parse_num("--zero-pages", optarg, 1,
						    MEM_MAX_MIB * 256ull);
			break;
		case O_PAUSE_BURST:
			opt->pause_burst = parse_num("--pause-burst", optarg, 1,
						     PAUSE_BURST_MAX_MS);
			break;
		case O_LIE_AFTER_PAUSE:
			opt->lie_after_pause = true;
			break;
		case O_REFUSE:
			if (!*optarg)
				usage_error("--refuse wants a reason");
			opt->refuse = optarg;
			break;
		case O_FAIL_LOAD:
			opt->fail_load = true;
			break;
		case O_REMAP:
			if (strcmp(optarg, "same") && strcmp(optarg, "nolog"))
				usage_error("--remap wants same or nolog, not '%s'", optarg);
			opt->remap = optarg;
			break;
		case O_MEM_DIGEST:
			if (!*optarg)
				usage_error("--mem-digest wants a file name");
			opt->mem_digest = optarg;
			break;
		case O_GUARD_PAGES:
			opt->guard_pages = true;
			break;
		case 'v':
			opt->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			exit(2);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	check_options(opt, rate_set, mig_id_set, fd_set);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static uint64_t device_gpa(const struct lm_vmm *v)
{
	return (v->opt.mem_mib << 20) - TESTDEV_AREA_PAGES * LM_PAGE_SIZE;
}

static int write_config(const struct lm_vmm *v)
{
	FILE *f = fopen(v->opt.config_out, "w");
	int r = 0;

	if (!f) {
		r = -errno;
	} else {
		if (fwrite(v->config, 1, v->config_len, f) != v->config_len)
			r = -EIO;
		if (fclose(f) && !r)
			r = -errno;
	}
	if (r)
		fprintf(stderr, PROG ": writing %s: %s\n", v->opt.config_out,
			strerror(-r));
	return r;
}

/* The description's text, and --config-out. */
static int describe(struct lm_vmm *v)
{
	int r = vmm_desc_format(&v->desc, v->config, sizeof(v->config),
				&v->config_len);

	if (r) {
		fprintf(stderr, PROG ": the machine description %s\n",
			r == -ENOSPC ? "is too long" : "cannot hold a newline");
		return r;
	}
	if (v->opt.config_out)
		return write_config(v);
	return 0;
}

/* The guest, its bitmaps and the machine description; nothing runs yet. */
static int setup_vm(struct lm_vmm *v)
{
	char err[VM_ERR_LEN];
	int r;

	guest_image_default(v->image, sizeof(v->image));
	v->cfg = (struct vmm_config){
		.image = v->image,
		.ram_size = v->opt.mem_mib << 20,
		.ring_entries = v->opt.ring,
		.dirty_log = v->opt.dirty_log,
		.rate = v->opt.rate,
		.idle = v->opt.idle,
		.fill = v->opt.fill,
		.zero_pages = v->opt.zero_pages,
		.reserved_pages = v->opt.device_writes ? TESTDEV_AREA_PAGES : 0,
		.console_echo = v->opt.verbose,
		.guard_pages = v->opt.guard_pages,
	};
	r = __vmm_create(&v->vmm, &v->cfg, err, sizeof(err));
	if (r) {
		fprintf(stderr, PROG ": creating the VM: %s\n", err);
		return r;
	}
	/* Bitmaps only for a VMM that writes guest memory (uapi: else 0). */
	if (v->opt.device_writes) {
		r = __vm_alloc_dirty_bitmaps(v->vmm->vm);
		if (r) {
			fprintf(stderr, PROG ": %s\n", v->vmm->vm->err);
			return r;
		}
	}
	vmm_desc_of(&v->desc, v->vmm, &v->cfg);
	if (v->opt.device_writes) {
		v->desc.device = true;
		v->desc.device_gpa = device_gpa(v);
		v->desc.device_pages = TESTDEV_AREA_PAGES;
		v->desc.device_rate = v->opt.device_writes;
	}
	return describe(v);
}

static int open_client(struct lm_vmm *v)
{
	int r = __lm_client_open(&v->client);

	if (r)
		fprintf(stderr, PROG ": cannot reach livemig: %s%s\n",
			r == -ENOENT ? "the module is not loaded" : strerror(-r),
			v->opt.incoming ? "" : " (--no-register runs without it)");
	return r;
}

/* VM_ADD; the socket stays open for as long as the VM should stay listed. */
static int register_vm(struct lm_vmm *v)
{
	int r = open_client(v);

	if (r)
		return r;
	r = __lm_vm_add(v->client, v->vmm->vm, v->opt.name, v->config,
			v->config_len);
	if (r) {
		fprintf(stderr, PROG ": registering VM %s: %s%s%s\n",
			v->opt.name, strerror(-r), v->client->err[0] ? ": " : "",
			v->client->err);
		return r;
	}
	return 0;
}

/* --- the destination ----------------------------------------------------- */

/* Tells the source why not (MIG_REFUSE); the exit status says the rest. */
static void __attribute__((format(printf, 2, 3)))
refuse(struct lm_vmm *v, const char *fmt, ...)
{
	char reason[LIVEMIG_REASON_MAX];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	fprintf(stderr, PROG ": %s: refusing incoming migration %u: %s\n",
		v->opt.name, v->opt.mig_id, reason);
	r = __lm_mig_refuse(v->client, v->opt.mig_id, reason);
	if (r)
		fprintf(stderr, PROG ": %s: MIG_REFUSE: %s%s%s\n", v->opt.name,
			strerror(-r), v->client->err[0] ? ": " : "",
			v->client->err);
}

/* The whole description, from offset 0 whatever the fd's position. */
static int read_config_fd(struct lm_vmm *v, char *err, size_t errlen)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = pread(v->opt.config_fd, v->config + len,
				  sizeof(v->config) - len, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "reading file descriptor %d: %s",
				 v->opt.config_fd, strerror(errno));
			return -errno;
		}
		if (!n)
			break;
		len += n;
		if (len == sizeof(v->config)) {
			snprintf(err, errlen, "it is longer than %zu bytes",
				 sizeof(v->config) - 1);
			return -EFBIG;
		}
	}
	v->config_len = len;
	close(v->opt.config_fd);
	return 0;
}

/* The source's machine, empty; 0 or a refusal already sent. */
static int build_incoming(struct lm_vmm *v)
{
	char err[VM_ERR_LEN];
	int r;

	r = read_config_fd(v, err, sizeof(err));
	if (r) {
		refuse(v, "no machine description: %s", err);
		return r;
	}
	if (v->opt.refuse) {
		refuse(v, "%s", v->opt.refuse);
		return -EPERM;
	}
	r = __vmm_desc_parse(&v->desc, v->config, v->config_len, err,
			     sizeof(err));
	if (r) {
		refuse(v, "the machine description is malformed: %s", err);
		return r;
	}
	r = __vmm_desc_config(&v->desc, &v->cfg, err, sizeof(err));
	if (!r) {
		v->cfg.console_echo = v->opt.verbose;
		v->cfg.guard_pages = v->opt.guard_pages;
		r = __vmm_create(&v->vmm, &v->cfg, err, sizeof(err));
	}
	if (!r && strcmp(v->vmm->cmdline, v->desc.cmdline)) {
		snprintf(err, sizeof(err), "its guest options \"%.80s\" do not follow from its settings (\"%.80s\")",
			 v->desc.cmdline, v->vmm->cmdline);
		r = -EINVAL;
	}
	if (!r && v->desc.device) {
		r = __vm_alloc_dirty_bitmaps(v->vmm->vm);
		if (r)
			snprintf(err, sizeof(err), "%s", v->vmm->vm->err);
	}
	if (r) {
		refuse(v, "cannot build the source's machine: %s", err);
		return r;
	}
	/* Registered as our own description says it: the same machine. */
	return describe(v);
}

static int attach_incoming(struct lm_vmm *v)
{
	int r = __lm_vm_attach(v->client, v->vmm->vm, v->opt.name, v->config,
			       v->config_len, v->opt.mig_id);

	if (r)
		fprintf(stderr, PROG ": attaching VM %s to incoming migration %u: %s%s%s\n",
			v->opt.name, v->opt.mig_id, strerror(-r),
			v->client->err[0] ? ": " : "", v->client->err);
	return r;
}

/* --- running ------------------------------------------------------------- */

static void print_status(const struct lm_vmm *v, const char *prefix,
			 uint64_t t_ms, const struct vmm_stats *st,
			 struct status *last)
{
	uint64_t dt = t_ms - last->t_ms;
	uint64_t pages_s = dt ? (st->pages_written - last->pages) * 1000 / dt
			      : 0;

	printf("%st=%" PRIu64 "s passes=%" PRIu64 " counter=%" PRIu64
	       " guest_errors=%" PRIu64 " pages_s=%" PRIu64 " mib_s=%.1f"
	       " checks=%" PRIu64 " device_writes=%" PRIu64
	       " device_errors=%" PRIu64 " ring_full=%" PRIu64
	       " epoch=%u verified=%" PRIu64 "\n",
	       prefix, (t_ms + 500) / 1000, st->passes, st->counter,
	       st->mismatches, pages_s, pages_s * LM_PAGE_SIZE / 1048576.0,
	       st->checks, testdev_writes(v->mig.dev),
	       testdev_errors(v->mig.dev), st->ring_full_exits, st->epoch,
	       st->verified_pages);
	last->t_ms = t_ms;
	last->pages = st->pages_written;
}

/* Says once what the guest or the device found wrong. */
static void report_errors(struct lm_vmm *v, const struct vmm_stats *st)
{
	if (st->mismatches && !v->told.guest) {
		fprintf(stderr, PROG ": %s: the guest found page %#" PRIx64
			" wrong (its console says more with -v)\n",
			v->opt.name, st->first_bad_gfn);
		v->told.guest = true;
	}
	if (testdev_errors(v->mig.dev) && !v->told.dev) {
		fprintf(stderr, PROG ": %s: the test device found page %#"
			PRIx64 " wrong\n", v->opt.name,
			v->mig.dev->first_bad_gfn);
		v->told.dev = true;
	}
	if (st->clock_back && !v->told.clock) {
		fprintf(stderr, PROG ": %s: the guest saw its clock go backwards\n",
			v->opt.name);
		v->told.clock = true;
	}
}

/* The guest's check of all its pages after a new epoch; false if bad. */
static bool report_verified(struct lm_vmm *v, const struct vmm_stats *st)
{
	if (st->verifies <= v->told.verifies)
		return true;
	v->told.verifies = st->verifies;
	if (!st->verify_errors) {
		printf(PROG ": %s: guest verified %" PRIu64 " pages after %s\n",
		       v->opt.name, st->verified_pages, v->since);
		return true;
	}
	fprintf(stderr, PROG ": %s: the guest found %" PRIu64 " of %" PRIu64
		" pages wrong after %s (first %#" PRIx64 ")\n", v->opt.name,
		st->verify_errors, st->verified_pages, v->since,
		st->first_bad_gfn);
	return false;
}

/* A status line; why the run ends, or NULL. */
static const char *tick(struct lm_vmm *v)
{
	struct vmm_stats st;

	v->ticks++;
	vmm_stats(v->vmm, &st);
	print_status(v, "", now_ms() - v->t0, &st, &v->last);
	report_errors(v, &st);
	if (!report_verified(v, &st))
		return "verify-failed";
	if (st.failed)
		return "failed";
	if (st.guest_exit >= 0)
		return "guest-exit";
	/* Ending now would fail the migration: wait for how it ends. */
	if (v->mig.phase == VMM_MIG_PREPARED || v->mig.phase == VMM_MIG_PAUSED)
		return NULL;
	if (v->opt.seconds && v->ticks >= v->opt.seconds)
		return "seconds";
	return NULL;
}

/* The guest runs here from now on; its next check of its pages follows @since. */
static void start_ticking(struct lm_vmm *v, const char *since)
{
	struct vmm_stats st;

	vmm_stats(v->vmm, &st);
	v->t0 = now_ms();
	v->t0_pages = st.pages_written;
	v->ticks = 0;
	v->ticking = true;
	v->last = (struct status){ .pages = st.pages_written };
	v->since = since;
}

static const char *handle(struct lm_vmm *v, const struct lm_vmm_req *req)
{
	enum vmm_mig_outcome outcome;
	char buf[32];
	int error, r;

	r = vmm_mig_handle(&v->mig, req, &outcome, &error);
	if (error)
		fprintf(stderr, PROG ": %s: %s (migration %u) failed: %s: %s\n",
			v->opt.name, lm_req_name(req->req, buf, sizeof(buf)),
			req->mig_id, strerror(error), v->mig.reason);
	else
		printf(PROG ": %s: %s (migration %u): %s\n", v->opt.name,
		       lm_req_name(req->req, buf, sizeof(buf)), req->mig_id,
		       v->mig.note);
	if (r)
		fprintf(stderr, PROG ": %s: acknowledging it: %s%s%s\n",
			v->opt.name, strerror(-r),
			v->client->err[0] ? ": " : "", v->client->err);
	switch (outcome) {
	case VMM_MIG_STARTED:
		start_ticking(v, "migration");
		break;
	case VMM_MIG_RESUMED:
		v->since = "resuming";
		break;
	case VMM_MIG_MIGRATED:
		return "migrated";
	case VMM_MIG_DISCARDED:
		return "discarded";
	case VMM_MIG_GO_ON:
		break;
	}
	return NULL;
}

/* Every request waiting; why the run ends, or NULL. */
static const char *handle_requests(struct lm_vmm *v)
{
	struct lm_vmm_req req;
	const char *end;
	int r;

	if (!v->client)
		return NULL;
	for (;;) {
		r = __lm_req_recv(v->client, &req);
		if (v->client->reqs_lost > v->told.reqs_lost) {
			fprintf(stderr, PROG ": %s: %" PRIu64 " request(s) of livemig lost\n",
				v->opt.name, v->client->reqs_lost - v->told.reqs_lost);
			v->told.reqs_lost = v->client->reqs_lost;
		}
		if (r == -EAGAIN)
			return NULL;
		if (r == -ENOBUFS) {
			fprintf(stderr, PROG ": %s: %s\n", v->opt.name,
				v->client->err);
			continue;
		}
		if (r) {
			fprintf(stderr, PROG ": %s: livemig's socket: %s\n",
				v->opt.name, v->client->err);
			return "netlink";
		}
		end = handle(v, &req);
		if (end)
			return end;
	}
}

/* One memory slot as @reg has it, but @size bytes (0 deletes it). */
static int set_slot_size(struct vm *vm, const struct vm_region *reg,
			 uint64_t size)
{
	struct kvm_userspace_memory_region k = {
		.slot = reg->slot,
		.flags = reg->flags,
		.guest_phys_addr = reg->gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)reg->hva,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &k) < 0 ? -errno : 0;
}

/*
 * --remap: what a VMM does when it remaps guest RAM (hotplug, a new
 * backing) or gets its dirty logging wrong, while livemig may be copying.
 */
static void remap(struct lm_vmm *v)
{
	struct vm *vm = v->vmm->vm;
	bool nolog = !strcmp(v->opt.remap, "nolog");
	bool was_started = v->vmm->started;
	unsigned int i;
	int r = 0;

	vmm_stop(v->vmm);
	for (i = 0; i < vm->nr_regions && !r; i++) {
		struct vm_region *reg = &vm->regions[i];
		uint32_t flags = reg->flags;

		if (nolog) {
			r = __vm_set_region_flags(vm, reg->slot,
						  flags & ~KVM_MEM_LOG_DIRTY_PAGES);
			continue;
		}
		/* A deleted slot is one of size 0; then back as it was. */
		r = set_slot_size(vm, reg, 0);
		if (!r)
			r = set_slot_size(vm, reg, reg->size);
	}
	if (r)
		fprintf(stderr, PROG ": %s: remapping: %s\n", v->opt.name,
			nolog ? vm->err : strerror(-r));
	else
		printf(PROG ": %s: remapped its memory (%s)\n", v->opt.name,
		       v->opt.remap);
	if (was_started && __vmm_start(v->vmm))
		fprintf(stderr, PROG ": %s: restarting the vCPU after remapping\n",
			v->opt.name);
}

static const char *take_signal(struct lm_vmm *v)
{
	struct signalfd_siginfo si;

	if (read(v->sigfd, &si, sizeof(si)) != sizeof(si))
		return NULL;
	if (si.ssi_signo == SIGUSR1) {
		if (v->opt.remap)
			remap(v);
		return NULL;
	}
	return si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
}

/*
 * Until --seconds, a signal, the VM's end or its migration: livemig's
 * requests as they come, a status line a second while the guest runs
 * here.  Returns why it ended.
 */
static const char *run(struct lm_vmm *v)
{
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = v->sigfd, .events = POLLIN },
			{ .fd = v->client ? v->client->fd : -1, .events = POLLIN },
		};
		const char *end = handle_requests(v);
		int timeout = -1;

		if (end)
			return end;
		if (v->ticking) {
			uint64_t next = v->t0 + (v->ticks + 1) * 1000;
			uint64_t now = now_ms();

			if (now >= next) {
				end = tick(v);
				if (end)
					return end;
				continue;
			}
			timeout = next - now;
		}
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
			return "failed";
		}
		if (pfd[0].revents & POLLIN) {
			end = take_signal(v);
			if (end)
				return end;
		}
	}
}

/* Stops the device and the vCPU; prints the last line; 0 or 1. */
static int finish(struct lm_vmm *v, const char *reason)
{
	struct status all = { .pages = v->t0_pages };
	struct vmm_stats st;
	bool bad;

	testdev_stop(v->mig.dev);
	vmm_stop(v->vmm);
	vmm_stats(v->vmm, &st);
	if (st.failed) {
		fprintf(stderr, PROG ": %s: the VM failed: %s\n", v->opt.name,
			vmm_why(v->vmm));
		vcpu_dump(v->vmm->vcpu);
	}
	/* The last line's rate is the average over the whole run. */
	print_status(v, "end ", v->ticking ? now_ms() - v->t0 : 0, &st, &all);
	bad = st.failed || st.mismatches || testdev_errors(v->mig.dev) ||
	      st.guest_exit > 0 || st.clock_back ||
	      !strcmp(reason, "netlink");
	/* Abandoned before it ran here: nothing of it was ours to judge. */
	if (!strcmp(reason, "discarded"))
		bad = false;
	printf("end reason=%s exit=%d\n", reason, bad);
	return bad;
}

/* The source: a new guest, registered unless --no-register. */
static int run_source(struct lm_vmm *v)
{
	struct testdev *dev = NULL;
	int r;

	if (setup_vm(v))
		return 1;
	if (!v->opt.no_register && register_vm(v))
		return 1;
	printf("%s: VM %s: %" PRIu64 " MiB, 1 vCPU, guest \"%s\"%s, pid %d\n",
	       PROG, v->opt.name, v->opt.mem_mib, v->vmm->cmdline,
	       v->client ? ", registered with livemig" : "", getpid());

	r = __vmm_start(v->vmm);
	if (r) {
		fprintf(stderr, PROG ": starting the vCPU: %s\n", strerror(-r));
		return 1;
	}
	if (v->opt.device_writes) {
		r = __testdev_start(&dev, v->vmm->vm, device_gpa(v),
				    TESTDEV_AREA_PAGES, v->opt.device_writes);
		if (r) {
			fprintf(stderr, PROG ": %s\n", v->vmm->vm->err);
			return 1;
		}
	}
	vmm_mig_init(&v->mig, v->vmm, dev, v->client, v->opt.name, false);
	v->mig.burst_ms = v->opt.pause_burst;
	v->mig.lie = v->opt.lie_after_pause;
	v->mig.digest = v->opt.mem_digest;
	start_ticking(v, "resuming");
	return finish(v, run(v));
}

/* The destination: the source's machine, attached to the migration. */
static int run_incoming(struct lm_vmm *v)
{
	if (open_client(v) || build_incoming(v) || attach_incoming(v))
		return 1;
	printf("%s: VM %s: incoming migration %u: %" PRIu64 " MiB, 1 vCPU, guest \"%s\", attached to livemig, pid %d\n",
	       PROG, v->opt.name, v->opt.mig_id, v->desc.ram_size >> 20,
	       v->vmm->cmdline, getpid());
	vmm_mig_init(&v->mig, v->vmm, NULL, v->client, v->opt.name, true);
	v->mig.burst_ms = v->opt.pause_burst;
	v->mig.digest = v->opt.mem_digest;
	v->mig.fail_load = v->opt.fail_load;
	return finish(v, run(v));
}

/* --guard-pages: a page past a region written is a failure of its own. */
static bool guards_changed(struct vm *vm)
{
	if (!__vm_check_guards(vm)) {
		fprintf(stderr, PROG ": guard pages intact\n");
		return false;
	}
	fprintf(stderr, PROG ": %s\n", vm->err);
	return true;
}

int main(int argc, char **argv)
{
	struct lm_vmm *v = calloc(1, sizeof(*v));
	sigset_t sigs;
	int rc, r;

	if (!v) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	parse_options(argc, argv, &v->opt);
	/* Status lines reach a pipe or a file as they are printed. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Before any thread exists, so that all of them inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGUSR1);
	r = pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	v->sigfd = r ? -1 : signalfd(-1, &sigs, SFD_CLOEXEC);
	if (v->sigfd < 0) {
		fprintf(stderr, PROG ": taking SIGINT and SIGTERM: %s\n",
			strerror(r ? r : errno));
		return 1;
	}

	rc = v->opt.incoming ? run_incoming(v) : run_source(v);

	/* Closing the socket unregisters the VM: before the VM goes. */
	if (v->client)
		lm_client_close(v->client);
	testdev_destroy(v->mig.dev);
	/* Unregistered: livemig writes no more pages into the VM. */
	if (v->opt.guard_pages && v->vmm && guards_changed(v->vmm->vm))
		rc = 1;
	vmm_destroy(v->vmm);
	close(v->sigfd);
	free(v);
	return rc;
}
