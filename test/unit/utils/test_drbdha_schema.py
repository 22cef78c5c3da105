"""
The pillar's declaration (_utils/drbdha_schema.py): it refuses unknown keys and values of the
wrong kind, and defaults.yaml, osfamilymap.yaml and pillar.example are held to it.
"""

import re

import pytest
import yaml
from helpers import ROOT, load_file
from salt.utils.dictupdate import merge

schema = load_file("_utils", "drbdha_schema")

DEFAULTS = yaml.safe_load((ROOT / "drbdha" / "defaults.yaml").read_text())["drbdha"]
OS_FAMILIES = yaml.safe_load((ROOT / "drbdha" / "osfamilymap.yaml").read_text())
EXAMPLE_TEXT = (ROOT / "pillar.example").read_text()
EXAMPLE = yaml.safe_load(EXAMPLE_TEXT)["drbdha"]
# The names pillar.example gives to what a site names itself (nodes, resources, guests).
EXAMPLE_NAMES = {"node-1", "node-2", "res0", "sesadm"}


@pytest.mark.parametrize("family", sorted(OS_FAMILIES))
def test_defaults_and_each_os_familys_values_are_declared_keys_of_the_right_kind(family):
    assert schema.structure_problems(DEFAULTS) == []
    assert schema.structure_problems(OS_FAMILIES[family]) == []
    merged = merge(merge(DEFAULTS, OS_FAMILIES[family], merge_lists=False), EXAMPLE, merge_lists=False)
    assert schema.structure_problems(merged) == []


def documented_paths(text):
    """
    The key paths pillar.example shows, set or commented out. A commented-out
    key sits where it would be set: its indentation is the spaces before the
    ``#`` plus those after ``# ``. Flow mappings (``{ip: …, user: …}``) count
    too; a site-chosen name is ``*``.
    """
    paths, stack = set(), []
    for line in text.splitlines():
        match = re.match(r"^( *)(?:# )?( *)([a-z_][a-z0-9_-]*):( .*|)$", line)
        if not match:
            continue
        indent = len(match.group(1)) + len(match.group(2))
        stack = [(i, k) for i, k in stack if i < indent]
        path = tuple(k for _, k in stack) + (match.group(3),)
        paths.add(path)
        rest = match.group(4).split(" #")[0].strip()
        if rest.startswith("{"):
            paths.update(path + (name,) for name in yaml.safe_load(rest))
        stack.append((indent, match.group(3)))
    return {
        tuple("*" if part in EXAMPLE_NAMES else part for part in p[1:]) for p in paths if p[0] == "drbdha" and p[1:]
    }


def test_pillar_example_documents_every_declared_key_and_no_other():
    declared = set(schema.key_paths())
    documented = documented_paths(EXAMPLE_TEXT)
    assert sorted(declared - documented) == [], "declared but not in pillar.example"
    assert sorted(documented - declared) == [], "in pillar.example but not declared"


def test_the_documentation_reader_sees_commented_keys_and_flow_mappings():
    text = "drbdha:\n  nodes:\n    node-1:\n      id: 0\n  # first_node: node-1\n  # network:\n  #   gateway: x\n"
    text += "  cluster:\n    # ipmi: {ip: a, user: b}\n"
    assert documented_paths(text) == {
        ("nodes",),
        ("nodes", "*"),
        ("nodes", "*", "id"),
        ("first_node",),
        ("network",),
        ("network", "gateway"),
        ("cluster",),
        ("cluster", "ipmi"),
        ("cluster", "ipmi", "ip"),
        ("cluster", "ipmi", "user"),
    }


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"clustr": {}}, "drbdha: unknown key 'clustr' (did you mean 'cluster'?)"),
        (
            {"cluster": {"stonith": {"mdoe": "sbd"}}},
            "drbdha:cluster:stonith: unknown key 'mdoe' (did you mean 'mode'?)",
        ),
        (
            {"vms": {"a": {"zzz": 1}}},
            "drbdha:vms:a: unknown key 'zzz' (known: resource, import_xml, install, timeouts)",
        ),
        (
            {"nodes": ["node-1", "node-2"]},
            "drbdha:nodes: must be a mapping of node names to their settings, got a list",
        ),
        ({"cluster": None}, "drbdha:cluster: must be a mapping of settings, got null"),
        ({"time": {"servers": "ntp.example"}}, "drbdha:time:servers: must be a list, got text 'ntp.example'"),
        ({"drbd": {"resources": {"r": {"port": "7788"}}}}, "drbdha:drbd:resources:r:port: must be a whole number"),
        ({"drbd": {"resources": {"r": {"disk": ["/dev/a"]}}}}, "drbdha:drbd:resources:r:disk: must be text, or a"),
        ({"packages": {"install": "yes"}}, "drbdha:packages:install: must be true or false, got text 'yes'"),
        ({"nodes": {"n": {"id": True}}}, "drbdha:nodes:n:id: must be a whole number, got true or false True"),
        ("just text", "drbdha: must be a mapping of settings, got text"),
    ],
)
def test_unknown_keys_and_values_of_the_wrong_kind_are_named(config, problem):
    problems = schema.structure_problems(config)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_keys_left_empty_are_keys_not_set_and_disks_may_be_per_node():
    config = {"first_node": None, "drbd": {"resources": {"r": {"disk": {"node-1": "/dev/a", "node-2": "/dev/b"}}}}}
    assert schema.structure_problems(config) == []


def test_a_pillar_layered_over_another_may_leave_an_optional_section_out_with_null():
    # As the lab's crmsh drill does over the lab pillar's SBD: the fencing sections have no defaults.
    config = {"cluster": {"stonith": {"mode": "none", "sbd": None, "ipmi": None}, "qdevice": None}}
    assert schema.structure_problems(config) == []
    assert schema.structure_problems({"cluster": {"stonith": None}}) == [
        "drbdha:cluster:stonith: must be a mapping of settings, got null"
    ]
