"""corosync.conf as text (_utils/drbdha_corosync.py): sections found, replaced and counted, the rest kept."""

import pytest
from helpers import fixture_text, load_file

corosync = load_file("_utils", "drbdha_corosync")
fencing = load_file("_utils", "drbdha_fencing")

# What crm cluster init wrote on the lab's node-1 (fixture NOTES.md: command and versions).
CRMSH_CONF = fixture_text("crmsh", "4.4.1", "corosync.conf-after-crm-cluster-init.txt")
DEVICE = {"host": "10.0.2.2", "port": 5403, "algorithm": "ffsplit", "tie_breaker": "lowest", "timeout": 10000,
          "sync_timeout": 30000}  # fmt: skip
WITH_DEVICE = fencing.quorum_section_text({"two_node": False, "device": DEVICE})


def test_crmshs_quorum_section_is_found_with_its_comments():
    section = corosync.section_text(CRMSH_CONF, "quorum")
    assert section.startswith("quorum {\n") and section.endswith("}\n")
    assert "provider: corosync_votequorum" in section
    assert corosync.inner_section_text(section, "device") is None
    assert corosync.node_count(CRMSH_CONF) == 1


def test_the_quorum_section_is_replaced_and_every_other_line_kept():
    new = corosync.with_section(CRMSH_CONF, "quorum", WITH_DEVICE)
    assert corosync.section_text(new, "quorum") == WITH_DEVICE
    assert corosync.inner_section_text(WITH_DEVICE, "device").splitlines()[0].strip() == "device {"
    span = corosync.section_span(CRMSH_CONF, "quorum")
    old_lines, new_lines = CRMSH_CONF.splitlines(), new.splitlines()
    assert new_lines[: span[0]] == old_lines[: span[0]]
    assert new_lines[span[0] + len(WITH_DEVICE.splitlines()) :] == old_lines[span[1] :]
    # Setting it again changes nothing.
    assert corosync.with_section(new, "quorum", WITH_DEVICE) == new


def test_a_file_without_the_section_gets_it_appended():
    text = "totem {\n    version: 2\n}\n"
    assert corosync.with_section(text, "quorum", WITH_DEVICE) == text + "\n" + WITH_DEVICE


def test_nested_sections_of_the_same_name_are_not_taken_for_the_top_level_one():
    text = "totem {\n    interface {\n        quorum {\n        }\n    }\n}\n"
    assert corosync.section_span(text, "quorum") is None


@pytest.mark.parametrize(
    "text",
    ["quorum {\n    provider: corosync_votequorum\n", "}\nquorum {\n}\n"],
    ids=["left-open", "stray-brace"],
)
def test_a_file_that_is_not_corosyncs_is_refused(text):
    with pytest.raises(ValueError):
        corosync.section_text(text, "quorum")


@pytest.mark.parametrize(
    "section", ["provider: corosync_votequorum\n", "quorum {\n}\nlogging {\n}\n", "totem {\n}\n"],
    ids=["no-block", "two-blocks", "other-block"],
)  # fmt: skip
def test_the_new_section_must_be_one_quorum_block(section):
    with pytest.raises(ValueError):
        corosync.with_section(CRMSH_CONF, "quorum", section)


def test_the_nodelist_counts_its_nodes():
    nodes = "nodelist {\n    node {\n        ring0_addr: a\n    }\n    # node {\n    node{\n    }\n}\n"
    assert corosync.node_count(nodes) == 2
    assert corosync.node_count("totem {\n}\n") == 0
