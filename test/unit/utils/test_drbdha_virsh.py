"""Parsers of virsh output and domain XML on what libvirt 9.0 printed (test/fixtures/libvirt/9.0.0)."""

import pytest
from helpers import fixture_text, load_file

virsh_text = load_file("_utils", "drbdha_virsh")

LV = ("libvirt", "9.0.0")


@pytest.mark.parametrize(
    "fixture, state",
    [
        ("virsh-list-all-running.txt", "running"),
        ("virsh-list-all-paused.txt", "paused"),
        ("virsh-list-all-shutoff.txt", "shut off"),
    ],
)
def test_list_all(fixture, state):
    domains = virsh_text.parse_list_all(fixture_text(*LV, fixture))
    assert list(domains.values()) == [state]


@pytest.mark.parametrize(
    "fixture, state, reason",
    [
        ("virsh-domstate-reason-running.txt", "running", "booted"),
        ("virsh-domstate-reason-shutdown.txt", "shut off", "shutdown"),
        ("virsh-domstate-reason-destroyed.txt", "shut off", "destroyed"),
        ("virsh-domstate-running.txt", "running", None),
        ("virsh-domstate-shutoff.txt", "shut off", None),
    ],
)
def test_domstate(fixture, state, reason):
    parsed = virsh_text.parse_domstate(fixture_text(*LV, fixture))
    assert parsed["state"] == state
    if reason is not None:
        assert parsed["reason"] == reason


def test_dominfo_of_the_clusters_transient_guest():
    info = virsh_text.parse_dominfo(fixture_text(*LV, "virsh-dominfo-running.txt"))
    assert info["name"] == "havm" and info["state"] == "running"
    assert info["persistent"] is False and info["autostart"] is False


def test_domain_xml_summary():
    summary = virsh_text.summarize_domain_xml(fixture_text(*LV, "virsh-dumpxml-running.xml"))
    assert summary["name"] == "havm" and summary["type"] == "qemu"
    assert summary["memory_kib"] == 98304
    # The fast tier's guest boots from its initramfs alone: no disk.
    assert summary["disks"] == []
