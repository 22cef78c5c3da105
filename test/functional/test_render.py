"""
The formula renders through a real master and minions for pillar.example and
every pillar in test/pillar/good, on a Debian (node-1) and a SUSE (node-2)
minion, for DRBD 8.4 and 9; the rendered DRBD configuration passes the real
drbdadm; every pillar in test/pillar/bad stops the render naming its key.
"""

import json
import pathlib
import re
import shutil
import subprocess

import pytest
import yaml
from helpers import ROOT

GOOD = [ROOT / "pillar.example", *sorted((ROOT / "test" / "pillar" / "good").glob("*.yaml"))]
BAD = sorted((ROOT / "test" / "pillar" / "bad").glob("*.yaml"))
SLS = ["drbdha", "drbdha.drbd.primary", "drbdha.preflight", "drbdha.cluster.verify", "drbdha.verify"]
DRBDADM_84 = "/usr/lib/drbd/drbdadm-84"


def pillar_of(path):
    return yaml.safe_load(pathlib.Path(path).read_text())


def show_sls(salt_cli, minion, sls, pillar):
    return salt_cli.run("state.show_sls", sls, f"pillar={json.dumps(pillar)}", minion_tgt=minion)


@pytest.fixture(params=["node_1", "node_2"])
def minion(request, synced):
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_formula_renders(salt_cli, minion, path):
    pillar = pillar_of(path)
    ret = show_sls(salt_cli, minion.id, ",".join(SLS), pillar)
    assert ret.returncode == 0, (ret.stdout, ret.stderr)
    assert isinstance(ret.data, dict), ret.data
    ids = set(ret.data)
    assert {"drbdha-cluster-members", "drbdha-verify-healthy", "drbdha-preflight"} <= ids
    for name in pillar["drbdha"]["drbd"]["resources"]:
        assert {f"drbdha-drbd-{name}-metadata", f"drbdha-drbd-{name}-up"} <= ids
    assert "drbdha-cluster-hacluster-password" in ids
    if pillar["drbdha"].get("cluster", {}).get("mode") == "crmsh":
        bootstrap = {
            k: v for c in ret.data["drbdha-cluster-crmsh"]["crmsh"] if isinstance(c, dict) for k, v in c.items()
        }
        assert (bootstrap["node"], bootstrap["first_node"]) == (minion.id, "node-1")
        # One virtual IP, the CIB's rsc_vip (drbdha.cib), not a second one from crm cluster init --admin-ip.
        assert "virtual_ip" not in bootstrap
        # sshd and csync2 for crmsh's bootstrap: Debian installs them, SUSE's ha_sles pattern has them.
        debian = minion.id == "node-1"
        assert ("drbdha-packages-crmsh-mode" in ids) is debian
        assert ("drbdha-cluster-hacluster-ssh-dir" in ids) is debian
        if debian:
            (pkgs,) = [
                c["pkgs"] for c in ret.data["drbdha-packages-crmsh-mode"]["pkg"] if isinstance(c, dict) and "pkgs" in c
            ]
            assert pkgs == ["openssh-server", "csync2"]
        # A quorum device goes into crmsh's corosync.conf; corosync-qdevice starts only once it is there.
        qdevice = bool(pillar["drbdha"]["cluster"].get("qdevice"))
        assert ("drbdha-cluster-quorum" in ids) is qdevice
        if qdevice:
            service = ret.data["drbdha-cluster-qdevice-service"]["systemctl"]
            assert {"onlyif": [{"fun": "crmsh.quorum_device_configured"}]} in service
    else:
        assert "drbdha-packages-crmsh-mode" not in ids


def rendered_drbd_files(data):
    (chunk,) = [c for c in data["drbdha-drbd-config"]["drbdadm"] if isinstance(c, dict) and "files" in c]
    return chunk["files"]


def expected_major(pillar, minion_id):
    version = pillar["drbdha"]["drbd"].get("version")
    if version:
        return version
    return 9 if minion_id == "node-2" else 8  # Suse → DRBD 9, Debian → 8.4 (no module loaded here)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_rendered_drbd_config_passes_drbdadm(salt_cli, minion, path, tmp_path):
    pillar = pillar_of(path)
    ret = show_sls(salt_cli, minion.id, "drbdha.drbd", pillar)
    assert ret.returncode == 0, ret
    files = rendered_drbd_files(ret.data)
    assert sorted(files) == sorted(["global_common.conf"] + [f"{r}.res" for r in pillar["drbdha"]["drbd"]["resources"]])
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "drbd.conf").write_text(f'include "{tmp_path}/global_common.conf";\ninclude "{tmp_path}/*.res";\n')
    major = expected_major(pillar, minion.id)
    # With no DRBD module loaded drbdadm parses DRBD 9 syntax; drbdadm-84 is 8.4's own parser.
    drbdadm = shutil.which("drbdadm") if major == 9 else DRBDADM_84
    result = subprocess.run(
        [drbdadm, "-c", str(tmp_path / "drbd.conf"), "dump", "all"], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    for name, res in pillar["drbdha"]["drbd"]["resources"].items():
        assert f"resource {name} {{" in result.stdout
        assert f":{res['port']};" in result.stdout
    mode = (pillar["drbdha"].get("cluster", {}).get("stonith") or {}).get("mode", "none")
    policy = "resource-only" if mode == "none" else "resource-and-stonith"
    # drbdadm dump prints every option it parsed, aligned in one column.
    assert re.search(rf"\bfencing\s+{policy};", result.stdout), result.stdout
    if major == 9:
        assert all("node-id" in text for name, text in files.items() if name.endswith(".res")), files
    else:
        assert "node-id" not in "".join(files.values())
        assert "crm-fence-peer.sh" in result.stdout


def test_secrets_stay_out_of_the_state_data(salt_cli, node_1, synced):
    """
    The formula names its secrets by pillar key; their values are not in its
    state data (which Salt keeps in the job cache and the minion's
    highstate.cache.p): not the cluster's, not DRBD's shared secret.
    """
    for path in (ROOT / "pillar.example", ROOT / "test" / "pillar" / "good" / "ipmi-qdevice.yaml"):
        pillar = pillar_of(path)
        ret = show_sls(salt_cli, node_1.id, "drbdha", pillar)
        assert ret.returncode == 0, ret
        assert "@DRBDHA_SHARED_SECRET@" in ret.stdout
        cluster = pillar["drbdha"]["cluster"]
        bmc = [entry["password"] for entry in (cluster["stonith"].get("ipmi") or {}).values()]
        assert len(bmc) == (2 if cluster["stonith"]["mode"] == "ipmi" else 0)
        if bmc:
            # the fence agents' password files are written from pillar keys, and the CIB reads them
            assert "drbdha-cluster-fence-secret-node-2" in ret.data and "password_script" in ret.stdout
        for secret in (
            cluster["hacluster_password"],
            cluster["authkey"],
            pillar["drbdha"]["drbd"]["shared_secret"],
            *bmc,
        ):
            assert secret not in ret.stdout


def logged_commands(command_log):
    return command_log.read_text().splitlines() if command_log.exists() else []


def test_the_command_log_records_module_commands(salt_cli, node_1, synced, command_log):
    """The log the next test reads does record what the modules run (so that test can fail)."""
    before = len(logged_commands(command_log))
    ret = salt_cli.run("drbdadm.version", minion_tgt=node_1.id)
    assert ret.returncode == 0, ret
    new = [json.loads(line) for line in logged_commands(command_log)[before:]]
    assert [entry["argv"][0] for entry in new] == ["drbdadm"]


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_pillar_stops_the_render(salt_cli, node_1, synced, command_log, path):
    """
    Each bad pillar stops `state.apply drbdha` at the render, naming its key:
    no state runs (the answer is the render error, not state results) and
    the formula's modules run no command. (show_sls first, so a pillar that
    wrongly passed would be caught before a real apply on this host.)
    """
    key = next(line.split(": ", 1)[1] for line in path.read_text().splitlines() if line.startswith("# expect: "))
    pillar = pillar_of(path)
    ret = show_sls(salt_cli, node_1.id, "drbdha", pillar)
    assert ret.returncode != 0
    assert f"{key}: " in ret.stdout + ret.stderr
    before = len(logged_commands(command_log))
    ret = salt_cli.run("state.apply", "drbdha", f"pillar={json.dumps(pillar)}", minion_tgt=node_1.id)
    assert ret.returncode != 0
    assert f"{key}: " in ret.stdout + ret.stderr
    assert isinstance(ret.data, list), f"states ran: {ret.data}"
    assert logged_commands(command_log)[before:] == []


def merged_args(step):
    """The argument dicts of one show_sls step, merged (``order`` among them)."""
    merged = {}
    for key, value in step.items():
        if not key.startswith("__"):
            for item in value:
                if isinstance(item, dict):
                    merged.update(item)
    return merged


def orchestration_steps(salt_master, orch, base=None, **extra):
    pillar = dict(base or pillar_of(ROOT / "pillar.example"), **extra)
    ret = salt_master.salt_run_cli(timeout=180).run(
        "state.orchestrate_show_sls", f"drbdha.orch.{orch}", f"pillar={json.dumps(pillar)}"
    )
    assert ret.returncode == 0, ret
    (steps,) = ret.data.values()
    return steps, {sid: merged_args(step) for sid, step in steps.items()}


def test_split_brain_recovery_needs_the_operator_to_name_the_discarded_node(salt_master, synced):
    steps, _ = orchestration_steps(salt_master, "splitbrain", resource="res0")
    assert list(steps) == ["drbdha-splitbrain-arguments"]
    steps, args = orchestration_steps(salt_master, "splitbrain", resource="res0", discard="node-2")
    order = sorted(steps, key=lambda sid: args[sid]["order"])
    assert order == [
        "drbdha-splitbrain-discard",
        "drbdha-splitbrain-keep",
        "drbdha-splitbrain-resynced",
        "drbdha-splitbrain-verify",
    ]
    assert (args["drbdha-splitbrain-discard"]["tgt"], args["drbdha-splitbrain-keep"]["tgt"]) == ("node-2", "node-1")


@pytest.mark.parametrize(
    ("orch", "arguments"),
    [("move", {"vm": "sesadm", "to": ""}), ("stop", {"vm": "sesadm"}), ("start", {"vm": "sesadm"})],
)
def test_a_day2_orchestration_is_one_step_on_the_first_node(salt_master, synced, orch, arguments):
    steps, args = orchestration_steps(salt_master, orch, vm="sesadm")
    assert list(steps) == [f"drbdha-{orch}-guest"]
    (step,) = args.values()
    assert (step["tgt"], step["sls"], step["failhard"]) == ("node-1", f"drbdha.day2.{orch}", True)
    assert step["pillar"] == {"drbdha_day2": arguments}
    assert step["timeout"] == 3600


def test_without_first_node_the_orchestrations_take_the_node_with_the_lowest_id(salt_master, synced):
    """The nodes' rule (drbdha_settings.first_node_of), with ids out of the names' order."""
    pillar = pillar_of(ROOT / "pillar.example")
    config = pillar["drbdha"]
    del config["first_node"]
    config["nodes"]["node-1"]["id"], config["nodes"]["node-2"]["id"] = 1, 0
    _, args = orchestration_steps(salt_master, "move", base=pillar, vm="sesadm")
    assert args["drbdha-move-guest"]["tgt"] == "node-2"
    _, args = orchestration_steps(salt_master, "deploy", base=pillar, vm="sesadm")
    assert args["drbdha-deploy-drbd-first-primary"]["tgt"] == "node-2"
    assert args["drbdha-deploy-vm-first"]["tgt"] == "node-2"


@pytest.mark.parametrize("orch", ["deploy", "move", "splitbrain"])
def test_an_orchestration_refuses_a_bad_pillar_naming_its_key(salt_master, synced, orch):
    pillar = pillar_of(ROOT / "pillar.example")
    pillar["drbdha"]["orchestrate"] = {"step_timeot": 60}
    steps, args = orchestration_steps(salt_master, orch, base=pillar, vm="sesadm")
    assert list(steps) == [f"drbdha-{orch}-pillar"]
    (step,) = args.values()
    assert "drbdha:orchestrate: unknown key 'step_timeot' (did you mean 'step_timeout'?)" in step["name"]


def test_the_rollout_renders_in_order(salt_master, synced):
    steps, args = orchestration_steps(salt_master, "deploy", vm="sesadm")
    assert all(a.get("failhard") is True for a in args.values()), args
    order = sorted(steps, key=lambda sid: args[sid]["order"])
    assert order[0] == "drbdha-deploy-sync" and order[-1] == "drbdha-deploy-verify"
    assert order.index("drbdha-deploy-preflight") < order.index("drbdha-deploy-base")
    assert args["drbdha-deploy-preflight"]["name"] == "drbdha.preflight"
    assert order.index("drbdha-deploy-drbd") < order.index("drbdha-deploy-drbd-first-primary")
    assert order.index("drbdha-deploy-vm-first") < order.index("drbdha-deploy-vm-others")
    assert order.index("drbdha-deploy-drbd-first-primary") < order.index("drbdha-deploy-cib")
    # The quorum host is synced and set up first, then the nodes' certificates, then the cluster.
    assert "qnetd-1" in args["drbdha-deploy-sync"]["tgt"]
    assert (args["drbdha-deploy-qnetd"]["tgt"], args["drbdha-deploy-qnetd"]["sls"]) == ("qnetd-1", "drbdha.qnetd")
    assert args["drbdha-deploy-qdevice-certificates"]["name"] == "drbdha.qdevice_certificates"
    assert (
        order.index("drbdha-deploy-qnetd")
        < order.index("drbdha-deploy-qdevice-certificates")
        < order.index("drbdha-deploy-cluster")
    )


def test_the_quorum_host_listens_where_the_pillar_says(salt_cli, minion):
    pillar = pillar_of(ROOT / "pillar.example")
    qdevice = pillar["drbdha"]["cluster"]["qdevice"]
    for extra, options in (({}, "-p 5403"), ({"port": 45540, "qnetd_listen": "10.0.2.100"}, "-l 10.0.2.100 -p 45540")):
        pillar["drbdha"]["cluster"]["qdevice"] = dict(qdevice, **extra)
        ret = show_sls(salt_cli, minion.id, "drbdha.qnetd", pillar)
        assert ret.returncode == 0, (ret.stdout, ret.stderr)
        (managed,) = [c for c in ret.data["drbdha-qnetd-options"]["file"] if isinstance(c, dict) and "contents" in c]
        assert f'COROSYNC_QNETD_OPTIONS="{options}"' in managed["contents"]
        (name,) = [c["name"] for c in ret.data["drbdha-qnetd-options"]["file"] if isinstance(c, dict) and "name" in c]
        assert name == {"node-1": "/etc/default/corosync-qnetd", "node-2": "/etc/sysconfig/corosync-qnetd"}[minion.id]
