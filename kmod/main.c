// SPDX-License-Identifier: GPL-2.0
/*
 * livemig: live migration of KVM virtual machines without a cluster.
 *
 * Module init and exit only; each part lives in its own file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "fault.h"
#include "livemig.h"

static int __init livemig_init(void)
{
	int err;

	/* Host state first, so that every netlink request finds its host. */
	err = lm_host_init();
	if (err)
		return err;

	err = lm_listen_init();
	if (err)
		goto err_host;

	err = lm_vm_init();
	if (err)
		goto err_listen;

	err = lm_genl_init();
	if (err)
		goto err_vm;

	lm_fault_init();
	pr_info("version %s loaded\n", LIVEMIG_MODULE_VERSION);
	return 0;

err_vm:
	lm_vm_exit();
err_listen:
	lm_listen_exit();
err_host:
	lm_host_exit();
	return err;
}

static void __exit livemig_exit(void)
{
	lm_fault_exit();
	/* Address events first: their work announces on the family. */
	lm_listen_exit();
	lm_vm_exit();
	lm_genl_exit();
	/* Unregisters the VMs still registered, with their hosts. */
	lm_host_exit();
	pr_info("unloaded\n");
}

module_init(livemig_init);
module_exit(livemig_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Live migration of KVM virtual machines without a cluster");
MODULE_VERSION(LIVEMIG_MODULE_VERSION);
MODULE_AUTHOR("The livemig developers");
/* Kernel TLS is set on each stream by name: have it loaded first. */
MODULE_SOFTDEP("pre: tls");
