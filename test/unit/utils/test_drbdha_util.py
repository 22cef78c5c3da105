"""drbdha_util: commands run as argv lists and recorded without their input; how two DRBD generations compare."""

import json
import os
import stat

import pytest
from helpers import fixture_text, load_file

util = load_file("_utils", "drbdha_util")
drbd = load_file("_utils", "drbdha_drbd")


def test_every_command_is_recorded_without_its_input(tmp_path, cmdmod_ready):
    """The command log (drbdha_command_log) has argv and exit code, never stdin."""
    log_path = tmp_path / "commands.log"
    util.run(cmdmod_ready.run_all, ["true"], record=str(log_path))
    util.run(cmdmod_ready.run_all, ["cat"], stdin="a-secret\n", quiet=True, record=str(log_path))
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert [entry["argv"] for entry in lines] == [["true"], ["cat"]]
    assert all(entry["retcode"] == 0 for entry in lines)
    assert "a-secret" not in log_path.read_text()
    assert stat.S_IMODE(os.stat(log_path).st_mode) == 0o600


def gi(fixture):
    return drbd.parse_generation_ids(fixture_text("drbd", "8.4.11", fixture))


@pytest.mark.parametrize(
    ("scenario", "relation"),
    [
        ("healthy", "same"),  # the Primary's current differs only in its lowest bit
        ("disconnected", "mine_newer"),  # node-1 wrote on alone; node-2 is where node-1 was
        ("splitbrain", "diverged"),  # both were Primary apart
        ("recovered", "same"),
    ],
)
def test_generations_tell_a_split_brain_from_one_side_ahead(scenario, relation):
    node_1, node_2 = gi(f"{scenario}-node-1-get-gi.txt"), gi(f"{scenario}-node-2-get-gi.txt")
    assert util.compare_generations(node_1, node_2) == relation
    mirrored = {"mine_newer": "theirs_newer"}.get(relation, relation)
    assert util.compare_generations(node_2, node_1) == mirrored


def test_a_pillar_that_is_not_a_mapping_is_refused():
    assert util.pillar_problems(["x"]) == ["drbdha: the pillar key must be a mapping, got list"]


def test_password_check_against_shadow():
    import crypt

    hashed = crypt.crypt("right-password", crypt.mksalt(crypt.METHOD_SHA512))
    shadow = f"root:*:1:0:99999:7:::\nhacluster:{hashed}:1:0:99999:7:::\n"
    assert util.shadow_hash("hacluster", shadow) == hashed
    assert util.shadow_hash("nobody", shadow) is None
    assert util.password_matches("right-password", hashed)
    assert not util.password_matches("wrong-password", hashed)
    assert not util.password_matches("x", "!")
