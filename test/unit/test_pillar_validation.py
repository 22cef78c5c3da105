"""Every bad pillar in test/pillar/bad is rejected naming its key; good ones pass."""

import pathlib

import pytest
import yaml
from helpers import ROOT, load_file, utils_dunder

util = load_file("_utils", "drbdha_util")
drbdha = load_file("_modules", "drbdha")
drbdha.__utils__ = utils_dunder()

BAD = sorted((ROOT / "test" / "pillar" / "bad").glob("*.yaml"))
GOOD = [ROOT / "pillar.example", *sorted((ROOT / "test" / "pillar" / "good").glob("*.yaml"))]


def expected_key(path):
    for line in pathlib.Path(path).read_text().splitlines():
        if line.startswith("# expect: "):
            return line.split(": ", 1)[1].strip()
    raise AssertionError(f"{path} has no '# expect:' line")


def test_there_are_enough_bad_pillars():
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_pillar_is_rejected_naming_the_key(path):
    problems = drbdha.validate(yaml.safe_load(path.read_text())["drbdha"])
    key = expected_key(path)
    assert any(p.startswith(f"{key}: ") for p in problems), problems


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_pillar_has_no_problem(path):
    assert drbdha.validate(yaml.safe_load(path.read_text())["drbdha"]) == []


def test_not_a_mapping():
    assert util.pillar_problems(["x"]) == ["drbdha: the pillar key must be a mapping, got list"]
