"""
DRBD control for drbdha, through drbdadm, drbdsetup and drbdmeta.

Works with DRBD 9 (SLES; status from ``drbdsetup status --json``) and the
in-kernel DRBD 8.4 of Debian/Ubuntu (status from ``drbdadm status`` and
``/proc/drbd``); ``status`` returns the same shape for both.

The module is named ``drbdadm`` so it does not collide with Salt's ``drbd``.

:depends: drbd-utils
"""

import copy
import datetime
import json
import logging
import os
import re
import shutil
import tempfile

import salt.utils.path
from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "drbdadm"

PROC_DRBD = "/proc/drbd"
CONFIG_DIR = "/etc/drbd.d"
# Where ``discard_my_data`` keeps the generation a node gave up (root only).
DISCARD_RECORDS = "/var/lib/drbdha/discarded"
# The loaded module's version, readable without starting a process.
SYS_MODULE_VERSION = "/sys/module/drbd/version"


def __virtual__():
    if not salt.utils.path.which("drbdadm"):
        return (False, "the drbdadm module needs drbdadm on PATH (package drbd-utils)")
    return __virtualname__


# __context__ key of the status answers of this job (one state run asks several times).
STATUS_CACHE = "drbdadm.status"


def _run(argv, **kwargs):
    if not __utils__["drbdha_commands.is_read_only"](argv):
        # The command may change DRBD's state: later status calls ask again.
        __context__.pop(STATUS_CACHE, None)
    return __utils__["drbdha_util.run"](
        __salt__["cmd.run_all"], argv, record=__opts__.get("drbdha_command_log"), **kwargs
    )


def _resource(name):
    if name == "all":
        return name
    return __utils__["drbdha_util.require_name"](name, "DRBD resource name")


def _parsed(name):
    return __utils__[f"drbdha_drbd.{name}"]


# -------------------------------------------------------------- functions --


def version():
    """
    The loaded DRBD kernel module's version (``kernel``, ``kernel_major``,
    ``kernel_minor``; None when no module is loaded) and drbd-utils'
    (``utils``).

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.version
    """
    if "drbdadm.version" not in __context__:
        out = _run(["drbdadm", "--version"])
        __context__["drbdadm.version"] = _parsed("parse_version")(out["stdout"])
    return __context__["drbdadm.version"]


def kernel_version():
    """
    The loaded DRBD kernel module's ``(major, minor)``, or None when no
    module is loaded. Read from sysfs (or /proc/drbd), so it costs no process.

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.kernel_version
    """
    text = None
    for path in (SYS_MODULE_VERSION, PROC_DRBD):
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.readline().strip()
            break
        except OSError:
            continue
    if not text:
        return None
    # sysfs holds "8.4.11"; /proc/drbd starts "version: 8.4.11 (api:1/proto:86-101)".
    match = re.search(r"(\d+)\.(\d+)\.", text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _require_kernel():
    found = kernel_version()
    if found is None:
        raise CommandExecutionError(
            "the DRBD kernel module is not loaded (modprobe drbd, or install a kernel that has it)"
        )
    return found


def status(resource="all", fresh=False):
    """
    Every (or one) resource's state in one shape for DRBD 9 and 8.4: role,
    disk state, and per peer the connection state, peer role, peer disk
    state, replication state, sync progress (%), out-of-sync bytes and
    StandAlone / split-brain flags.

    Within one job (a state run) the answer is reused until a DRBD command
    other than a status runs; ``fresh=True`` asks DRBD again (for waits).

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.status
        salt '*' drbdadm.status res0
    """
    major, _ = _require_kernel()
    name = _resource(resource)
    cache = __context__.setdefault(STATUS_CACHE, {})
    if not fresh and name in cache:
        return copy.deepcopy(cache[name])
    if major >= 9:
        out = _run(["drbdsetup", "status", "--json", name])
        resources = _parsed("parse_status_json")(out["stdout"])
    else:
        # 8.4: the verbose status names each volume's minor, which /proc/drbd
        # (a file, no process) is keyed by.
        argv = ["drbdsetup", "status", "--verbose", "--statistics"] + ([] if name == "all" else [name])
        resources = _parsed("parse_status_text")(_run(argv)["stdout"])
        with open(PROC_DRBD, encoding="utf-8") as handle:
            _parsed("merge_proc_drbd")(resources, _parsed("parse_proc_drbd")(handle.read()))
    __context__.setdefault(STATUS_CACHE, {})[name] = copy.deepcopy(resources)
    return resources


def dump(resource="all", config=None):
    """
    Validate the configuration with ``drbdadm dump``; returns the normalised
    configuration, or raises with drbdadm's message. ``config`` checks a file
    other than /etc/drbd.conf (a candidate before it replaces the live one).

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.dump res0
        salt '*' drbdadm.dump all config=/etc/drbd.conf.new
    """
    argv = ["drbdadm"]
    if config is not None:
        argv.extend(["-c", config])
    argv.extend(["dump", _resource(resource)])
    return _run(argv)["stdout"]


def has_metadata(resource):
    """
    Whether the resource's backing device already carries DRBD metadata,
    decided from the output of ``drbdadm dump-md``. True too when the device
    is attached (DRBD is using its metadata).

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.has_metadata res0
    """
    name = _resource(resource)
    out = _run(["drbdadm", "dump-md", name], ok_retcodes=tuple(range(256)), stdin="")
    answer = _parsed("parse_dump_md")(out.get("stdout", ""), out.get("stderr", ""))
    if answer is None:
        volumes = [v for r in _status_or_empty(name).values() for v in r["volumes"]]
        if any(v["disk"] not in (None, "Diskless") for v in volumes):
            return True
        raise CommandExecutionError(
            f"cannot tell whether {name} has DRBD metadata: {__utils__['drbdha_util.describe_failure'](out)}",
            info={"command": ["drbdadm", "dump-md", name], "stderr": out.get("stderr", "")},
        )
    return answer


def device_signature(device):
    """
    Any filesystem, partition table, RAID, LVM or other signature on a block
    device (``blkid -p``, which reads the device itself, not a cache), in
    words; None when the device is blank.

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.device_signature /dev/sda4
    """
    path = __utils__["drbdha_util.require_device"](device)
    # blkid exits 2 when it finds nothing: that is the "blank" answer.
    out = _run(["blkid", "-p", "-o", "export", path], ok_retcodes=(0, 2))
    return _parsed("describe_signature")(out["stdout"])


def _status_or_empty(name):
    try:
        return status(name)
    except CommandExecutionError:
        return {}


def _simple(action, resource, *options):
    return _run(["drbdadm", *options, action, _resource(resource)])["stdout"]


def create_md(resource, force=False):
    """
    Write fresh DRBD metadata on the resource's backing device. drbdadm
    asks for confirmation when it finds existing data; without ``force``
    that question is answered "no" (stdin is empty) and the call fails with
    drbdadm's message. Data-safety checks belong to the caller (the
    ``drbdadm.metadata_present`` state).

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdadm.create_md res0
    """
    options = ["--force"] if force else []
    name = _resource(resource)
    try:
        return _run(["drbdadm", *options, "create-md", name], stdin="")["stdout"]
    except CommandExecutionError as exc:
        if "Do you want to proceed?" not in str(exc):
            raise
        # drbdmeta found old data where the metadata goes (e.g. a filesystem's tail after wipefs).
        raise CommandExecutionError(
            f"drbdmeta found existing data where {name}'s metadata would go (the end of the backing device) "
            "and asked before overwriting it; nothing was written. If the device's contents are disposable, "
            "zero it (blkdiscard --zeroout, or dd if=/dev/zero bs=1M) and apply again."
        ) from exc


def up(resource):
    """
    Attach and connect a resource (``drbdadm up``).

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.up res0
    """
    return _simple("up", resource)


def down(resource):
    """
    Disconnect and detach a resource (``drbdadm down``). Never use this on a
    resource Pacemaker manages; stop it through the cluster instead.

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.down res0
    """
    return _simple("down", resource)


def adjust(resource="all"):
    """
    Make the running resource match its configuration (``drbdadm adjust``).

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.adjust res0
    """
    return _simple("adjust", resource)


def primary(resource, force=False):
    """
    Promote to Primary; ``force=True`` promotes even when this node's data
    is not known to be UpToDate (the first Primary of a new resource).

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdadm.primary res0
        salt node-1 drbdadm.primary res0 force=True
    """
    if force:
        return _run(["drbdadm", "primary", "--force", _resource(resource)])["stdout"]
    return _simple("primary", resource)


def secondary(resource):
    """
    Demote to Secondary.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdadm.secondary res0
    """
    return _simple("secondary", resource)


def new_current_uuid(resource, clear_bitmap=False):
    """
    Start a new data generation; with ``clear_bitmap=True`` the peers are
    marked in sync without copying (skips the initial full sync — only for
    brand-new, empty backing devices on both nodes).

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdadm.new_current_uuid res0 clear_bitmap=True
    """
    options = ["--clear-bitmap"] if clear_bitmap else []
    return _run(["drbdadm", *options, "new-current-uuid", _resource(resource)])["stdout"]


def connect(resource, discard_my_data=False):
    """
    Connect a resource to its peer; ``discard_my_data=True`` makes this
    node the split-brain victim (its changes are discarded).

    CLI Example:

    .. code-block:: bash

        salt node-2 drbdadm.connect res0
        salt node-2 drbdadm.connect res0 discard_my_data=True
    """
    options = ["--discard-my-data"] if discard_my_data else []
    return _run(["drbdadm", "connect", *options, _resource(resource)])["stdout"]


def disconnect(resource):
    """
    Disconnect a resource from its peer (it goes StandAlone).

    CLI Example:

    .. code-block:: bash

        salt node-2 drbdadm.disconnect res0
    """
    return _simple("disconnect", resource)


def verify(resource):
    """
    Start an online verify against the peer (needs ``verify-alg``);
    progress shows in ``drbdadm.status``.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdadm.verify res0
    """
    return _simple("verify", resource)


def generation_ids(resource):
    """
    The resource's data generation identifiers (``drbdadm get-gi``), parsed:
    ``{"current", "bitmap", "history", "flags", "text"}``. Compared across
    the nodes they tell a split brain from one side simply being ahead.

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.generation_ids res0
    """
    name = _resource(resource)
    out = _run(["drbdadm", "get-gi", name])
    parsed = _parsed("parse_generation_ids")(out["stdout"])
    if parsed is None:
        raise CommandExecutionError(f"drbdadm get-gi {name} printed no generation identifiers: {out['stdout']!r}")
    return dict(parsed, text=out["stdout"].strip())


def _write(path, text, mode=0o600):
    __utils__["drbdha_util.write_atomic"](path, text, mode=mode)


def check_config(files, config_dir=CONFIG_DIR):
    """
    Check a candidate configuration with ``drbdadm dump all`` before it
    replaces the live one: ``files`` (``{filename: text}``) together with the
    files of ``config_dir`` they leave as they are, in a private temporary
    directory. Raises CommandExecutionError with drbdadm's words when it
    rejects them; nothing in ``config_dir`` is touched.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdadm.check_config '{"res0.res": "resource res0 { ... }"}'
    """
    workdir = tempfile.mkdtemp(prefix="drbdha-check-")
    try:
        os.chmod(workdir, 0o700)
        live = set(os.listdir(config_dir)) if os.path.isdir(config_dir) else set()
        for filename in live - set(files):
            if filename.endswith((".res", ".conf")) and not filename.startswith("."):
                shutil.copy(os.path.join(config_dir, filename), os.path.join(workdir, filename))
        for filename, text in files.items():
            _write(os.path.join(workdir, filename), text)
        main = os.path.join(workdir, "drbd.conf")
        _write(main, f'include "{workdir}/global_common.conf";\ninclude "{workdir}/*.res";\n')
        dump("all", config=main)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return True


def write_config(files, config_dir=CONFIG_DIR):
    """
    Write configuration files (``{filename: text}``) into ``config_dir``,
    each atomically and 0600 (they hold the shared secret). Running
    resources keep their settings until ``adjust``.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdadm.write_config '{"res0.res": "resource res0 { ... }"}'
    """
    for filename in files:
        if not isinstance(filename, str) or "/" in filename or filename.startswith("."):
            raise SaltInvocationError(f"invalid file name {filename!r}")
    os.makedirs(config_dir, exist_ok=True)
    for filename, text in files.items():
        _write(os.path.join(config_dir, filename), text)
    return sorted(files)


def first_primary(resource, skip_initial_sync=False):
    """
    Make this node the first Primary of a new resource. The initial sync
    then copies this node's disk to the peer; ``skip_initial_sync=True``
    starts a new generation with a cleared bitmap instead (both disks are
    declared in sync: only for devices that are new and blank on both nodes).

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdadm.first_primary res0
    """
    if skip_initial_sync:
        new_current_uuid(resource, clear_bitmap=True)
        return primary(resource)
    return primary(resource, force=True)


def discard_record_path(resource):
    """
    Where ``discard_my_data`` records the generation this node gives up for
    ``resource`` (a new file per discard).

    CLI Example:

    .. code-block:: bash

        salt node-2 drbdadm.discard_record_path res0
    """
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return os.path.join(DISCARD_RECORDS, f"{_resource(resource)}-{stamp}.json")


def discard_my_data(resource, record_path):
    """
    End a split brain on this node by giving up its writes since the split:
    its generation ids and status are recorded in ``record_path`` (JSON,
    0600) first, then it disconnects (unless StandAlone) and reconnects with
    ``--discard-my-data``; it resyncs from the peer. Refused while this node
    is Primary (a guest may be writing here).

    CLI Example:

    .. code-block:: bash

        salt node-2 drbdadm.discard_my_data res0 /var/lib/drbdha/discarded/res0-by-hand.json
    """
    name = _resource(resource)
    state = status(name, fresh=True).get(name)
    if state is None:
        raise CommandExecutionError(f"{name} is not up on this node")
    if state.get("role") == "Primary":
        raise CommandExecutionError(f"refusing to discard the writes of {name} here: this node is Primary")
    record = {
        "resource": name,
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "generation_ids": generation_ids(name),
        "status": state,
    }
    os.makedirs(os.path.dirname(record_path), mode=0o700, exist_ok=True)
    _write(record_path, json.dumps(record, indent=2, sort_keys=True) + "\n")
    if not all(peer["standalone"] for peer in state["peers"].values()):
        disconnect(name)
    return connect(name, discard_my_data=True)
