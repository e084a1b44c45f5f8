// SPDX-License-Identifier: GPL-2.0
/*
 * livemig: live migration of KVM virtual machines without a cluster.
 *
 * Module init and exit only; each part lives in its own file.
 */
#include <linux/module.h>

#include "livemig.h"

static int __init livemig_init(void)
{
	int err;

	/* Host state first, so that every netlink request finds its host. */
	err = lm_host_init();
	if (err)
		return err;

	err = lm_genl_init();
	if (err)
		goto err_host;

	pr_info("livemig %s loaded\n", LIVEMIG_MODULE_VERSION);
	return 0;

err_host:
	lm_host_exit();
	return err;
}

static void __exit livemig_exit(void)
{
	lm_genl_exit();
	lm_host_exit();
	pr_info("livemig unloaded\n");
}

module_init(livemig_init);
module_exit(livemig_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Live migration of KVM virtual machines without a cluster");
MODULE_VERSION(LIVEMIG_MODULE_VERSION);
MODULE_AUTHOR("The livemig developers");
