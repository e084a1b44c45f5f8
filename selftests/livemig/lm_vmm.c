// SPDX-License-Identifier: GPL-2.0
/*
 * lm_vmm: the livemig test VMM as a command-line program.  It runs the test
 * guest in a VM, registers the VM with livemig and reports once a second.
 *
 *   lm_vmm (this process)                               livemig.ko
 *   ---------------------                               ----------
 *   main thread: options, VM, registration  -- VM_ADD -->  registry
 *                status line every second      (socket kept open: the VM
 *                SIGINT/SIGTERM -> clean end    leaves when it closes)
 *   vCPU thread: KVM_RUN, guest reports,
 *                full dirty ring (vmm_run.c)
 *   device thread (--device-writes): writes guest RAM from userspace and
 *                marks the region's dirty bitmap (testdev.c)
 *
 *   guest RAM:  0 .. 2 MiB loader, image, state | pattern | device area
 *
 * Exit status: 0 after --seconds or a signal with a clean guest; 1 if the
 * guest or the device found a wrong page, the VM failed, or it could not
 * be set up (registration refused: the kernel's sentence is printed); 2 for
 * bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lm_client.h"
#include "lm_guest.h"
#include "testdev.h"
#include "vmm.h"
#include "vmm_run.h"

#define PROG		"lm_vmm"
#define MEM_MIN_MIB	4
#define MEM_MAX_MIB	3072	/* one region, below a 32-bit PCI hole */
#define CONFIG_LEN	2048

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
};

/**
 * struct lm_vmm - the program's state (no globals)
 * @opt:	its options
 * @image:	the guest image
 * @vmm:	the running guest
 * @dev:	the test device, or NULL
 * @client:	the netlink socket that holds the registration, or NULL
 * @config:	the machine description (LIVEMIG_A_VM_CONFIG)
 * @config_len:	its length
 */
struct lm_vmm {
	struct options opt;
	char image[PATH_MAX];
	struct vmm *vmm;
	struct testdev *dev;
	struct lm_client *client;
	char config[CONFIG_LEN];
	size_t config_len;
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

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " --name NAME --mem MIB [--rate PAGES_PER_SEC | --idle]\n"
"              [--seconds S] [--no-register] [--device-writes N]\n"
"              [--config-out FILE] [--ring ENTRIES] [--dirty-log] [-v]\n"
"\n"
"Runs the livemig test guest in a VM of MIB MiB, registers it with livemig\n"
"as NAME and prints a status line every second, until S seconds have passed\n"
"or SIGINT/SIGTERM.\n"
"\n"
"  --name NAME          the VM's name on this host (required)\n"
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
"  -v, --verbose        echo the guest's console\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 clean end, 1 a wrong page, a failed VM or a refused\n"
"registration, 2 bad usage.\n",
		MEM_MIN_MIB, MEM_MAX_MIB, TESTDEV_AREA_PAGES, VM_RING_DEFAULT);
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
		usage_error("--%s wants a number from %" PRIu64 " to %" PRIu64
			    ", not '%s'", opt, min, max, s);
	return v;
}

static void parse_options(int argc, char **argv, struct options *opt)
{
	enum { O_NAME = 256, O_MEM, O_RATE, O_IDLE, O_SECONDS, O_NO_REGISTER,
	       O_DEVICE_WRITES, O_CONFIG_OUT, O_RING, O_DIRTY_LOG };
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
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool rate_set = false;
	int c;

	*opt = (struct options){ .ring = VM_RING_DEFAULT };
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_NAME:
			opt->name = optarg;
			break;
		case O_MEM:
			opt->mem_mib = parse_num("mem", optarg, MEM_MIN_MIB,
						 MEM_MAX_MIB);
			break;
		case O_RATE:
			opt->rate = parse_num("rate", optarg, 1, 1000000000);
			rate_set = true;
			break;
		case O_IDLE:
			opt->idle = true;
			break;
		case O_SECONDS:
			opt->seconds = parse_num("seconds", optarg, 1,
						 UINT32_MAX);
			break;
		case O_NO_REGISTER:
			opt->no_register = true;
			break;
		case O_DEVICE_WRITES:
			opt->device_writes = parse_num("device-writes", optarg,
						       0, 1000000);
			break;
		case O_CONFIG_OUT:
			opt->config_out = optarg;
			break;
		case O_RING:
			opt->ring = parse_num("ring", optarg, 16, 65536);
			if (opt->ring & (opt->ring - 1))
				usage_error("--ring wants a power of two");
			break;
		case O_DIRTY_LOG:
			opt->dirty_log = true;
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
	if (!opt->name)
		usage_error("--name is required");
	if (!opt->mem_mib)
		usage_error("--mem is required");
	if (rate_set && opt->idle)
		usage_error("--rate and --idle exclude each other");
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

/* Appends to the machine description; build_config() reports overflow. */
static void __attribute__((format(printf, 2, 3)))
config_put(struct lm_vmm *v, const char *fmt, ...)
{
	size_t room = sizeof(v->config) - v->config_len;
	va_list ap;
	int n;

	if (v->config_len > sizeof(v->config))
		return;
	va_start(ap, fmt);
	n = vsnprintf(v->config + v->config_len, room, fmt, ap);
	va_end(ap);
	/* A truncated line leaves the length past the end: overflowed. */
	v->config_len += n < 0 ? room + 1 : (size_t)n;
}

/*
 * The machine description that travels with the VM (LIVEMIG_A_VM_CONFIG):
 * "key=value" lines after a first line naming the format and its version,
 * everything a destination VMM needs to build the same machine.
 */
static int build_config(struct lm_vmm *v)
{
	const struct vm *vm = v->vmm->vm;
	unsigned int i;

	v->config_len = 0;
	config_put(v, "livemig-test-vmm 1\n");
	config_put(v, "mem=%" PRIu64 "\n", v->opt.mem_mib << 20);
	config_put(v, "vcpus=%u\n", vm->nr_vcpus);
	config_put(v, "guest=%s\n", v->image);
	config_put(v, "guest.cmdline=%s\n", v->vmm->cmdline);
	config_put(v, "ring=%u\n", vm->ring_entries);
	for (i = 0; i < vm->nr_regions; i++) {
		const struct vm_region *reg = &vm->regions[i];

		config_put(v, "region.%u.name=ram%u\n", reg->slot, reg->slot);
		config_put(v, "region.%u.gpa=%#" PRIx64 "\n", reg->slot,
			   reg->gpa);
		config_put(v, "region.%u.size=%#" PRIx64 "\n", reg->slot,
			   reg->size);
	}
	if (v->opt.device_writes) {
		config_put(v, "device=testdev\n");
		config_put(v, "device.gpa=%#" PRIx64 "\n", device_gpa(v));
		config_put(v, "device.pages=%u\n", TESTDEV_AREA_PAGES);
		config_put(v, "device.rate=%" PRIu64 "\n",
			   v->opt.device_writes);
	}
	return v->config_len < sizeof(v->config) ? 0 : -ENOSPC;
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

/* The guest, its bitmaps and the machine description; nothing runs yet. */
static int setup_vm(struct lm_vmm *v)
{
	struct vmm_config cfg = {
		.image = v->image,
		.ram_size = v->opt.mem_mib << 20,
		.ring_entries = v->opt.ring,
		.dirty_log = v->opt.dirty_log,
		.rate = v->opt.rate,
		.idle = v->opt.idle,
		.reserved_pages = v->opt.device_writes ? TESTDEV_AREA_PAGES : 0,
		.console_echo = v->opt.verbose,
	};
	char err[VM_ERR_LEN];
	int r;

	guest_image_default(v->image, sizeof(v->image));
	r = __vmm_create(&v->vmm, &cfg, err, sizeof(err));
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
	r = build_config(v);
	if (r) {
		fprintf(stderr, PROG ": the machine description is too long\n");
		return r;
	}
	if (v->opt.config_out)
		return write_config(v);
	return 0;
}

/* VM_ADD; the socket stays open for as long as the VM should stay listed. */
static int register_vm(struct lm_vmm *v)
{
	int r;

	r = __lm_client_open(&v->client);
	if (r) {
		fprintf(stderr, PROG ": cannot reach livemig: %s%s\n",
			r == -ENOENT ? "the module is not loaded" : strerror(-r),
			" (--no-register runs without it)");
		return r;
	}
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
	       " device_errors=%" PRIu64 " ring_full=%" PRIu64 "\n",
	       prefix, (t_ms + 500) / 1000, st->passes, st->counter,
	       st->mismatches, pages_s, pages_s * LM_PAGE_SIZE / 1048576.0,
	       st->checks, testdev_writes(v->dev), testdev_errors(v->dev),
	       st->ring_full_exits);
	last->t_ms = t_ms;
	last->pages = st->pages_written;
}

/* Says once what the guest or the device found wrong. */
static void report_errors(const struct lm_vmm *v, const struct vmm_stats *st,
			  bool *guest_told, bool *dev_told)
{
	if (st->mismatches && !*guest_told) {
		fprintf(stderr, PROG ": %s: the guest found page %#" PRIx64
			" wrong (its console says more with -v)\n",
			v->opt.name, st->first_bad_gfn);
		*guest_told = true;
	}
	if (testdev_errors(v->dev) && !*dev_told) {
		fprintf(stderr, PROG ": %s: the test device found page %#"
			PRIx64 " wrong\n", v->opt.name, v->dev->first_bad_gfn);
		*dev_told = true;
	}
}

/*
 * One status line a second until --seconds, a signal, or the VM's end.
 * SIGINT and SIGTERM are blocked in every thread and taken here, so no
 * handler and no global flag are needed.  Returns why it ended.
 */
static const char *run(struct lm_vmm *v, const sigset_t *sigs,
		       uint64_t t0, struct status *last)
{
	bool guest_told = false, dev_told = false;
	uint64_t tick = 0;

	for (;;) {
		uint64_t deadline = t0 + (tick + 1) * 1000, now = now_ms();
		struct timespec ts = { 0 };
		struct vmm_stats st;
		int sig;

		if (deadline > now) {
			ts.tv_sec = (deadline - now) / 1000;
			ts.tv_nsec = (deadline - now) % 1000 * 1000000L;
		}
		sig = sigtimedwait(sigs, NULL, &ts);
		if (sig == SIGINT)
			return "SIGINT";
		if (sig == SIGTERM)
			return "SIGTERM";
		if (sig < 0 && errno == EINTR)
			continue;
		tick++;
		vmm_stats(v->vmm, &st);
		print_status(v, "", now_ms() - t0, &st, last);
		report_errors(v, &st, &guest_told, &dev_told);
		if (st.failed)
			return "failed";
		if (st.guest_exit >= 0)
			return "guest-exit";
		if (v->opt.seconds && tick >= v->opt.seconds)
			return "seconds";
	}
}

/* Stops the device and the vCPU; prints the last line; 0 or 1. */
static int finish(struct lm_vmm *v, const char *reason, uint64_t t0)
{
	struct status all = { 0 };
	struct vmm_stats st;
	bool bad;

	testdev_stop(v->dev);
	vmm_stop(v->vmm);
	vmm_stats(v->vmm, &st);
	if (st.failed) {
		fprintf(stderr, PROG ": %s: the VM failed: %s\n", v->opt.name,
			vmm_why(v->vmm));
		vcpu_dump(v->vmm->vcpu);
	}
	/* The last line's rate is the average over the whole run. */
	print_status(v, "end ", now_ms() - t0, &st, &all);
	bad = st.failed || st.mismatches || testdev_errors(v->dev) ||
	      st.guest_exit > 0;
	printf("end reason=%s exit=%d\n", reason, bad);
	return bad;
}

int main(int argc, char **argv)
{
	struct lm_vmm v = { 0 };
	struct status last = { 0 };
	const char *reason;
	sigset_t sigs;
	uint64_t t0;
	int rc = 1, r;

	parse_options(argc, argv, &v.opt);
	/* Status lines reach a pipe or a file as they are printed. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Before any thread exists, so that all of them inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	r = pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (r) {
		fprintf(stderr, PROG ": blocking signals: %s\n", strerror(r));
		return 1;
	}

	if (setup_vm(&v))
		goto out;
	if (!v.opt.no_register && register_vm(&v))
		goto out;
	printf("%s: VM %s: %" PRIu64 " MiB, 1 vCPU, guest \"%s\"%s, pid %d\n",
	       PROG, v.opt.name, v.opt.mem_mib, v.vmm->cmdline,
	       v.client ? ", registered with livemig" : "", getpid());

	r = __vmm_start(v.vmm);
	if (r) {
		fprintf(stderr, PROG ": starting the vCPU: %s\n", strerror(-r));
		goto out;
	}
	if (v.opt.device_writes) {
		r = __testdev_start(&v.dev, v.vmm->vm, device_gpa(&v),
				    TESTDEV_AREA_PAGES, v.opt.device_writes);
		if (r) {
			fprintf(stderr, PROG ": %s\n", v.vmm->vm->err);
			goto out;
		}
	}
	t0 = now_ms();
	reason = run(&v, &sigs, t0, &last);
	rc = finish(&v, reason, t0);
out:
	/* Closing the socket unregisters the VM: before the VM goes. */
	if (v.client)
		lm_client_close(v.client);
	testdev_destroy(v.dev);
	vmm_destroy(v.vmm);
	return rc;
}
