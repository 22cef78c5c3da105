"""map.jinja's settings, made once per state run and handed out as copies."""

import copy

import pytest
import yaml
from helpers import ROOT, load_file, utils_dunder

drbdha = load_file("_modules", "drbdha")
drbdha.__utils__ = utils_dunder()


@pytest.fixture
def run():
    """A fresh run on node-1 of pillar.example (DRBD 9), as the loader would set it up."""
    pillar = {"drbdha": yaml.safe_load((ROOT / "pillar.example").read_text())["drbdha"]}
    drbdha.__pillar__ = pillar
    drbdha.__grains__ = {"id": "node-1", "os_family": "Debian"}
    drbdha.__context__ = {}
    drbdha.__salt__ = {}
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
        drbdha.__grains__ = {"id": "node-1", "os_family": "Suse"}
    assert drbdha.settings_of_this_run() is None
