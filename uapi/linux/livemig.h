/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * livemig: live migration of KVM virtual machines without a cluster.
 *
 * The generic netlink family "livemig" is the one interface of the module:
 * lmctl, VMMs and management agents all speak it. This header is its
 * reference documentation; Documentation/netlink/specs/livemig.yaml says the
 * same in the YNL schema, and a test checks that the two agree.
 *
 * Family
 * ------
 * Name %LIVEMIG_GENL_NAME, version %LIVEMIG_GENL_VERSION. The family is
 * network-namespace aware: every network namespace is one migration "host"
 * with its own state. All attributes are validated strictly; unknown
 * attributes are rejected. A rejected request changes nothing, and its
 * extended ack carries a sentence and the offending attribute.
 *
 * Privileges: every command below needs CAP_NET_ADMIN in the initial user
 * namespace (GENL_ADMIN_PERM), so a container cannot reconfigure its host.
 * Non-admin callers get -EPERM.
 *
 * Commands
 * --------
 * LIVEMIG_CMD_GET_VERSION
 *   Request: no attributes.
 *   Reply (one message, same command):
 *     LIVEMIG_A_VERSION_MODULE: NLA_NUL_STRING, the module's version,
 *                               "MAJOR.MINOR.PATCH", at most 31 bytes.
 *     LIVEMIG_A_VERSION_GENL:   NLA_U32, %LIVEMIG_GENL_VERSION.
 *     LIVEMIG_A_VERSION_PROTO:  NLA_U32, the newest wire protocol version
 *                               this module speaks.
 *     LIVEMIG_A_VERSION_PROTO_MIN: NLA_U32, the oldest wire protocol
 *                               version it still accepts from a peer.
 *
 * Multicast groups
 * ----------------
 * %LIVEMIG_MCGRP_EVENTS: announcements for monitoring (multicast may drop
 *   messages, so agents resynchronise with a get after ENOBUFS). Joining
 *   it needs CAP_NET_ADMIN in the namespace's user namespace.
 */
#ifndef _UAPI_LINUX_LIVEMIG_H
#define _UAPI_LINUX_LIVEMIG_H

#define LIVEMIG_GENL_NAME	"livemig"
#define LIVEMIG_GENL_VERSION	1
#define LIVEMIG_MCGRP_EVENTS	"events"

/* Longest LIVEMIG_A_VERSION_MODULE string, terminating NUL included. */
#define LIVEMIG_VERSION_STR_MAX	32

/**
 * enum livemig_cmd - commands of the livemig family
 * @LIVEMIG_CMD_UNSPEC: never used
 * @LIVEMIG_CMD_GET_VERSION: report the module, family and protocol versions
 * @__LIVEMIG_CMD_MAX: internal
 * @LIVEMIG_CMD_MAX: highest command number
 */
enum livemig_cmd {
	LIVEMIG_CMD_UNSPEC,
	LIVEMIG_CMD_GET_VERSION,

	/* add new commands above here */
	__LIVEMIG_CMD_MAX,
	LIVEMIG_CMD_MAX = __LIVEMIG_CMD_MAX - 1
};

/**
 * enum livemig_attr - top-level attributes of the livemig family
 * @LIVEMIG_A_UNSPEC: never used
 * @LIVEMIG_A_VERSION_MODULE: NLA_NUL_STRING, module version
 * @LIVEMIG_A_VERSION_GENL: NLA_U32, family version
 * @LIVEMIG_A_VERSION_PROTO: NLA_U32, newest wire protocol version spoken
 * @LIVEMIG_A_VERSION_PROTO_MIN: NLA_U32, oldest wire protocol version accepted
 * @__LIVEMIG_A_MAX: internal
 * @LIVEMIG_A_MAX: highest attribute number
 */
enum livemig_attr {
	LIVEMIG_A_UNSPEC,
	LIVEMIG_A_VERSION_MODULE,
	LIVEMIG_A_VERSION_GENL,
	LIVEMIG_A_VERSION_PROTO,
	LIVEMIG_A_VERSION_PROTO_MIN,

	/* add new attributes above here */
	__LIVEMIG_A_MAX,
	LIVEMIG_A_MAX = __LIVEMIG_A_MAX - 1
};

#endif /* _UAPI_LINUX_LIVEMIG_H */
