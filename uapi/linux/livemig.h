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
 * namespace (GENL_ADMIN_PERM), so a container cannot reconfigure its host;
 * non-admin callers get -EPERM. The exceptions are the VMM's own commands
 * (VM_ADD, VM_DEL), authorised by holding and owning the VM.
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
 * LIVEMIG_CMD_SETTINGS_GET
 *   The host's migration settings, as one message.
 *   Request: no attributes.
 *   Reply (same command): every setting below, plus
 *     LIVEMIG_A_HOST_NAME_DEFAULT: NLA_FLAG, present when no host name was
 *                               set and LIVEMIG_A_HOST_NAME is the node
 *                               name of the caller's UTS namespace.
 *     LIVEMIG_A_PSK_PRESENT:    NLA_FLAG, a key is installed.
 *     LIVEMIG_A_PSK_FINGERPRINT: binary, %LIVEMIG_PSK_FPR_LEN bytes, the
 *                               first bytes of SHA-256("livemig psk
 *                               fingerprint" || key); present with a key.
 *                               The key itself is never sent back.
 *     LIVEMIG_A_NETWORKS:       nest of LIVEMIG_A_NETWORK entries (see
 *                               &enum livemig_network_attr), in priority
 *                               order.
 *     LIVEMIG_A_LISTENERS:      nest of LIVEMIG_A_LISTENER entries (see
 *                               &enum livemig_listener_attr): where the
 *                               host listens now.
 *
 * LIVEMIG_CMD_SETTINGS_SET
 *   Change any subset of the settings in one request. All or nothing: the
 *   whole request is validated first, and a rejected request changes
 *   nothing. A successful change is announced on %LIVEMIG_MCGRP_EVENTS.
 *   Request attributes (each optional):
 *     LIVEMIG_A_ENABLED:        NLA_U8, 0 or 1. Migrations in and out are
 *                               allowed; the host listens. Default 0.
 *     LIVEMIG_A_MAX_MIGRATIONS: NLA_U32, 1..%LIVEMIG_MAX_MIGRATIONS_MAX,
 *                               simultaneous migrations per direction.
 *                               Default 2.
 *     LIVEMIG_A_NETWORK_MODE:   NLA_U8, &enum livemig_network_mode.
 *                               Default %LIVEMIG_NETWORK_ANY.
 *     LIVEMIG_A_NETWORKS:       nest of up to %LIVEMIG_NETWORKS_MAX
 *                               LIVEMIG_A_NETWORK entries: replaces the
 *                               whole list (lmctl setconf uses it); an
 *                               empty nest clears it.
 *     LIVEMIG_A_AUTH:           NLA_U8, &enum livemig_auth. Default
 *                               %LIVEMIG_AUTH_PSK.
 *     LIVEMIG_A_PSK:            binary, exactly %LIVEMIG_PSK_LEN bytes.
 *                               Write-only: kept in kernel memory, never
 *                               dumped, wiped when replaced or unloaded.
 *     LIVEMIG_A_PSK_FILE:       NLA_NUL_STRING, at most
 *                               %LIVEMIG_PATH_MAX - 1 bytes, absolute: the
 *                               file the key came from, shown and written
 *                               back by lmctl showconf. Only together with
 *                               LIVEMIG_A_PSK.
 *     LIVEMIG_A_PERFORMANCE:    NLA_U8, &enum livemig_performance.
 *                               Default %LIVEMIG_PERF_COMPRESSION.
 *     LIVEMIG_A_COMPRESSION:    NLA_U8, &enum livemig_compression.
 *                               Default %LIVEMIG_COMPRESS_LZ4.
 *     LIVEMIG_A_COMPRESSION_LEVEL: NLA_U8, zstd only,
 *                               1..%LIVEMIG_ZSTD_LEVEL_MAX; 0 means the
 *                               algorithm's default (zstd: 3).
 *     LIVEMIG_A_STREAMS:        NLA_U32, 1..%LIVEMIG_STREAMS_MAX data
 *                               connections per migration. Default 1.
 *     LIVEMIG_A_PORT:           NLA_U16, 1..65535, the migration port.
 *                               Default %LIVEMIG_PORT_DEFAULT.
 *     LIVEMIG_A_HOST_NAME:      NLA_NUL_STRING, 1..%LIVEMIG_HOST_NAME_MAX - 1
 *                               bytes of letters, digits, '-', '_' and
 *                               '.'; names the host in the handshake and
 *                               in messages. An empty string restores the
 *                               default (the node name).
 *     LIVEMIG_A_BANDWIDTH:      NLA_U64, bytes per second, 0 = no limit.
 *     LIVEMIG_A_DOWNTIME_MS:    NLA_U32, 1..%LIVEMIG_DOWNTIME_MS_MAX, the
 *                               longest acceptable pause at switch-over.
 *                               Default 300.
 *   Reply: an ack.
 *
 * LIVEMIG_CMD_NETWORK_ADD
 *   Add a migration network and switch the host to
 *   %LIVEMIG_NETWORK_SPECIFIC.
 *   Request: LIVEMIG_A_NETWORK (nest): ADDR and PREFIX_LEN required,
 *   PRIORITY optional (default 0). The prefix must have no host bits set,
 *   and must not be in the list already (-EEXIST).
 *   Reply: an ack.
 *
 * LIVEMIG_CMD_NETWORK_DEL
 *   Remove a migration network. The mode is unchanged: in
 *   %LIVEMIG_NETWORK_SPECIFIC mode an empty list listens nowhere.
 *   Request: LIVEMIG_A_NETWORK (nest): ADDR and PREFIX_LEN. -ENOENT if it
 *   is not in the list.
 *   Reply: an ack.
 *
 * LIVEMIG_CMD_VM_ADD (the VMM contract: registration)
 *   A VMM registers a VM it owns, so that it can be migrated. Not an admin
 *   command: the caller is authorised by holding the VM's file descriptor
 *   and being its owner (the process that created it, same mm). A VM can
 *   be registered once, whatever the namespace. The VM must have the dirty
 *   ring enabled (KVM_CAP_DIRTY_LOG_RING, before its vCPUs exist). The
 *   registration lasts as long as the netlink socket that made it: when
 *   that socket is closed (the VMM exits or is killed), the VM is
 *   unregistered and any migration of it fails cleanly.
 *   Request:
 *     LIVEMIG_A_VM_FD:          NLA_U32, the VM's file descriptor in the
 *                               caller (from KVM_CREATE_VM). Required.
 *     LIVEMIG_A_VM_NAME:        NLA_NUL_STRING, 1..%LIVEMIG_VM_NAME_MAX - 1
 *                               letters, digits, '-', '_' and '.', unique
 *                               on this host. Required.
 *     LIVEMIG_A_VM_CONFIG:      binary, at most %LIVEMIG_VM_CONFIG_MAX
 *                               bytes: the machine description the
 *                               destination's VMM starts from. Opaque to
 *                               the module.
 *     LIVEMIG_A_VM_REGIONS:     nest of 1..%LIVEMIG_VM_REGIONS_MAX
 *                               LIVEMIG_A_VM_REGION entries (see &enum
 *                               livemig_region_attr): the guest RAM to
 *                               move. Pages travel as (region id, offset),
 *                               so the two VMMs may lay out memslots
 *                               differently. Each region must be covered
 *                               by the VM's memslots at the given host
 *                               addresses; regions must not overlap.
 *                               Required.
 *   Reply: an ack. Errors: -EBADF (not a KVM VM), -EPERM (not the VM's
 *   owner), -EEXIST (VM or name already registered), -EINVAL (with a
 *   sentence naming the attribute).
 *
 * LIVEMIG_CMD_VM_DEL
 *   The VMM unregisters a VM: LIVEMIG_A_VM_NAME. Only its owner may.
 *   Reply: an ack; -ENOENT if no such VM on this host, and also for a VM
 *   of another owner unless the caller has CAP_NET_ADMIN (-EPERM then), so
 *   that VM names do not leak to those who may not list them.
 *
 * LIVEMIG_CMD_VM_GET
 *   Admin command. Dump: one message per VM registered on this host, with
 *   LIVEMIG_A_VM_NAME, LIVEMIG_A_VM_PID (NLA_U32, the owner's process id
 *   in the caller's pid namespace, 0 if not visible there),
 *   LIVEMIG_A_VM_MEMORY (NLA_U64, bytes of RAM in its regions) and
 *   LIVEMIG_A_VM_REGIONS (id, name, guest address and size of each).
 *   With LIVEMIG_A_VM_NAME in a do request: that VM only. A dump during
 *   which VMs come or go carries NLM_F_DUMP_INTR: dump again.
 *
 * LIVEMIG_CMD_SETTINGS_NTF
 *   Notification on %LIVEMIG_MCGRP_EVENTS after every successful change
 *   (SETTINGS_SET, NETWORK_ADD, NETWORK_DEL) and when the listening
 *   addresses change: the same attributes as the SETTINGS_GET reply,
 *   except that LIVEMIG_A_HOST_NAME is present only when a name was set
 *   (a notification has no caller whose node name would be the default).
 *   Not a request: sending it is refused.
 *
 * Multicast groups
 * ----------------
 * %LIVEMIG_MCGRP_EVENTS: announcements for monitoring (multicast may drop
 *   messages, so agents resynchronise with a get after ENOBUFS). Joining
 *   it needs CAP_NET_ADMIN in the user namespace that owns the network
 *   namespace (its events concern that namespace only).
 */
#ifndef _UAPI_LINUX_LIVEMIG_H
#define _UAPI_LINUX_LIVEMIG_H

#define LIVEMIG_GENL_NAME	"livemig"
#define LIVEMIG_GENL_VERSION	1
#define LIVEMIG_MCGRP_EVENTS	"events"

/* Longest LIVEMIG_A_VERSION_MODULE string, terminating NUL included. */
#define LIVEMIG_VERSION_STR_MAX		32

#define LIVEMIG_MAX_MIGRATIONS_MAX	64
#define LIVEMIG_STREAMS_MAX		16
#define LIVEMIG_NETWORKS_MAX		64
#define LIVEMIG_PSK_LEN			32
#define LIVEMIG_PSK_FPR_LEN		8
#define LIVEMIG_PATH_MAX		1024
#define LIVEMIG_HOST_NAME_MAX		65
#define LIVEMIG_ZSTD_LEVEL_MAX		22
#define LIVEMIG_DOWNTIME_MS_MAX		600000
#define LIVEMIG_PORT_DEFAULT		6600
#define LIVEMIG_VM_NAME_MAX		65
#define LIVEMIG_VM_CONFIG_MAX		61440
#define LIVEMIG_VM_REGIONS_MAX		32
#define LIVEMIG_REGION_NAME_MAX		32

/**
 * enum livemig_network_mode - which local addresses accept migrations
 * @LIVEMIG_NETWORK_ANY: every address of the host
 * @LIVEMIG_NETWORK_SPECIFIC: only the host's addresses inside the listed
 *	migration networks (none if the list is empty)
 * @__LIVEMIG_NETWORK_MAX: internal
 */
enum livemig_network_mode {
	LIVEMIG_NETWORK_ANY,
	LIVEMIG_NETWORK_SPECIFIC,
	__LIVEMIG_NETWORK_MAX
};

/**
 * enum livemig_auth - how two hosts prove who they are
 * @LIVEMIG_AUTH_PSK: mutual proof of a shared 32-byte key; every stream
 *	encrypted and integrity-protected. Without a key, migrations are
 *	refused.
 * @LIVEMIG_AUTH_NONE: no authentication and no encryption (isolated lab
 *	networks only)
 * @__LIVEMIG_AUTH_MAX: internal
 */
enum livemig_auth {
	LIVEMIG_AUTH_PSK,
	LIVEMIG_AUTH_NONE,
	__LIVEMIG_AUTH_MAX
};

/**
 * enum livemig_performance - how pages travel
 * @LIVEMIG_PERF_TCP: raw pages over TCP (zero pages elided)
 * @LIVEMIG_PERF_COMPRESSION: compressed pages over TCP
 * @LIVEMIG_PERF_RDMA: RDMA
 * @__LIVEMIG_PERF_MAX: internal
 */
enum livemig_performance {
	LIVEMIG_PERF_TCP,
	LIVEMIG_PERF_COMPRESSION,
	LIVEMIG_PERF_RDMA,
	__LIVEMIG_PERF_MAX
};

/**
 * enum livemig_compression - page compression algorithm
 * @LIVEMIG_COMPRESS_LZ4: fast
 * @LIVEMIG_COMPRESS_ZSTD: better ratio, with a level
 * @__LIVEMIG_COMPRESS_MAX: internal
 */
enum livemig_compression {
	LIVEMIG_COMPRESS_LZ4,
	LIVEMIG_COMPRESS_ZSTD,
	__LIVEMIG_COMPRESS_MAX
};

/**
 * enum livemig_cmd - commands of the livemig family
 * @LIVEMIG_CMD_UNSPEC: never used
 * @LIVEMIG_CMD_GET_VERSION: report the module, family and protocol versions
 * @LIVEMIG_CMD_SETTINGS_GET: report the host's settings
 * @LIVEMIG_CMD_SETTINGS_SET: change settings, all or nothing
 * @LIVEMIG_CMD_NETWORK_ADD: add a migration network
 * @LIVEMIG_CMD_NETWORK_DEL: remove a migration network
 * @LIVEMIG_CMD_SETTINGS_NTF: settings changed (notification only)
 * @LIVEMIG_CMD_VM_ADD: a VMM registers its VM
 * @LIVEMIG_CMD_VM_DEL: a VMM unregisters its VM
 * @LIVEMIG_CMD_VM_GET: list the VMs registered on this host
 * @__LIVEMIG_CMD_MAX: internal
 * @LIVEMIG_CMD_MAX: highest command number
 */
enum livemig_cmd {
	LIVEMIG_CMD_UNSPEC,
	LIVEMIG_CMD_GET_VERSION,
	LIVEMIG_CMD_SETTINGS_GET,
	LIVEMIG_CMD_SETTINGS_SET,
	LIVEMIG_CMD_NETWORK_ADD,
	LIVEMIG_CMD_NETWORK_DEL,
	LIVEMIG_CMD_SETTINGS_NTF,
	LIVEMIG_CMD_VM_ADD,
	LIVEMIG_CMD_VM_DEL,
	LIVEMIG_CMD_VM_GET,

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
 * @LIVEMIG_A_ENABLED: NLA_U8, migrations allowed (0 or 1)
 * @LIVEMIG_A_MAX_MIGRATIONS: NLA_U32, simultaneous migrations per direction
 * @LIVEMIG_A_NETWORK_MODE: NLA_U8, &enum livemig_network_mode
 * @LIVEMIG_A_NETWORKS: nest of LIVEMIG_A_NETWORK
 * @LIVEMIG_A_NETWORK: nest, &enum livemig_network_attr
 * @LIVEMIG_A_AUTH: NLA_U8, &enum livemig_auth
 * @LIVEMIG_A_PSK: binary, the pre-shared key (write-only)
 * @LIVEMIG_A_PSK_FILE: NLA_NUL_STRING, where the key came from
 * @LIVEMIG_A_PSK_PRESENT: NLA_FLAG, a key is installed (reply only)
 * @LIVEMIG_A_PSK_FINGERPRINT: binary, key fingerprint (reply only)
 * @LIVEMIG_A_PERFORMANCE: NLA_U8, &enum livemig_performance
 * @LIVEMIG_A_COMPRESSION: NLA_U8, &enum livemig_compression
 * @LIVEMIG_A_COMPRESSION_LEVEL: NLA_U8, zstd level, 0 = default
 * @LIVEMIG_A_STREAMS: NLA_U32, data connections per migration
 * @LIVEMIG_A_PORT: NLA_U16, the migration port
 * @LIVEMIG_A_HOST_NAME: NLA_NUL_STRING, the host's name
 * @LIVEMIG_A_HOST_NAME_DEFAULT: NLA_FLAG, the name is the default (reply only)
 * @LIVEMIG_A_BANDWIDTH: NLA_U64, bytes per second, 0 = no limit
 * @LIVEMIG_A_DOWNTIME_MS: NLA_U32, downtime limit in milliseconds
 * @LIVEMIG_A_LISTENERS: nest of LIVEMIG_A_LISTENER (reply only)
 * @LIVEMIG_A_LISTENER: nest, &enum livemig_listener_attr
 * @LIVEMIG_A_VM_FD: NLA_U32, a VM file descriptor of the caller
 * @LIVEMIG_A_VM_NAME: NLA_NUL_STRING, the VM's name on this host
 * @LIVEMIG_A_VM_CONFIG: binary, the VMM's machine description
 * @LIVEMIG_A_VM_REGIONS: nest of LIVEMIG_A_VM_REGION
 * @LIVEMIG_A_VM_REGION: nest, &enum livemig_region_attr
 * @LIVEMIG_A_VM_PID: NLA_U32, the owning VMM's pid (reply only)
 * @LIVEMIG_A_VM_MEMORY: NLA_U64, bytes of guest RAM (reply only)
 * @__LIVEMIG_A_MAX: internal
 * @LIVEMIG_A_MAX: highest attribute number
 */
enum livemig_attr {
	LIVEMIG_A_UNSPEC,
	LIVEMIG_A_VERSION_MODULE,
	LIVEMIG_A_VERSION_GENL,
	LIVEMIG_A_VERSION_PROTO,
	LIVEMIG_A_VERSION_PROTO_MIN,
	LIVEMIG_A_ENABLED,
	LIVEMIG_A_MAX_MIGRATIONS,
	LIVEMIG_A_NETWORK_MODE,
	LIVEMIG_A_NETWORKS,
	LIVEMIG_A_NETWORK,
	LIVEMIG_A_AUTH,
	LIVEMIG_A_PSK,
	LIVEMIG_A_PSK_FILE,
	LIVEMIG_A_PSK_PRESENT,
	LIVEMIG_A_PSK_FINGERPRINT,
	LIVEMIG_A_PERFORMANCE,
	LIVEMIG_A_COMPRESSION,
	LIVEMIG_A_COMPRESSION_LEVEL,
	LIVEMIG_A_STREAMS,
	LIVEMIG_A_PORT,
	LIVEMIG_A_HOST_NAME,
	LIVEMIG_A_HOST_NAME_DEFAULT,
	LIVEMIG_A_BANDWIDTH,
	LIVEMIG_A_DOWNTIME_MS,
	LIVEMIG_A_LISTENERS,
	LIVEMIG_A_LISTENER,
	LIVEMIG_A_VM_FD,
	LIVEMIG_A_VM_NAME,
	LIVEMIG_A_VM_CONFIG,
	LIVEMIG_A_VM_REGIONS,
	LIVEMIG_A_VM_REGION,
	LIVEMIG_A_VM_PID,
	LIVEMIG_A_VM_MEMORY,

	/* add new attributes above here */
	__LIVEMIG_A_MAX,
	LIVEMIG_A_MAX = __LIVEMIG_A_MAX - 1
};

/**
 * enum livemig_network_attr - a migration network (LIVEMIG_A_NETWORK)
 * @LIVEMIG_NETWORK_A_UNSPEC: never used
 * @LIVEMIG_NETWORK_A_ADDR: binary, 4 bytes (IPv4) or 16 bytes (IPv6), the
 *	prefix's address in network byte order; host bits must be zero
 * @LIVEMIG_NETWORK_A_PREFIX_LEN: NLA_U8, 0..32 (IPv4) or 0..128 (IPv6)
 * @LIVEMIG_NETWORK_A_PRIORITY: NLA_U32, lower is preferred; default 0
 * @__LIVEMIG_NETWORK_A_MAX: internal
 * @LIVEMIG_NETWORK_A_MAX: highest attribute number
 */
enum livemig_network_attr {
	LIVEMIG_NETWORK_A_UNSPEC,
	LIVEMIG_NETWORK_A_ADDR,
	LIVEMIG_NETWORK_A_PREFIX_LEN,
	LIVEMIG_NETWORK_A_PRIORITY,

	__LIVEMIG_NETWORK_A_MAX,
	LIVEMIG_NETWORK_A_MAX = __LIVEMIG_NETWORK_A_MAX - 1
};

/**
 * enum livemig_listener_attr - a listening address (LIVEMIG_A_LISTENER)
 * @LIVEMIG_LISTENER_A_UNSPEC: never used
 * @LIVEMIG_LISTENER_A_ADDR: binary, 4 or 16 bytes; all zeroes for the
 *	wildcard of %LIVEMIG_NETWORK_ANY
 * @LIVEMIG_LISTENER_A_PORT: NLA_U16, the port
 * @__LIVEMIG_LISTENER_A_MAX: internal
 * @LIVEMIG_LISTENER_A_MAX: highest attribute number
 */
enum livemig_listener_attr {
	LIVEMIG_LISTENER_A_UNSPEC,
	LIVEMIG_LISTENER_A_ADDR,
	LIVEMIG_LISTENER_A_PORT,

	__LIVEMIG_LISTENER_A_MAX,
	LIVEMIG_LISTENER_A_MAX = __LIVEMIG_LISTENER_A_MAX - 1
};

/**
 * enum livemig_region_attr - a guest RAM region (LIVEMIG_A_VM_REGION)
 * @LIVEMIG_REGION_A_UNSPEC: never used
 * @LIVEMIG_REGION_A_ID: NLA_U32, the VMM's id for the region, unique in
 *	the VM; the destination VMM must announce the same ids
 * @LIVEMIG_REGION_A_NAME: NLA_NUL_STRING, at most
 *	%LIVEMIG_REGION_NAME_MAX - 1 bytes, for messages ("ram-below-4g")
 * @LIVEMIG_REGION_A_GPA: NLA_U64, guest physical address, page aligned
 * @LIVEMIG_REGION_A_SIZE: NLA_U64, bytes, a non-zero multiple of the page
 *	size
 * @LIVEMIG_REGION_A_HVA: NLA_U64, where the VMM maps it, page aligned
 *	(VM_ADD only; never reported)
 * @LIVEMIG_REGION_A_DIRTY_BITMAP: NLA_U64, address in the VMM of its own
 *	dirty bitmap for the region (one bit per page, bit n of the array of
 *	unsigned longs for page n), where it records what it writes from
 *	userspace; 0 if it never writes guest memory (VM_ADD only)
 * @__LIVEMIG_REGION_A_MAX: internal
 * @LIVEMIG_REGION_A_MAX: highest attribute number
 */
enum livemig_region_attr {
	LIVEMIG_REGION_A_UNSPEC,
	LIVEMIG_REGION_A_ID,
	LIVEMIG_REGION_A_NAME,
	LIVEMIG_REGION_A_GPA,
	LIVEMIG_REGION_A_SIZE,
	LIVEMIG_REGION_A_HVA,
	LIVEMIG_REGION_A_DIRTY_BITMAP,

	__LIVEMIG_REGION_A_MAX,
	LIVEMIG_REGION_A_MAX = __LIVEMIG_REGION_A_MAX - 1
};

#endif /* _UAPI_LINUX_LIVEMIG_H */
