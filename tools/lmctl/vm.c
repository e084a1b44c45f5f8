// SPDX-License-Identifier: GPL-2.0
/*
 * lmctl vm: the VMs that VMMs registered on this host (VM_GET, a dump),
 * as a table for people or as JSON (-j), whose member names and order are
 * a stable interface (lmctl.8). Registering is the VMM's business, not
 * lmctl's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lmctl.h"
#include "parse.h"
#include "vm.h"

static int lm_vm_reply(struct nlattr **tb, void *arg)
{
	struct lm_vm_list *l = arg;
	struct lm_vm_entry *e;
	struct nlattr *a;
	int rem;

	if (!tb[LIVEMIG_A_VM_NAME])
		return -EBADMSG;
	e = lm_grow((void **)&l->vms, l->n, &l->cap, sizeof(*e));
	if (!e)
		return -ENOMEM;
	l->n++;
	nla_strlcpy(e->name, tb[LIVEMIG_A_VM_NAME], sizeof(e->name));
	if (tb[LIVEMIG_A_VM_PID])
		e->pid = nla_get_u32(tb[LIVEMIG_A_VM_PID]);
	if (tb[LIVEMIG_A_VM_MEMORY])
		e->memory = nla_get_u64(tb[LIVEMIG_A_VM_MEMORY]);
	if (tb[LIVEMIG_A_VM_REGIONS])
		nla_for_each_nested(a, tb[LIVEMIG_A_VM_REGIONS], rem)
			if (nla_type(a) == LIVEMIG_A_VM_REGION)
				e->n_regions++;
	return 0;
}

static void lm_vms_clear(void *l)
{
	lm_vms_free(l);
}

/**
 * lm_vms_fetch() - connect, get the VMs (VM_GET), tell the user why not
 * @l: filled in; free with lm_vms_free()
 * @optional: a module without VM_GET is no error: @l->unsupported is set
 *
 * Return: %LMCTL_EXIT_OK, or %LMCTL_EXIT_ERROR after a message.
 */
int lm_vms_fetch(struct lm_vm_list *l, bool optional)
{
	int err;

	memset(l, 0, sizeof(*l));
	err = lm_nl_fetch(LIVEMIG_CMD_VM_GET, lm_vm_reply, l, lm_vms_clear,
			  "list VMs", optional ? NULL :
			  "the livemig module has no VM registration (too old)");
	if (err == -EOPNOTSUPP) {
		l->unsupported = true;
		return LMCTL_EXIT_OK;
	}
	return err;
}

void lm_vms_free(struct lm_vm_list *l)
{
	free(l->vms);
	memset(l, 0, sizeof(*l));
}

/**
 * lm_vms_print() - the table of vm list
 * @f: where
 * @l: the VMs
 */
void lm_vms_print(FILE *f, const struct lm_vm_list *l)
{
	char mem[LM_BYTES_STR_MAX], pid[16];
	int w = (int)strlen("NAME");
	unsigned int i;

	if (!l->n) {
		fprintf(f, "no VM is registered on this host\n");
		return;
	}
	for (i = 0; i < l->n; i++)
		if ((int)strlen(l->vms[i].name) > w)
			w = (int)strlen(l->vms[i].name);
	fprintf(f, "%-*s  %8s  %10s  %s\n", w, "NAME", "PID", "MEMORY", "REGIONS");
	for (i = 0; i < l->n; i++) {
		const struct lm_vm_entry *e = &l->vms[i];

		lm_format_bytes(mem, sizeof(mem), e->memory);
		if (e->pid)
			snprintf(pid, sizeof(pid), "%u", e->pid);
		else
			snprintf(pid, sizeof(pid), "-");
		fprintf(f, "%-*s  %8s  %10s  %u\n", w, e->name, pid, mem,
			e->n_regions);
	}
}

/**
 * lm_vms_show() - the VMs section of show: names and memory
 * @f: where
 * @l: the VMs
 */
void lm_vms_show(FILE *f, const struct lm_vm_list *l)
{
	char mem[LM_BYTES_STR_MAX];
	int w = 0;
	unsigned int i;

	if (l->unsupported)
		return;
	if (!l->n) {
		fprintf(f, "VMs: none registered\n");
		return;
	}
	fprintf(f, "VMs:\n");
	for (i = 0; i < l->n; i++)
		if ((int)strlen(l->vms[i].name) > w)
			w = (int)strlen(l->vms[i].name);
	for (i = 0; i < l->n; i++) {
		lm_format_bytes(mem, sizeof(mem), l->vms[i].memory);
		fprintf(f, "  %-*s  %s\n", w, l->vms[i].name, mem);
	}
}

/**
 * lm_vms_json() - the VMs as an array of objects
 * @j: inside an object (or at the top level with @key NULL)
 * @key: member name
 * @l: the VMs
 *
 * Each VM is {"name", "pid" (0: not visible), "memory" (bytes),
 * "regions" (how many)}, in that order.
 */
void lm_vms_json(struct lm_json *j, const char *key, const struct lm_vm_list *l)
{
	unsigned int i;

	lm_json_arr(j, key);
	for (i = 0; i < l->n; i++) {
		lm_json_obj(j, NULL);
		lm_json_str(j, "name", l->vms[i].name);
		lm_json_u64(j, "pid", l->vms[i].pid);
		lm_json_u64(j, "memory", l->vms[i].memory);
		lm_json_u64(j, "regions", l->vms[i].n_regions);
		lm_json_end_obj(j);
	}
	lm_json_end_arr(j);
}

static int lm_vm_list_cmd(const struct lmctl_cmd *cmd,
			  const struct lmctl_opts *opts, int argc, char **argv)
{
	struct lm_vm_list l;
	struct lm_json j;
	int ret;

	if (argc)
		return lmctl_arg_error(cmd, argv[0]);
	ret = lm_vms_fetch(&l, false);
	if (ret) {
		lm_vms_free(&l);
		return ret;
	}
	if (opts->json) {
		lm_json_init(&j, stdout);
		lm_json_obj(&j, NULL);
		lm_vms_json(&j, "vms", &l);
		lm_json_end_obj(&j);
	} else {
		lm_vms_print(stdout, &l);
	}
	lm_vms_free(&l);
	return LMCTL_EXIT_OK;
}

int lmctl_cmd_vm(const struct lmctl_opts *gopts, int argc, char **argv)
{
	const struct lmctl_cmd *cmd = lmctl_find("vm");
	struct lmctl_opts opts = *gopts;
	const char *sub;

	argc = lmctl_take_json(&opts, argc, argv);
	if (!argc)
		return lmctl_usage_error(cmd, "missing subcommand (list)");
	sub = argv[0];
	if (!strcmp(sub, "list"))
		return lm_vm_list_cmd(cmd, &opts, argc - 1, argv + 1);
	if (sub[0] == '-')
		return lmctl_arg_error(cmd, sub);
	return lmctl_usage_error(cmd, "unknown subcommand '%s'", sub);
}
