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
 * (VM_ADD, VM_DEL, VM_ACK, VM_STATE_PUT, VM_STATE_GET), authorised by
 * holding and owning the VM.
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
 *     LIVEMIG_A_CANCEL_ACTIVE:  NLA_FLAG, only with LIVEMIG_A_ENABLED 0
 *                               (lmctl disable --now): once disabled, also
 *                               cancel every migration in progress, both
 *                               directions, queued ones included; those
 *                               that sent or recorded COMMIT finish.
 *                               Without it they all finish.
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
 * LIVEMIG_CMD_VM_ADD with LIVEMIG_A_MIG_ID (the VMM contract, destination)
 *   A destination VMM, started for an incoming migration, attaches its
 *   empty, paused VM to it: same attributes as a registration, plus the
 *   incoming migration's id. Its regions must have the ids and sizes the
 *   source announced (the guest addresses too). The module then writes
 *   guest pages straight into that memory. Errors as above, plus -ENOENT
 *   (no such incoming migration waiting for a VMM) and -EINVAL (regions
 *   differ, with a sentence).
 *
 * LIVEMIG_CMD_MIGRATE (admin)
 *   Start moving a registered VM to another host. Never blocks: the
 *   migration runs in the kernel; follow it with MIG_GET or the events.
 *   Request:
 *     LIVEMIG_A_VM_NAME:        the VM, registered on this host. Required.
 *     LIVEMIG_A_PEER_ADDR:      binary, 4 or 16 bytes: the destination's
 *                               migration address. Required.
 *     LIVEMIG_A_PEER_PORT:      NLA_U16, default this host's port setting.
 *   Reply (same command): LIVEMIG_A_MIG_ID, the migration's local id.
 *   Errors, each with a sentence: migrations disabled on this host, VM not
 *   registered, VM already migrating, performance option not available.
 *
 * LIVEMIG_CMD_MIG_GET (admin)
 *   Dump: every migration of this host, active and recently finished
 *   (kept for an hour), outgoing and incoming. With LIVEMIG_A_MIG_ID in a
 *   do request: that one. Each message: LIVEMIG_A_MIG_ID, LIVEMIG_A_MIG_UUID,
 *   LIVEMIG_A_MIG_DIRECTION, LIVEMIG_A_VM_NAME, LIVEMIG_A_MIG_STATE,
 *   LIVEMIG_A_PEER_ADDR, LIVEMIG_A_PEER_PORT, LIVEMIG_A_PEER_NAME (once
 *   known), LIVEMIG_A_DATA_ADDR (the address pages travel to, once known),
 *   LIVEMIG_A_VM_MEMORY, LIVEMIG_A_MIG_STATS, LIVEMIG_A_MIG_ERROR (a
 *   sentence naming the host, the phase and the cause, when it failed).
 *
 * LIVEMIG_CMD_MIG_CANCEL (admin)
 *   LIVEMIG_A_MIG_ID. Cancels before COMMIT: the VM resumes on the source
 *   and the destination discards its copy. -EBUSY once COMMIT was sent,
 *   -ENOENT if no such active migration.
 *
 * LIVEMIG_CMD_MIG_RESOLVE (admin)
 *   LIVEMIG_A_MIG_ID and LIVEMIG_A_RESUME_SOURCE: an operator who has
 *   checked that the destination does not run the VM resumes it on the
 *   source after a migration ended in-doubt. -EINVAL for any other state,
 *   -EBUSY while a resolve is under way. The reply comes at once; the VMM
 *   is asked to resume afterwards, and the migration then turns failed
 *   (MIG_NTF) with LIVEMIG_A_MIG_ERROR %LIVEMIG_RESOLVED_MSG when the VM
 *   runs again, or a sentence saying why it does not.
 *
 * LIVEMIG_CMD_MIG_NTF
 *   On %LIVEMIG_MCGRP_EVENTS whenever a migration changes state: the same
 *   attributes as a MIG_GET message. Not a request.
 *
 * LIVEMIG_CMD_AGENT_SET (admin)
 *   The caller's socket becomes this host's agent: it receives
 *   LIVEMIG_CMD_INCOMING for every accepted incoming migration, until the
 *   socket is closed. -EBUSY if another live agent is registered.
 *
 * LIVEMIG_CMD_INCOMING (module to the agent, unicast)
 *   An incoming migration waits for a destination VMM: LIVEMIG_A_MIG_ID,
 *   LIVEMIG_A_VM_NAME, LIVEMIG_A_VM_CONFIG, LIVEMIG_A_VM_REGIONS (id,
 *   name, guest address and size), LIVEMIG_A_VCPUS, LIVEMIG_A_PEER_NAME.
 *   The agent starts a VMM, which attaches with VM_ADD + LIVEMIG_A_MIG_ID
 *   within the VMM timeout (10 s), or refuses with MIG_REFUSE.
 *
 * LIVEMIG_CMD_MIG_REFUSE (admin)
 *   The destination's agent or VMM refuses an incoming migration:
 *   LIVEMIG_A_MIG_ID, LIVEMIG_A_REASON (sent to the source as the cause).
 *
 * LIVEMIG_CMD_VMM_REQUEST (module to a VMM, unicast)
 *   LIVEMIG_A_REQ_ID (answer with it), LIVEMIG_A_REQ (&enum
 *   livemig_vmm_req), LIVEMIG_A_VM_NAME, LIVEMIG_A_MIG_ID. The VMM answers
 *   every request with VM_ACK within the VMM timeout (10 s); no answer is
 *   a failure of the migration (before COMMIT, the VM stays on the source).
 *
 * LIVEMIG_CMD_VM_ACK (VMM)
 *   LIVEMIG_A_REQ_ID, LIVEMIG_A_ERRNO (NLA_U32, 0 = done, else a positive
 *   errno), LIVEMIG_A_REASON (optional sentence). Only the socket that
 *   registered the VM may answer its requests.
 *
 * LIVEMIG_CMD_VM_STATE_PUT (VMM, source, while handling PAUSE)
 *   One chunk of the VM's state (&struct livemig_state_rec records):
 *   LIVEMIG_A_VM_NAME, LIVEMIG_A_STATE_OFFSET (bytes so far: chunks come
 *   in order), LIVEMIG_A_STATE_DATA (at most %LIVEMIG_STATE_CHUNK_MAX
 *   bytes). The VM_ACK of the PAUSE ends the state, which must then
 *   hold whole records and at most %LIVEMIG_STATE_MAX bytes.
 *
 * LIVEMIG_CMD_VM_STATE_GET (VMM, destination, while handling LOAD)
 *   Dump with LIVEMIG_A_VM_NAME: the received state in chunks, each with
 *   LIVEMIG_A_STATE_OFFSET and LIVEMIG_A_STATE_DATA.
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

#include <linux/types.h>

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
#define LIVEMIG_STATE_CHUNK_MAX		32768
#define LIVEMIG_STATE_MAX		(16 << 20)
/* LIVEMIG_A_MIG_ERROR of a migration resolved with the VM resumed */
#define LIVEMIG_RESOLVED_MSG	"resolved by the operator: the VM resumed on the source"
#define LIVEMIG_REASON_MAX		256
#define LIVEMIG_UUID_LEN		16
#define LIVEMIG_VCPUS_MAX		1024

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
 * enum livemig_mig_state - where a migration is (LIVEMIG_A_MIG_STATE)
 * @LIVEMIG_MIG_QUEUED: waiting for a local budget or after a BUSY reply
 * @LIVEMIG_MIG_CONNECTING: opening the control connection
 * @LIVEMIG_MIG_AUTHENTICATING: HELLO and AUTH
 * @LIVEMIG_MIG_SETUP: announcing the VM; the destination starts its VMM
 * @LIVEMIG_MIG_PRECOPY: copying memory while the guest runs
 * @LIVEMIG_MIG_STOPCOPY: guest paused, the rest of memory and the state
 * @LIVEMIG_MIG_LOADING: the destination VMM loads the state
 * @LIVEMIG_MIG_COMMITTING: READY, COMMIT, COMMITTED
 * @LIVEMIG_MIG_COMPLETED: the VM runs on the destination
 * @LIVEMIG_MIG_CANCELLED: cancelled; the VM runs on the source
 * @LIVEMIG_MIG_FAILED: failed before COMMIT; the VM runs on the source
 * @LIVEMIG_MIG_IN_DOUBT: COMMIT sent, no answer: the VM stays paused on
 *	the source until the outcome is learnt or an operator resolves it
 * @__LIVEMIG_MIG_MAX: internal
 */
enum livemig_mig_state {
	LIVEMIG_MIG_QUEUED,
	LIVEMIG_MIG_CONNECTING,
	LIVEMIG_MIG_AUTHENTICATING,
	LIVEMIG_MIG_SETUP,
	LIVEMIG_MIG_PRECOPY,
	LIVEMIG_MIG_STOPCOPY,
	LIVEMIG_MIG_LOADING,
	LIVEMIG_MIG_COMMITTING,
	LIVEMIG_MIG_COMPLETED,
	LIVEMIG_MIG_CANCELLED,
	LIVEMIG_MIG_FAILED,
	LIVEMIG_MIG_IN_DOUBT,
	__LIVEMIG_MIG_MAX
};

/**
 * enum livemig_direction - which end of a migration this host is
 * @LIVEMIG_DIR_OUT: source
 * @LIVEMIG_DIR_IN: destination
 * @__LIVEMIG_DIR_MAX: internal
 */
enum livemig_direction {
	LIVEMIG_DIR_OUT,
	LIVEMIG_DIR_IN,
	__LIVEMIG_DIR_MAX
};

/**
 * enum livemig_vmm_req - requests to a VMM (LIVEMIG_A_REQ)
 * @LIVEMIG_REQ_UNSPEC: never used
 * @LIVEMIG_REQ_PREPARE: source: turn on KVM_MEM_LOG_DIRTY_PAGES on every
 *	memslot of the regions (flags only), then acknowledge
 * @LIVEMIG_REQ_PAUSE: source: stop every vCPU (all out of KVM_RUN, none
 *	entering it again), quiesce devices, send the state with
 *	VM_STATE_PUT, then acknowledge
 * @LIVEMIG_REQ_RESUME: source: the migration ended without moving the VM:
 *	turn dirty logging off and run as before
 * @LIVEMIG_REQ_COMPLETED: source: the VM runs on the destination and is
 *	dead here (KVM_RUN fails): exit
 * @LIVEMIG_REQ_LOAD: destination: memory is complete; fetch the state
 *	with VM_STATE_GET, load it into the paused VM, acknowledge (the error
 *	travels to the source)
 * @LIVEMIG_REQ_RUN: destination: COMMIT received; run the vCPUs
 * @LIVEMIG_REQ_DISCARD: destination: the migration was abandoned before
 *	COMMIT; destroy the VM and exit
 * @__LIVEMIG_REQ_MAX: internal
 */
enum livemig_vmm_req {
	LIVEMIG_REQ_UNSPEC,
	LIVEMIG_REQ_PREPARE,
	LIVEMIG_REQ_PAUSE,
	LIVEMIG_REQ_RESUME,
	LIVEMIG_REQ_COMPLETED,
	LIVEMIG_REQ_LOAD,
	LIVEMIG_REQ_RUN,
	LIVEMIG_REQ_DISCARD,
	__LIVEMIG_REQ_MAX
};

/**
 * enum livemig_state_type - records of a VM's state (struct livemig_state_rec)
 * @LIVEMIG_STATE_END: never sent (reserved)
 * @LIVEMIG_STATE_REGS: struct kvm_regs of one vCPU
 * @LIVEMIG_STATE_SREGS: struct kvm_sregs
 * @LIVEMIG_STATE_XSAVE: struct kvm_xsave (KVM_GET_XSAVE2 size allowed)
 * @LIVEMIG_STATE_XCRS: struct kvm_xcrs
 * @LIVEMIG_STATE_MSRS: struct kvm_msrs header and its entries
 * @LIVEMIG_STATE_LAPIC: struct kvm_lapic_state
 * @LIVEMIG_STATE_EVENTS: struct kvm_vcpu_events
 * @LIVEMIG_STATE_MP_STATE: struct kvm_mp_state
 * @LIVEMIG_STATE_DEBUGREGS: struct kvm_debugregs
 * @LIVEMIG_STATE_TSC_KHZ: __u32, the vCPU's TSC frequency (KVM_GET_TSC_KHZ)
 * @LIVEMIG_STATE_TSC: __u64, the vCPU's guest TSC (MSR 0x10) at pause
 * @LIVEMIG_STATE_CLOCK: struct kvm_clock_data, VM-wide (vcpu 0), from
 *	KVM_GET_CLOCK with KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC when the
 *	host provides them
 * @LIVEMIG_STATE_DEVICE: the VMM's own device state, opaque to the module
 * @LIVEMIG_STATE_CPUID: struct kvm_cpuid2 and entries of one vCPU, for the
 *	destination's compatibility check
 * @__LIVEMIG_STATE_MAX: internal
 */
enum livemig_state_type {
	LIVEMIG_STATE_END,
	LIVEMIG_STATE_REGS,
	LIVEMIG_STATE_SREGS,
	LIVEMIG_STATE_XSAVE,
	LIVEMIG_STATE_XCRS,
	LIVEMIG_STATE_MSRS,
	LIVEMIG_STATE_LAPIC,
	LIVEMIG_STATE_EVENTS,
	LIVEMIG_STATE_MP_STATE,
	LIVEMIG_STATE_DEBUGREGS,
	LIVEMIG_STATE_TSC_KHZ,
	LIVEMIG_STATE_TSC,
	LIVEMIG_STATE_CLOCK,
	LIVEMIG_STATE_DEVICE,
	LIVEMIG_STATE_CPUID,
	__LIVEMIG_STATE_MAX
};

/**
 * struct livemig_state_rec - header of one record of a VM's state
 * @type: &enum livemig_state_type
 * @vcpu: vCPU index, 0 for VM-wide records
 * @len: payload bytes after this header; the next record starts at the
 *	next multiple of 8
 * @reserved: zero
 *
 * The state a VMM sends at PAUSE and fetches at LOAD is a sequence of
 * records in native byte order (both ends are x86-64). The module checks
 * only the framing; the destination VMM checks the contents.
 */
struct livemig_state_rec {
	__u32 type;
	__u32 vcpu;
	__u32 len;
	__u32 reserved;
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
 * @LIVEMIG_CMD_MIGRATE: start moving a VM to another host
 * @LIVEMIG_CMD_MIG_GET: list migrations and their statistics
 * @LIVEMIG_CMD_MIG_CANCEL: cancel a migration before COMMIT
 * @LIVEMIG_CMD_MIG_RESOLVE: resume the source of an in-doubt migration
 * @LIVEMIG_CMD_MIG_NTF: a migration changed state (notification only)
 * @LIVEMIG_CMD_AGENT_SET: become the host's agent for incoming migrations
 * @LIVEMIG_CMD_INCOMING: an incoming migration needs a VMM (to the agent)
 * @LIVEMIG_CMD_MIG_REFUSE: the destination refuses an incoming migration
 * @LIVEMIG_CMD_VMM_REQUEST: a request to a VMM (module to VMM)
 * @LIVEMIG_CMD_VM_ACK: a VMM answers a request
 * @LIVEMIG_CMD_VM_STATE_PUT: a source VMM hands over a chunk of state
 * @LIVEMIG_CMD_VM_STATE_GET: a destination VMM fetches the state
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
	LIVEMIG_CMD_MIGRATE,
	LIVEMIG_CMD_MIG_GET,
	LIVEMIG_CMD_MIG_CANCEL,
	LIVEMIG_CMD_MIG_RESOLVE,
	LIVEMIG_CMD_MIG_NTF,
	LIVEMIG_CMD_AGENT_SET,
	LIVEMIG_CMD_INCOMING,
	LIVEMIG_CMD_MIG_REFUSE,
	LIVEMIG_CMD_VMM_REQUEST,
	LIVEMIG_CMD_VM_ACK,
	LIVEMIG_CMD_VM_STATE_PUT,
	LIVEMIG_CMD_VM_STATE_GET,

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
 * @LIVEMIG_A_MIG_ID: NLA_U32, a migration's local id (1..)
 * @LIVEMIG_A_MIG_UUID: binary, %LIVEMIG_UUID_LEN bytes, its id on the wire
 * @LIVEMIG_A_MIG_DIRECTION: NLA_U8, &enum livemig_direction
 * @LIVEMIG_A_MIG_STATE: NLA_U8, &enum livemig_mig_state
 * @LIVEMIG_A_MIG_STATS: nest, &enum livemig_stat_attr
 * @LIVEMIG_A_MIG_ERROR: NLA_NUL_STRING, why it failed
 * @LIVEMIG_A_PEER_ADDR: binary, 4 or 16 bytes, the other host's address
 * @LIVEMIG_A_PEER_PORT: NLA_U16, its migration port
 * @LIVEMIG_A_PEER_NAME: NLA_NUL_STRING, its host name (from its HELLO)
 * @LIVEMIG_A_DATA_ADDR: binary, 4 or 16 bytes, where the pages travel to
 * @LIVEMIG_A_RESUME_SOURCE: NLA_FLAG, MIG_RESOLVE's only resolution
 * @LIVEMIG_A_VCPUS: NLA_U32, number of vCPUs
 * @LIVEMIG_A_REQ_ID: NLA_U32, a VMM request's id
 * @LIVEMIG_A_REQ: NLA_U8, &enum livemig_vmm_req
 * @LIVEMIG_A_ERRNO: NLA_U32, 0 or a positive errno
 * @LIVEMIG_A_REASON: NLA_NUL_STRING, at most %LIVEMIG_REASON_MAX - 1 bytes
 * @LIVEMIG_A_STATE_OFFSET: NLA_U32, offset of a state chunk
 * @LIVEMIG_A_STATE_DATA: binary, a state chunk
 * @LIVEMIG_A_CANCEL_ACTIVE: NLA_FLAG, SETTINGS_SET disabling: cancel the
 *	migrations in progress
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
	LIVEMIG_A_MIG_ID,
	LIVEMIG_A_MIG_UUID,
	LIVEMIG_A_MIG_DIRECTION,
	LIVEMIG_A_MIG_STATE,
	LIVEMIG_A_MIG_STATS,
	LIVEMIG_A_MIG_ERROR,
	LIVEMIG_A_PEER_ADDR,
	LIVEMIG_A_PEER_PORT,
	LIVEMIG_A_PEER_NAME,
	LIVEMIG_A_DATA_ADDR,
	LIVEMIG_A_RESUME_SOURCE,
	LIVEMIG_A_VCPUS,
	LIVEMIG_A_REQ_ID,
	LIVEMIG_A_REQ,
	LIVEMIG_A_ERRNO,
	LIVEMIG_A_REASON,
	LIVEMIG_A_STATE_OFFSET,
	LIVEMIG_A_STATE_DATA,
	LIVEMIG_A_CANCEL_ACTIVE,

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

/**
 * enum livemig_stat_attr - statistics of a migration (LIVEMIG_A_MIG_STATS)
 * @LIVEMIG_STAT_A_UNSPEC: never used (also the 64-bit padding attribute)
 * @LIVEMIG_STAT_A_ROUND: NLA_U32, pre-copy round (0 = the full copy)
 * @LIVEMIG_STAT_A_PAGES_TOTAL: NLA_U64, 4 KiB pages of guest RAM
 * @LIVEMIG_STAT_A_PAGES_REMAINING: NLA_U64, known dirty, not yet sent
 * @LIVEMIG_STAT_A_PAGES_SENT: NLA_U64, pages sent (or received), all rounds
 * @LIVEMIG_STAT_A_PAGES_ZERO: NLA_U64, of those, sent as zero markers
 * @LIVEMIG_STAT_A_BYTES: NLA_U64, page bytes before compression
 * @LIVEMIG_STAT_A_WIRE_BYTES: NLA_U64, bytes on the wire (all streams)
 * @LIVEMIG_STAT_A_DIRTY_RATE: NLA_U64, pages dirtied per second, last round
 * @LIVEMIG_STAT_A_THROUGHPUT: NLA_U64, wire bytes per second, last second
 * @LIVEMIG_STAT_A_DOWNTIME_EXPECTED_US: NLA_U64, estimate at switch-over
 * @LIVEMIG_STAT_A_DOWNTIME_US: NLA_U64, measured pause (PAUSE sent to
 *	COMMITTED heard), once known
 * @LIVEMIG_STAT_A_SETUP_US: NLA_U64, start to first page
 * @LIVEMIG_STAT_A_TOTAL_US: NLA_U64, start to end (or to now)
 * @__LIVEMIG_STAT_A_MAX: internal
 * @LIVEMIG_STAT_A_MAX: highest attribute number
 */
enum livemig_stat_attr {
	LIVEMIG_STAT_A_UNSPEC,
	LIVEMIG_STAT_A_ROUND,
	LIVEMIG_STAT_A_PAGES_TOTAL,
	LIVEMIG_STAT_A_PAGES_REMAINING,
	LIVEMIG_STAT_A_PAGES_SENT,
	LIVEMIG_STAT_A_PAGES_ZERO,
	LIVEMIG_STAT_A_BYTES,
	LIVEMIG_STAT_A_WIRE_BYTES,
	LIVEMIG_STAT_A_DIRTY_RATE,
	LIVEMIG_STAT_A_THROUGHPUT,
	LIVEMIG_STAT_A_DOWNTIME_EXPECTED_US,
	LIVEMIG_STAT_A_DOWNTIME_US,
	LIVEMIG_STAT_A_SETUP_US,
	LIVEMIG_STAT_A_TOTAL_US,

	__LIVEMIG_STAT_A_MAX,
	LIVEMIG_STAT_A_MAX = __LIVEMIG_STAT_A_MAX - 1
};

#endif /* _UAPI_LINUX_LIVEMIG_H */
