"""Readers of crm_mon / CIB XML and crm configure text, on output captured from Pacemaker 2.1.5 / crmsh 4.4.1."""

import pytest
from helpers import FIXTURES, fixture_text, load_file

cib = load_file("_utils", "drbdha_cib")

PCMK = ("pacemaker", "2.1.5")
CRMSH = ("crmsh", "4.4.1")


def mon(name):
    return cib.parse_crm_mon_xml(fixture_text(*PCMK, name))


def test_healthy_cluster():
    status = mon("crm_mon-healthy.xml")
    assert status["dc"] == "node-1"
    assert status["quorum"] is True
    assert status["pacemaker_version"].startswith("2.1.5")
    assert sorted(status["nodes"]) == ["node-1", "node-2"]
    assert all(n["online"] and not n["unclean"] and not n["standby"] for n in status["nodes"].values())
    assert status["nodes"]["node-1"]["dc"] and not status["nodes"]["node-2"]["dc"]
    vm = status["resources"]["rsc_kvm_havm"]
    assert vm["agent"] == "ocf:heartbeat:VirtualDomain"
    assert vm["role"] == "Started" and vm["nodes"] == ["node-1"]
    clone = status["clones"]["ms_drbd_res0"]
    assert clone["promotable"]
    assert clone["promoted"] == ["node-1"]
    assert clone["unpromoted"] == ["node-2"]
    assert status["failures"] == []


@pytest.mark.parametrize("fixture", ["crm_mon-moved-node-2.xml", "crm_mon-moved-node-2-inactive.xml"])
def test_after_move_the_guest_and_the_promotion_are_on_node_2(fixture):
    status = mon(fixture)
    assert status["resources"]["rsc_kvm_havm"]["nodes"] == ["node-2"]
    assert status["clones"]["ms_drbd_res0"]["promoted"] == ["node-2"]


def test_every_crm_mon_fixture_parses():
    for path in sorted((FIXTURES.joinpath(*PCMK)).glob("*crm_mon*.xml")):
        status = cib.parse_crm_mon_xml(path.read_text())
        assert status["nodes"], path.name


def test_constraints_with_cli_prefer_are_leftovers():
    cons = cib.parse_constraints_xml(fixture_text(*PCMK, "cibadmin-Q-o-constraints-cli-prefer.xml"))
    assert cons["leftovers"] == ["cli-prefer-rsc_kvm_havm"]
    (prefer,) = [c for c in cons["location"] if c["id"] == "cli-prefer-rsc_kvm_havm"]
    assert prefer["node"] == "node-2" and prefer["score"] == "INFINITY"
    (col,) = cons["colocation"]
    assert col["with_rsc"] == "ms_drbd_res0" and col["with_rsc_role"] == "Promoted"
    (order,) = cons["order"]
    assert (order["first"], order["first_action"], order["then"], order["then_action"]) == (
        "ms_drbd_res0",
        "promote",
        "rsc_kvm_havm",
        "start",
    )


def test_cli_ban_and_lifetime_rule():
    ban = cib.parse_constraints_xml(fixture_text(*PCMK, "cibadmin-Q-o-constraints-cli-ban.xml"))
    assert ban["leftovers"] == ["cli-ban-rsc_kvm_havm-on-node-2"]
    timed = cib.parse_constraints_xml(fixture_text(*PCMK, "cibadmin-Q-o-constraints-cli-prefer-lifetime.xml"))
    (prefer,) = [c for c in timed["location"] if c["id"].startswith("cli-prefer-")]
    (rule,) = prefer["rules"]
    assert rule["expressions"] == ["#uname eq node-2"]


def test_constraints_after_clear_have_no_leftovers():
    cons = cib.parse_constraints_xml(fixture_text(*PCMK, "cibadmin-Q-o-constraints-after-clear.xml"))
    assert cons["leftovers"] == []


def test_whole_cib_constraints():
    cons = cib.parse_constraints_xml(fixture_text(*PCMK, "cibadmin-Q-cli-prefer.xml"))
    assert "cli-prefer-rsc_kvm_havm" in cons["leftovers"]


def test_drbd_primitives_in_cib():
    # The fast tier has no DRBD kernel: its clone runs ocf:pacemaker:Stateful, so no
    # ocf:linbit:drbd primitive is found there.
    assert cib.parse_drbd_primitives(fixture_text(*PCMK, "cibadmin-Q-healthy.xml")) == {}


def test_configure_show_splits_into_objects():
    objects = cib.split_crm_objects(fixture_text(*CRMSH, "crm-configure-show.txt"))
    assert {"rsc_drbd_res0", "rsc_kvm_havm", "ms_drbd_res0", "drbd_before_kvm", "kvm_havm_on_drbd"} <= set(objects)
    assert objects["cib-bootstrap-options"].startswith("property cib-bootstrap-options:")
    assert "\\" not in objects["rsc_kvm_havm"]


def test_a_fence_device_compares_equal_only_as_shown_with_the_password_names_obscured():
    # What drbdha's IPMI fencing loads (drbdha_fencing.ipmi_objects on the lab's pillar).
    ours = (
        "primitive stonith_node-1 stonith:fence_ipmilan params ip=10.0.4.21 ipport=623 username=admin "
        'lanplus=1 cipher=3 password_script="cat /etc/drbdha/fencing/ipmi-node-1" pcmk_host_list=node-1 '
        "op monitor interval=3600 timeout=120"
    )
    default = fixture_text(*CRMSH, "crm-configure-show-fence-device-obscured.txt")
    narrowed = fixture_text(*CRMSH, "crm-configure-show-fence-device-obscure-password.txt")
    assert 'password_script="******"' in default
    assert cib.canonical_crm_object(default) != cib.canonical_crm_object(ours)
    assert cib.canonical_crm_object(narrowed) == cib.canonical_crm_object(ours)


def test_canonical_form_ignores_formatting_run_time_meta_and_agent_spelling():
    shown = cib.split_crm_objects(fixture_text(*CRMSH, "crm-configure-show.txt"))
    ours = (
        'primitive rsc_kvm_havm ocf:heartbeat:VirtualDomain params config="/etc/havm/havm.xml" '
        'hypervisor="qemu:///system" op monitor interval=10 timeout=30 op start interval=0 timeout=120s '
        "op stop interval=0 timeout=360s"
    )
    assert cib.canonical_crm_object(ours) == cib.canonical_crm_object(shown["rsc_kvm_havm"])
    assert cib.canonical_crm_object(ours.replace("360s", "300s")) != cib.canonical_crm_object(shown["rsc_kvm_havm"])
    assert cib.canonical_crm_object(
        "colocation kvm_havm_on_drbd inf: rsc_kvm_havm ms_drbd_res0:Master"
    ) == cib.canonical_crm_object(shown["kvm_havm_on_drbd"])


def test_runtime_meta_is_found():
    shown = cib.split_crm_objects(fixture_text(*CRMSH, "crm-configure-show.txt"))
    assert cib.runtime_meta_of(shown["rsc_kvm_havm"]) == ["target-role=Started"]


def test_fixtures_have_notes():
    for folder in (FIXTURES / "pacemaker" / "2.1.5", FIXTURES / "crmsh" / "4.4.1"):
        assert any(folder.glob("*.md")) or all(
            p.with_name(p.name + ".note").exists() for p in folder.iterdir() if p.suffix in (".xml", ".txt")
        ), folder


def test_failed_actions():
    status = mon("crm_mon-failed-bad-config.xml")
    broken = [f for f in status["failures"] if f["op"] == "rsc_kvm_broken_start_0"]
    assert {f["node"] for f in broken} == {"node-1", "node-2"}
    assert broken[0]["exitstatus"] == "not installed"
    assert broken[0]["exitreason"] == "environment is invalid, resource considered stopped"
    assert broken[0]["exitcode"] == 5


def test_unclean_node():
    status = mon("crm_mon-node-1-unclean.xml")
    assert status["nodes"]["node-1"]["unclean"] and not status["nodes"]["node-1"]["online"]
    assert status["dc"] == "node-2"


def test_cleanly_offline_node():
    status = mon("crm_mon-node-2-offline-clean.xml")
    node = status["nodes"]["node-2"]
    assert not node["online"] and not node["unclean"]


def test_fence_history_in_order_of_completion():
    status = mon("crm_mon-fence-history-failed-then-ok.xml")
    events = status["fence_history"]
    assert {e["status"] for e in events} == {"success", "failed"}
    assert all(e["action"] == "reboot" for e in events)


def test_standby_and_maintenance():
    assert mon("crm_mon-standby-node-1.xml")["nodes"]["node-1"]["standby"]
    assert mon("crm_mon-maintenance-mode.xml")["maintenance_mode"]
    assert mon("crm_mon-node-maintenance-node-2.xml")["nodes"]["node-2"]["maintenance"]


def test_failure_messages_lose_crmsh_colours():
    stderr = fixture_text(*CRMSH, "crm-resource-move-unknown-node.txt.stderr")
    assert "\x1b[" in stderr
    message = load_file("_utils", "drbdha_util").describe_failure({"stderr": stderr})
    assert "\x1b[" not in message and message


# Captured in the full-tier lab: the real ocf:linbit:drbd clone on DRBD 8.4.11.


def test_lab_real_drbd_clone_and_guest():
    status = mon("lab-crm_mon-healthy.xml")
    clone = status["clones"]["ms_drbd_res0"]
    assert clone["promotable"] and len(clone["promoted"]) == 1 and len(clone["unpromoted"]) == 1
    assert {i["agent"] for i in clone["instances"]} == {"ocf:linbit:drbd"}
    guest = status["resources"]["rsc_kvm_sesadm"]
    assert guest["nodes"] == clone["promoted"]


def test_lab_drbd_primitive_is_found_in_the_cib():
    assert cib.parse_drbd_primitives(fixture_text(*PCMK, "lab-cibadmin-Q-healthy.xml")) == {"res0": "rsc_drbd_res0"}


def test_lab_fence_by_handler_constraint_is_a_leftover_with_its_rule():
    cons = cib.parse_constraints_xml(fixture_text(*PCMK, "lab-cibadmin-constraints-fence-by-handler.xml"))
    assert cons["leftovers"] == ["drbd-fence-by-handler-res0-ms_drbd_res0"]
    (fence,) = [c for c in cons["location"] if c["id"].startswith("drbd-fence-by-handler-")]
    (rule,) = fence["rules"]
    # crm-fence-peer.sh of drbd-utils 9.22 still writes role="Master"; it reads as Promoted.
    assert rule["role"] == "Promoted" and rule["score"] == "-INFINITY"
    assert rule["expressions"] == ["#uname ne node-2"]
    after = cib.parse_constraints_xml(fixture_text(*PCMK, "lab-cibadmin-constraints-after-unfence.xml"))
    assert after["leftovers"] == []
