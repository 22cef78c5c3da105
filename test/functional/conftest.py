"""
A real salt-master and two real salt-minions (pytest-salt-factories), with
the formula's tree (its top folders, linked) as the master's file_roots.

node-1 runs with the host's PATH (drbd-utils, pacemaker's CLI, virsh
installed by `make apt`); node-2 runs with a PATH that has none of those
tools, to show how the modules answer where a tool is missing.
"""

import logging
import os
import pathlib
import shutil
import sys

import pytest

# Salt's log handlers in this process write to the stream pytest captured; once pytest has closed
# it, each record Salt still flushes (at exit, or from the log server's thread) would print a
# "--- Logging error ---" traceback that buries a real failure in CI's log. Drop such records.
logging.raiseExceptions = False

ROOT = pathlib.Path(__file__).resolve().parents[2]
PILLAR_ROOT = ROOT / "test" / "pillar"

# The tools the formula's modules drive; node-2 runs without them.
HIDDEN_TOOLS = (
    "drbdadm",
    "drbdsetup",
    "drbdmeta",
    "crm",
    "crm_mon",
    "cibadmin",
    "crm_resource",
    "crm_attribute",
    "virsh",
    "virt-install",
)


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory):
    """
    A python launcher that runs the minion in its own mount namespace where
    each of HIDDEN_TOOLS is covered by an empty, non-executable file — a
    minion on a host without those packages. (PATH alone cannot hide them:
    Salt's ``which`` also searches /usr/sbin and friends.)
    """
    workdir = tmp_path_factory.mktemp("bare")
    empty = workdir / "not-installed"
    empty.write_text("")
    empty.chmod(0o644)
    found = [shutil.which(t) or f"/usr/sbin/{t}" for t in HIDDEN_TOOLS]
    covers = " ".join(f"mount --bind {empty} {os.path.realpath(path)};" for path in found if os.path.exists(path))
    launcher = workdir / "python-without-cluster-tools"
    launcher.write_text(
        "#!/bin/sh\n"
        f'exec unshare --mount --propagation private /bin/sh -c \'{covers} exec "$0" "$@"\' '
        f'{sys.executable} "$@"\n'
    )
    launcher.chmod(0o755)
    return str(launcher)


# What the master serves: the formula, its modules, and the test SLS files. Not the
# checkout's root: every sync and state run lists the served files, and the master walks
# .venv and .venv3006 (~27,600 files) for each list, logging every file it skips.
SERVED = ("drbdha", "_modules", "_states", "_utils", "_runners", "test")


@pytest.fixture(scope="session")
def file_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("file-root")
    for name in SERVED:
        (root / name).symlink_to(ROOT / name)
    return root


@pytest.fixture(scope="session")
def salt_master(salt_factories, file_root):
    overrides = {
        "interface": "127.0.0.1",
        "file_roots": {"base": [str(file_root)]},
        "pillar_roots": {"base": [str(PILLAR_ROOT)]},
        "open_mode": False,
        "auto_accept": True,
    }
    factory = salt_factories.salt_master_daemon("drbdha-master", overrides=overrides)
    with factory.started(start_timeout=120):
        yield factory


@pytest.fixture(scope="session")
def command_log(tmp_path_factory):
    """node-1's drbdha command log: every command the formula's modules run there."""
    return tmp_path_factory.mktemp("commands") / "node-1.log"


@pytest.fixture(scope="session")
def node_1(salt_master, command_log):
    factory = salt_master.salt_minion_daemon(
        "node-1", overrides={"master": "127.0.0.1", "drbdha_command_log": str(command_log)}
    )
    with factory.started(start_timeout=120):
        yield factory


@pytest.fixture(scope="session")
def node_2(salt_master, bare_python):
    # node-2 also plays a SUSE host (os_family grain), so the formula renders
    # for both families; rendering needs none of the tools.
    factory = salt_master.salt_minion_daemon(
        "node-2", overrides={"master": "127.0.0.1", "grains": {"os_family": "Suse"}}
    )
    factory.python_executable = bare_python
    with factory.started(start_timeout=120):
        yield factory


@pytest.fixture(scope="session")
def salt_cli(salt_master):
    return salt_master.salt_cli(timeout=180)


@pytest.fixture(scope="session")
def synced(salt_master, salt_cli, node_1, node_2):
    """Both minions and the master have the formula's modules (saltutil.sync_all), once per session."""
    for minion in (node_1, node_2):
        ret = salt_cli.run("saltutil.sync_all", minion_tgt=minion.id)
        assert ret.returncode == 0, ret
    ret = salt_master.salt_run_cli(timeout=180).run("saltutil.sync_all")
    assert ret.returncode == 0, ret
    return True
