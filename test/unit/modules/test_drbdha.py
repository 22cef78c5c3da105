"""
The drbdha execution module's commands (_modules/drbdha.py): the settings
(map.jinja's, made once per state run and handed out as copies), what is
built from them, status and pre-flight, over stand-ins for the tool modules.
"""

import copy
import pathlib
import re

import pytest
import yaml
from helpers import ROOT, Recorder, call_recorder, fixture_text, load_file, loader_dunders
from salt.exceptions import CommandExecutionError, SaltInvocationError
from salt.utils.dictupdate import merge

drbdha = load_file("_modules", "drbdha")
fencing = load_file("_utils", "drbdha_fencing")
drbd = load_file("_utils", "drbdha_drbd")
cib = load_file("_utils", "drbdha_cib")
GOOD = ROOT / "test" / "pillar" / "good"


class Salt(Recorder):
    """__salt__ with the loader's answer for a function no module provides."""

    def missing_fun_string(self, function):
        return f"'{function}' is not available."


@pytest.fixture
def configure_loader_modules():
    """A fresh run on node-1 of pillar.example, as the loader would set it up."""
    pillar = {"drbdha": yaml.safe_load((ROOT / "pillar.example").read_text())["drbdha"]}
    grains = {"id": "node-1", "nodename": "node-1", "os_family": "Debian"}
    return {drbdha: loader_dunders(__pillar__=pillar, __grains__=grains, __salt__=Salt())}


@pytest.fixture
def run():
    """pillar.example (the minion's pillar) and its drbdha section set to DRBD 9."""
    pillar = drbdha.__pillar__
    config = copy.deepcopy(pillar["drbdha"])
    config["drbd"]["version"] = 9
    return pillar, config


def test_nothing_is_remembered_before_map_jinja_made_the_settings(run):
    assert drbdha.settings_of_this_run() is None


def test_settings_made_once_are_handed_out_again_as_copies(run):
    _, config = run
    made = drbdha.settings(config, remember=True)
    again = drbdha.settings_of_this_run()
    assert again == made and again is not made
    again["nodes"].clear()  # an SLS file changing its copy changes nobody else's
    assert drbdha.settings_of_this_run() == made


def test_without_remember_nothing_is_kept(run):
    _, config = run
    drbdha.settings(config)
    assert drbdha.settings_of_this_run() is None


@pytest.mark.parametrize("change", ["pillar", "grains"])
def test_a_different_pillar_or_minion_is_not_given_the_remembered_settings(run, change):
    pillar, config = run
    drbdha.settings(config, remember=True)
    if change == "pillar":
        pillar["drbdha"]["cluster"]["name"] = "another"
    else:
        drbdha.__grains__["os_family"] = "Suse"
    assert drbdha.settings_of_this_run() is None


def test_cluster_properties_follow_the_fencing_choice(run):
    _, config = run
    # pillar.example's diskless SBD, watchdog_timeout 35: twice that, and stonith-timeout 20 % above it.
    assert drbdha.cluster_properties(drbdha.settings(config)) == {
        "stonith-enabled": "true",
        "stonith-watchdog-timeout": "70s",
        "stonith-timeout": "84s",
    }


def ipmi_settings(run):
    """pillar.example's node-1 with the IPMI fencing of test/pillar/good/ipmi-qdevice.yaml."""
    _, config = run
    ipmi = yaml.safe_load((GOOD / "ipmi-qdevice.yaml").read_text())["drbdha"]
    config["cluster"].update(stonith=ipmi["cluster"]["stonith"], qdevice=ipmi["cluster"]["qdevice"])
    config["vm_defaults"] = {"timeouts": {"start": "120s", "stop": "360s", "monitor": "30s", "monitor_interval": "10s"}}
    return drbdha.settings(config)


def test_the_builders_get_the_fencing_modes_parts(run):
    s = ipmi_settings(run)
    objects = drbdha.cib_objects(s)
    assert objects[-len(fencing.ipmi_objects(s)) :] == fencing.ipmi_objects(s) != []
    (guest,) = [o for o in objects if o.startswith("primitive rsc_kvm_")]
    assert guest.endswith(" meta priority=" + fencing.guest_meta(s)["priority"])
    files = drbdha.drbd_config_files(s)
    assert "fencing resource-and-stonith;" in files["global_common.conf"]
    assert f'shared-secret "{drbdha.secret_placeholder()}";' in files["global_common.conf"]
    assert drbdha.guest_resource_id("sesadm") == "rsc_kvm_sesadm"


def test_a_bad_pillar_or_a_minion_without_a_role_stops_the_settings(run):
    _, config = run
    with pytest.raises(SaltInvocationError, match="invalid drbdha pillar:\n  drbdha:nodes"):
        drbdha.settings(dict(config, nodes={}))
    drbdha.__grains__["id"] = "salt-master"
    with pytest.raises(SaltInvocationError, match=r"this minion \(salt-master\) is not one of the nodes"):
        drbdha.settings(config)


def test_the_pair_plan_is_refused_with_the_pillars_problems(run):
    defaults = yaml.safe_load((ROOT / "drbdha" / "defaults.yaml").read_text())["drbdha"]
    config = merge(defaults, run[1], merge_lists=False)
    plan = drbdha.pair_plan(dict(config, orchestrate={"step_timeout": 600}))
    assert plan["problems"] == [] and plan["first_node"] == "node-1" and plan["step_timeout"] == 600
    assert drbdha.pair_plan(dict(config, nodes={})) == {
        "problems": ["drbdha:nodes: exactly two nodes are needed (DRBD pair), found 0"]
    }


def test_the_loaded_driver_is_asked_only_when_the_pillar_names_no_version(run):
    _, config = run
    call_recorder(drbdha, salt := Recorder(drbdadm__kernel_version=(8, 4, 11)))
    assert drbdha.settings(config)["drbd_major"] == 9
    del config["drbd"]["version"]
    assert drbdha.settings(config)["drbd_major"] == 8
    assert salt.names() == ["drbdadm.kernel_version"]


def fail(message):
    def call(*_args):
        raise CommandExecutionError(message)

    return call


def test_status_asks_each_tool_once_and_reports_on_their_answers():
    resources = drbd.parse_status_json(fixture_text("drbd", "9", "status-json-connected-uptodate.json"))
    cluster = cib.parse_crm_mon_xml(fixture_text("pacemaker", "2.1.5", "crm_mon-healthy.xml"))
    salt = Recorder(drbdadm__status=resources, crmsh__status=cluster, virsh__list_domains={"havm": "running"})
    call_recorder(drbdha, salt)
    status = drbdha.status()
    assert status["verdict"] == "healthy" and status["reasons"] == [] and status["errors"] == {}
    assert (status["drbd"], status["cluster"], status["libvirt"]) == (resources, cluster, {"havm": "running"})
    assert sorted(salt.names()) == ["crmsh.status", "drbdadm.status", "virsh.list_domains"]


def test_status_names_a_missing_tool_and_reads_the_generations_of_a_resource_that_is_not_replicating():
    resources = drbd.parse_status_json(fixture_text("drbd", "9", "status-json-connecting.json"))
    salt = Recorder(
        drbdadm__status=resources,
        drbdadm__generation_ids=fail("drbdsetup failed"),
        crmsh__status=fail("crm_mon failed"),
    )
    call_recorder(drbdha, salt)
    status = drbdha.status()
    assert status["node"] == "node-1" and status["verdict"] == "failed"
    assert status["errors"] == {
        "cluster": "crm_mon failed",
        "libvirt": "'virsh.list_domains' is not available.",
        "drbd:vm1:generation_ids": "drbdsetup failed",
    }
    assert status["reasons"][:2] == [
        "cannot read the cluster: crm_mon failed",
        "cannot read libvirt: 'virsh.list_domains' is not available.",
    ]
    assert "vm1 peer node-b Connecting: not replicating" in status["reasons"]


def test_probe_treats_a_refused_connection_as_an_answer():
    # 127.0.0.2 is loopback: nothing listens on port 9 there, so the kernel refuses at once.
    assert drbdha._probe_replication("127.0.0.1", "127.0.0.2", 9) is None


def test_probe_names_a_source_address_this_host_does_not_have():
    problem = drbdha._probe_replication("192.0.2.99", "127.0.0.1", 9)
    assert problem.startswith("this node has no replication address 192.0.2.99")


def test_preflight_of_an_invalid_pillar_gathers_nothing(run):
    pillar, _ = run
    report = drbdha.preflight(dict(pillar["drbdha"], nodes={}))
    assert report["node"] == "node-1" and report["ok"] is False and report["facts"] == {}
    assert any(p.startswith("drbdha:nodes") for p in report["problems"])
    assert drbdha.__salt__.calls == []


def test_preflight_checks_the_facts_with_this_nodes_settings(run, monkeypatch):
    pillar, _ = run
    seen = {}

    def gathered(settings):
        seen.update(settings)
        return {"node": "node-1", "hostname": "localhost", "driver": "9.2.4", "devices": {}, "resolves": {}}

    monkeypatch.setattr(drbdha, "_gather_preflight_facts", gathered)
    report = drbdha.preflight()
    assert seen["this_node"] == "node-1" and seen["peer_node"] == "node-2"
    assert report["ok"] is False and report["facts"]["hostname"] == "localhost"
    assert [p for p in report["problems"] if "hostname is localhost" in p] != []


# ------------------------------------------------------------------ secrets --


def test_a_secret_file_is_compared_without_the_secret_leaving_the_module(run, tmp_path):
    drbdha.__pillar__["drbdha"]["drbd"]["shared_secret"] = "s3cret"
    path = tmp_path / "secret"
    assert drbdha.secret_file_status(str(path), "drbdha:drbd:shared_secret") == {
        "exists": False,
        "holds_secret": False,
        "mode": None,
    }
    path.write_text("s3cret")
    path.chmod(0o640)
    assert drbdha.secret_file_status(str(path), "drbdha:drbd:shared_secret") == {
        "exists": True,
        "holds_secret": True,
        "mode": "0640",
    }
    assert drbdha.secret_file_status(str(path), "drbdha:cluster:authkey", encoding="base64")["holds_secret"] is False
    with pytest.raises(SaltInvocationError, match="drbdha:drbd:shared_secret is not base64 text"):
        drbdha.secret_file_status(str(path), "drbdha:drbd:shared_secret", encoding="base64")
    with pytest.raises(SaltInvocationError, match="drbdha:drbd:nothing is not set"):
        drbdha.secret_file_status(str(path), "drbdha:drbd:nothing")
    with pytest.raises(SaltInvocationError, match="encoding must be text or base64"):
        drbdha.secret_file_status(str(path), "drbdha:drbd:shared_secret", encoding="hex")


def test_the_users_password_is_checked_against_shadow_and_set_on_stdin(run, tmp_path, monkeypatch):
    import crypt

    drbdha.__pillar__["drbdha"]["cluster"]["hacluster_password"] = "right-password"
    shadow = tmp_path / "shadow"
    shadow.write_text(f"hacluster:{crypt.crypt('old-password', crypt.mksalt(crypt.METHOD_SHA512))}:1:0:99999:7:::\n")
    monkeypatch.setattr(drbdha, "_SHADOW", str(shadow))
    assert drbdha.user_has_password("hacluster", "drbdha:cluster:hacluster_password") is False
    with pytest.raises(CommandExecutionError, match="user nobody does not exist"):
        drbdha.user_has_password("nobody", "drbdha:cluster:hacluster_password")
    seen = []
    call_recorder(drbdha, Recorder(cmd__run_all=lambda argv, **kw: seen.append((argv, kw)) or {"retcode": 0}))
    assert drbdha.set_user_password("hacluster", "drbdha:cluster:hacluster_password") is True
    ((argv, kwargs),) = seen
    assert argv == ["chpasswd"] and kwargs["stdin"] == "hacluster:right-password\n"
    assert "right-password" not in str(argv)


# ------------------------------------------------------------ validation --

BAD_PILLARS = sorted((ROOT / "test" / "pillar" / "bad").glob("*.yaml"))
GOOD_PILLARS = [ROOT / "pillar.example", *sorted(GOOD.glob("*.yaml"))]


def expected_key(path):
    for line in pathlib.Path(path).read_text().splitlines():
        if line.startswith("# expect: "):
            return line.split(": ", 1)[1].strip()
    raise AssertionError(f"{path} has no '# expect:' line")


def test_there_are_enough_bad_pillars():
    assert len(BAD_PILLARS) >= 80


def test_the_reliability_page_lists_every_bad_pillar_with_the_key_it_names():
    text = (ROOT / "docs" / "reliability.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| .* \| `+(.+?)`+ \|$", text, flags=re.M))
    assert rows == {path.stem: expected_key(path) for path in BAD_PILLARS}
    assert f"{len(BAD_PILLARS)} bad pillars; each is refused naming its key" in text


@pytest.mark.parametrize("path", BAD_PILLARS, ids=lambda p: p.stem)
def test_bad_pillar_is_rejected_naming_the_key(path):
    problems = drbdha.validate(yaml.safe_load(path.read_text())["drbdha"])
    key = expected_key(path)
    assert any(p.startswith(f"{key}: ") for p in problems), problems


@pytest.mark.parametrize("path", GOOD_PILLARS, ids=lambda p: p.stem)
def test_good_pillar_has_no_problem(path):
    assert drbdha.validate(yaml.safe_load(path.read_text())["drbdha"]) == []
