"""The execution modules sync to real minions and answer through a real master."""

import re


def test_sync_all_delivers_the_modules(salt_cli, node_1):
    ret = salt_cli.run("saltutil.sync_all", minion_tgt=node_1.id)
    assert ret.returncode == 0
    # A re-sync on an unchanged tree copies nothing; the first sync (or this
    # one) has put all four modules and the util in place.
    ret = salt_cli.run("sys.list_modules", minion_tgt=node_1.id)
    assert {"drbdadm", "crmsh", "virsh", "drbdha"} <= set(ret.data)


def test_status_is_structured_where_tools_exist(salt_cli, node_1, synced):
    ret = salt_cli.run("drbdha.status", minion_tgt=node_1.id)
    assert ret.returncode == 0, ret
    status = ret.data
    assert status["node"]
    assert status["verdict"] in ("healthy", "degraded", "failed")
    assert set(status) >= {"reasons", "drbd", "cluster", "libvirt", "errors"}
    # This host has the tools but no DRBD kernel module and no cluster
    # running: the verdict says so, in words, instead of raising.
    assert status["verdict"] == "failed"
    assert "DRBD kernel module is not loaded" in status["errors"]["drbd"]
    assert any(r.startswith("cannot read the cluster") for r in status["reasons"])


def test_status_names_the_missing_tools(salt_cli, node_2, synced):
    ret = salt_cli.run("drbdha.status", minion_tgt=node_2.id)
    assert ret.returncode == 0, ret
    status = ret.data
    assert status["verdict"] == "failed"
    assert "drbdadm" in status["errors"]["drbd"]
    assert "crm" in status["errors"]["cluster"]
    assert "virsh" in status["errors"]["libvirt"]
    assert "Traceback" not in str(status)


def test_tool_module_reports_why_it_is_unavailable(salt_cli, node_2, synced):
    ret = salt_cli.run("drbdadm.status", minion_tgt=node_2.id)
    assert "the drbdadm module needs drbdadm on PATH (package drbd-utils)" in str(ret.data), ret.data
    assert "__virtual__ returned False" in str(ret.data)


def test_the_parsers_util_answers_through_the_minions_loader(salt_cli, node_1, synced):
    """drbdadm.version on a real minion: the real drbdadm's output, parsed by the drbdha_drbd util."""
    ret = salt_cli.run("drbdadm.version", minion_tgt=node_1.id)
    assert ret.returncode == 0, ret
    assert re.fullmatch(r"\d+\.\d+\.\d+", ret.data["utils"]), ret.data


def test_runner_puts_both_nodes_side_by_side(salt_master, synced):
    """salt-run drbdha.status through a real master: one verdict, each node's view, the reasons."""
    ret = salt_master.salt_run_cli(timeout=180).run("drbdha.status", "tgt=node-*")
    assert ret.returncode == 0, ret
    status = ret.data
    assert sorted(status["nodes"]) == ["node-1", "node-2"]
    # Neither test minion runs a cluster or DRBD: the combined verdict says so.
    assert status["verdict"] == "failed"
    assert any(r.startswith("node-2: cannot read DRBD") for r in status["reasons"])


def test_runner_without_a_target_asks_only_the_pillars_nodes(salt_master, synced):
    """
    Without tgt the runner asks the nodes in the master's drbdha pillar, never
    every minion (a quorum host or any other minion would answer too). This
    master serves no drbdha pillar: it refuses, saying what to do.
    """
    ret = salt_master.salt_run_cli(timeout=180).run("drbdha.status")
    assert "the master's pillar has no drbdha:nodes" in ret.stdout + ret.stderr, ret
    assert "node-1" not in str(ret.data), ret


def test_the_pair_preflight_takes_its_limits_from_the_formulas_defaults_on_the_masters_file_server(salt_master, synced):
    """
    salt-run drbdha.preflight merges the master's pillar (none here) over
    salt://drbdha/defaults.yaml, as map.jinja does; both nodes answer, and
    without a pillar each refuses, naming the key.
    """
    ret = salt_master.salt_run_cli(timeout=300).run("drbdha.preflight", "tgt=node-1,node-2", "tgt_type=list")
    assert ret.data["ok"] is False and sorted(ret.data["nodes"]) == ["node-1", "node-2"], ret.data
    assert "node-1: drbdha:nodes: exactly two nodes are needed (DRBD pair), found 0" in ret.data["problems"]


# What an operator may call: the formula's commands on a node; the rules they use live in _utils/.
DRBDHA_COMMANDS = {
    "apply_network_later",
    "bmc_status",
    "cib_objects",
    "cluster_properties",
    "drbd_config_files",
    "fencing_plan",
    "guest_resource_id",
    "load_watchdog_driver",
    "pair_plan",
    "preflight",
    "preflight_facts",
    "secret_file_status",
    "secret_placeholder",
    "set_user_password",
    "settings",
    "settings_of_this_run",
    "status",
    "user_has_password",
    "validate",
    "vm_xml",
    "watchdog_present",
    "write_secret_file",
}


def test_sys_doc_lists_only_the_commands_each_with_a_cli_example(salt_cli, node_1, synced):
    ret = salt_cli.run("sys.doc", "drbdha", minion_tgt=node_1.id)
    assert ret.returncode == 0, ret
    docs = ret.data
    assert {name.removeprefix("drbdha.") for name in docs} == DRBDHA_COMMANDS
    for name, doc in docs.items():
        assert "CLI Example:" in doc and f" {name}" in doc.split("CLI Example:", 1)[1], name
