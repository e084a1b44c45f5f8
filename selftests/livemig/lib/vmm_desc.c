// SPDX-License-Identifier: GPL-2.0
/*
 * livemig test VMM library: the machine description.  See vmm_desc.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lm_guest.h"
#include "vmm_desc.h"

#define REGION_NAME_MAX	32

/* Top-level keys; each may appear once. */
enum desc_key {
	K_MEM, K_VCPUS, K_IRQCHIP, K_RING, K_GUEST, K_CMDLINE, K_RATE,
	K_IDLE, K_FILL, K_ZERO, K_RESERVED, K_DEVICE, K_DEV_GPA, K_DEV_PAGES,
	K_DEV_RATE, K_MAX
};

static const char *const key_names[K_MAX] = {
	[K_MEM] = "mem", [K_VCPUS] = "vcpus", [K_IRQCHIP] = "irqchip",
	[K_RING] = "ring", [K_GUEST] = "guest", [K_CMDLINE] = "guest.cmdline",
	[K_RATE] = "guest.rate", [K_IDLE] = "guest.idle",
	[K_FILL] = "guest.fill", [K_ZERO] = "guest.zero_pages",
	[K_RESERVED] = "guest.reserved_pages", [K_DEVICE] = "device",
	[K_DEV_GPA] = "device.gpa", [K_DEV_PAGES] = "device.pages",
	[K_DEV_RATE] = "device.rate",
};

/* What a machine without a device must still say. */
static const enum desc_key required[] = {
	K_MEM, K_VCPUS, K_IRQCHIP, K_RING, K_GUEST, K_CMDLINE, K_RATE,
	K_IDLE, K_FILL, K_ZERO, K_RESERVED,
};

static const char *const fill_names[] = {
	[LM_FILL_PATTERN] = "pattern", [LM_FILL_RANDOM] = "random",
};

#define REG_GPA		1u
#define REG_SIZE	2u
#define REG_NAME	4u
#define REG_ALL		(REG_GPA | REG_SIZE | REG_NAME)

/**
 * struct parser - one parse
 * @d:		what it fills
 * @seen:	top-level keys seen, a bit per enum desc_key
 * @reg_seen:	per region, REG_* bits seen
 * @line:	current line number, from 1
 * @err:	the reason, once it failed
 * @errlen:	its size
 */
struct parser {
	struct vmm_desc *d;
	unsigned int seen;
	unsigned int reg_seen[VM_MAX_REGIONS];
	unsigned int line;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
refuse(struct parser *p, const char *fmt, ...)
{
	int n = p->line ? snprintf(p->err, p->errlen, "line %u: ", p->line) : 0;
	va_list ap;

	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* --- formatting ------------------------------------------------------- */

/**
 * struct out - text being written
 * @buf:	where
 * @size:	its size
 * @len:	bytes written, or more than @size once it overflowed
 */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void __attribute__((format(printf, 2, 3)))
put(struct out *o, const char *fmt, ...)
{
	size_t room = o->len < o->size ? o->size - o->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	o->len += n < 0 ? o->size + 1 : (size_t)n;
}

int vmm_desc_format(const struct vmm_desc *d, char *buf, size_t size,
		    size_t *len)
{
	struct out o = { .buf = buf, .size = size };
	unsigned int i;

	put(&o, "%s %d\n", VMM_DESC_FORMAT, VMM_DESC_VERSION);
	put(&o, "mem=%" PRIu64 "\n", d->ram_size);
	put(&o, "vcpus=%u\n", d->vcpus);
	put(&o, "irqchip=%s\n", d->irqchip ? "split" : "none");
	put(&o, "ring=%u\n", d->ring_entries);
	put(&o, "guest=%s\n", d->image);
	put(&o, "guest.cmdline=%s\n", d->cmdline);
	put(&o, "guest.rate=%" PRIu64 "\n", d->rate);
	put(&o, "guest.idle=%d\n", d->idle);
	put(&o, "guest.fill=%s\n", d->fill <= LM_FILL_RANDOM ?
	    fill_names[d->fill] : "?");
	put(&o, "guest.zero_pages=%" PRIu64 "\n", d->zero_pages);
	put(&o, "guest.reserved_pages=%" PRIu64 "\n", d->reserved_pages);
	for (i = 0; i < d->nr_regions; i++) {
		const struct guest_region *reg = &d->regions[i];

		put(&o, "region.%u.name=ram%u\n", reg->slot, reg->slot);
		put(&o, "region.%u.gpa=%#" PRIx64 "\n", reg->slot, reg->gpa);
		put(&o, "region.%u.size=%#" PRIx64 "\n", reg->slot, reg->size);
	}
	if (d->device) {
		put(&o, "device=testdev\n");
		put(&o, "device.gpa=%#" PRIx64 "\n", d->device_gpa);
		put(&o, "device.pages=%" PRIu64 "\n", d->device_pages);
		put(&o, "device.rate=%" PRIu64 "\n", d->device_rate);
	}
	*len = o.len;
	/* Newlines inside a value would make other keys of it. */
	if (strchr(d->image, '\n') || strchr(d->cmdline, '\n'))
		return -EINVAL;
	return o.len < size ? 0 : -ENOSPC;
}

void vmm_desc_of(struct vmm_desc *d, const struct vmm *vmm,
		 const struct vmm_config *cfg)
{
	const struct vm *vm = vmm->vm;
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->ram_size = cfg->ram_size;
	d->vcpus = vm->nr_vcpus;
	d->irqchip = vm->irqchip;
	d->ring_entries = vm->ring_entries;
	snprintf(d->image, sizeof(d->image), "%s", cfg->image);
	snprintf(d->cmdline, sizeof(d->cmdline), "%s", vmm->cmdline);
	d->rate = cfg->rate;
	d->idle = cfg->idle;
	d->fill = cfg->fill;
	d->zero_pages = cfg->zero_pages;
	d->reserved_pages = cfg->reserved_pages;
	for (i = 0; i < vm->nr_regions; i++) {
		d->regions[i] = (struct guest_region){
			.slot = vm->regions[i].slot,
			.gpa = vm->regions[i].gpa,
			.size = vm->regions[i].size,
		};
	}
	d->nr_regions = vm->nr_regions;
}

int __vmm_desc_config(const struct vmm_desc *d, struct vmm_config *cfg,
		      char *err, size_t errlen)
{
	/* What struct vmm can run: one vCPU, the test guest's layout. */
	if (d->vcpus != 1) {
		snprintf(err, errlen, "the machine has %u vCPUs; this VMM runs 1",
			 d->vcpus);
		return -EINVAL;
	}
	if (!d->irqchip) {
		snprintf(err, errlen, "the machine has no local APIC in KVM; this VMM always has one");
		return -EINVAL;
	}
	if (d->device && (d->device_pages != TESTDEV_AREA_PAGES ||
			  d->device_gpa + d->device_pages * LM_PAGE_SIZE !=
			  d->ram_size ||
			  d->reserved_pages != d->device_pages)) {
		snprintf(err, errlen, "the test device's area (%" PRIu64 " pages at %#" PRIx64 ") is not the top %u pages of RAM",
			 d->device_pages, d->device_gpa, TESTDEV_AREA_PAGES);
		return -EINVAL;
	}
	*cfg = (struct vmm_config){
		.image = d->image,
		.ram_size = d->ram_size,
		.ring_entries = d->ring_entries,
		.rate = d->rate,
		.idle = d->idle,
		.fill = d->fill,
		.zero_pages = d->zero_pages,
		.reserved_pages = d->reserved_pages,
		.regions = d->regions,
		.nr_regions = d->nr_regions,
		.incoming = true,
	};
	return 0;
}

/* --- parsing ---------------------------------------------------------- */

static int parse_u64(struct parser *p, const char *key, const char *s,
		     uint64_t max, uint64_t *v)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 0);
	if (!*s || *s == '-' || *s == '+' || *s == ' ' || *end || errno ||
	    n > max)
		return refuse(p, "%s=%s is not a number from 0 to %" PRIu64,
			      key, s, max);
	*v = n;
	return 0;
}

static int parse_str(struct parser *p, const char *key, const char *s,
		     char *buf, size_t size)
{
	if (strlen(s) >= size)
		return refuse(p, "%s is longer than %zu bytes", key, size - 1);
	strcpy(buf, s);
	return 0;
}

static int parse_bool(struct parser *p, const char *key, const char *s,
		      bool *v)
{
	if (strcmp(s, "0") && strcmp(s, "1"))
		return refuse(p, "%s=%s is neither 0 nor 1", key, s);
	*v = *s == '1';
	return 0;
}

static int parse_key(struct parser *p, enum desc_key k, const char *v)
{
	struct vmm_desc *d = p->d;
	const char *key = key_names[k];
	uint64_t n;
	int r;

	switch (k) {
	case K_MEM:
		return parse_u64(p, key, v, LM_GUEST_MAX_RAM, &d->ram_size);
	case K_VCPUS:
		r = parse_u64(p, key, v, VM_MAX_VCPUS, &n);
		d->vcpus = n;
		return r;
	case K_IRQCHIP:
		if (strcmp(v, "split") && strcmp(v, "none"))
			return refuse(p, "irqchip=%s is neither split nor none", v);
		d->irqchip = !strcmp(v, "split");
		return 0;
	case K_RING:
		r = parse_u64(p, key, v, 1u << 20, &n);
		d->ring_entries = n;
		return r;
	case K_GUEST:
		return parse_str(p, key, v, d->image, sizeof(d->image));
	case K_CMDLINE:
		return parse_str(p, key, v, d->cmdline, sizeof(d->cmdline));
	case K_RATE:
		return parse_u64(p, key, v, UINT64_MAX, &d->rate);
	case K_IDLE:
		return parse_bool(p, key, v, &d->idle);
	case K_FILL:
		for (n = 0; n <= LM_FILL_RANDOM; n++) {
			if (!strcmp(v, fill_names[n])) {
				d->fill = n;
				return 0;
			}
		}
		return refuse(p, "guest.fill=%s is neither pattern nor random", v);
	case K_ZERO:
		return parse_u64(p, key, v, UINT64_MAX, &d->zero_pages);
	case K_RESERVED:
		return parse_u64(p, key, v, UINT64_MAX, &d->reserved_pages);
	case K_DEVICE:
		if (strcmp(v, "testdev"))
			return refuse(p, "device=%s is no device this VMM has", v);
		d->device = true;
		return 0;
	case K_DEV_GPA:
		return parse_u64(p, key, v, UINT64_MAX, &d->device_gpa);
	case K_DEV_PAGES:
		return parse_u64(p, key, v, UINT64_MAX, &d->device_pages);
	case K_DEV_RATE:
		return parse_u64(p, key, v, UINT64_MAX, &d->device_rate);
	case K_MAX:
		break;
	}
	return refuse(p, "internal error");
}

/* "region.ID.FIELD" */
static int parse_region(struct parser *p, const char *key, const char *v)
{
	struct vmm_desc *d = p->d;
	const char *field;
	unsigned long long id;
	unsigned int i, bit;
	char *end;
	uint64_t n;
	int r;

	errno = 0;
	id = strtoull(key + strlen("region."), &end, 10);
	if (end == key + strlen("region.") || *end != '.' || errno ||
	    id > UINT16_MAX)
		return refuse(p, "%s names no region id from 0 to %u", key,
			      UINT16_MAX);
	field = end + 1;
	if (!strcmp(field, "gpa"))
		bit = REG_GPA;
	else if (!strcmp(field, "size"))
		bit = REG_SIZE;
	else if (!strcmp(field, "name"))
		bit = REG_NAME;
	else
		return refuse(p, "unknown key %s", key);
	for (i = 0; i < d->nr_regions && d->regions[i].slot != id; i++)
		;
	if (i == d->nr_regions) {
		if (i == VM_MAX_REGIONS)
			return refuse(p, "more than %u regions", VM_MAX_REGIONS);
		d->regions[d->nr_regions++].slot = id;
	}
	if (p->reg_seen[i] & bit)
		return refuse(p, "%s is given twice", key);
	p->reg_seen[i] |= bit;
	if (bit == REG_NAME) {
		if (!*v || strlen(v) >= REGION_NAME_MAX)
			return refuse(p, "%s must have 1 to %u bytes", key,
				      REGION_NAME_MAX - 1);
		return 0;
	}
	r = parse_u64(p, key, v, UINT64_MAX, &n);
	if (bit == REG_GPA)
		d->regions[i].gpa = n;
	else
		d->regions[i].size = n;
	return r;
}

static int parse_line(struct parser *p, char *line)
{
	char *eq = strchr(line, '=');
	unsigned int k;

	if (!eq)
		return refuse(p, "\"%.40s\" is no key=value line", line);
	*eq = '\0';
	if (!strncmp(line, "region.", strlen("region.")))
		return parse_region(p, line, eq + 1);
	for (k = 0; k < K_MAX; k++) {
		if (strcmp(line, key_names[k]))
			continue;
		if (p->seen & (1u << k))
			return refuse(p, "%s is given twice", line);
		p->seen |= 1u << k;
		return parse_key(p, k, eq + 1);
	}
	return refuse(p, "unknown key %.40s", line);
}

/* What every line may be fine about, and the whole still not. */
static int parse_complete(struct parser *p)
{
	const struct vmm_desc *d = p->d;
	unsigned int i, dev = (1u << K_DEV_GPA) | (1u << K_DEV_PAGES) |
			      (1u << K_DEV_RATE) | (1u << K_DEVICE);

	p->line = 0;	/* the text as a whole: no line number */
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!(p->seen & (1u << required[i])))
			return refuse(p, "%s= is missing", key_names[required[i]]);
	}
	if ((p->seen & dev) && (p->seen & dev) != dev)
		return refuse(p, "device=, device.gpa=, device.pages= and device.rate= go together");
	if (!d->nr_regions)
		return refuse(p, "no RAM region");
	for (i = 0; i < d->nr_regions; i++) {
		if (p->reg_seen[i] != REG_ALL)
			return refuse(p, "region %u lacks its name, gpa or size",
				      d->regions[i].slot);
	}
	if (!d->vcpus)
		return refuse(p, "vcpus=0");
	return 0;
}

int __vmm_desc_parse(struct vmm_desc *d, const void *text, size_t len,
		     char *err, size_t errlen)
{
	struct parser p = { .d = d, .err = err, .errlen = errlen };
	char header[32], *buf, *line, *next;
	int r = 0;

	memset(d, 0, sizeof(*d));
	if (!len || len > VMM_DESC_MAX) {
		snprintf(err, errlen, "it is %zu bytes, not 1 to %u", len,
			 VMM_DESC_MAX);
		return -EINVAL;
	}
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "it is not text (a NUL byte)");
		return -EINVAL;
	}
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, text, len);
	buf[len] = '\0';
	snprintf(header, sizeof(header), "%s %d", VMM_DESC_FORMAT,
		 VMM_DESC_VERSION);
	for (line = buf; line && *line && !r; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p.line++;
		if (p.line == 1 && strcmp(line, header))
			r = refuse(&p, "\"%.40s\" is not \"%s\"", line, header);
		else if (p.line > 1)
			r = parse_line(&p, line);
	}
	if (!r)
		r = parse_complete(&p);
	free(buf);
	return r;
}
