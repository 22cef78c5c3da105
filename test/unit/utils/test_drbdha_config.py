"""DRBD's configuration files, built from the settings (drbdha.drbd_config_files)."""

import copy
import json
import pathlib

import pytest
import yaml
from helpers import FIXTURES, ROOT, load_file, utils_dunder
from salt.utils.dictupdate import merge

drbdha = load_file("_modules", "drbdha")
drbdha.__utils__ = utils_dunder()


def _fencing_mode(path):
    return ((yaml.safe_load(path.read_text())["drbdha"].get("cluster") or {}).get("stonith") or {}).get("mode", "none")


PILLARS = [ROOT / "pillar.example", *sorted((ROOT / "test" / "pillar" / "good").glob("*.yaml"))]
BY_TEMPLATES = json.loads((FIXTURES / "drbd-config" / "rendered-by-templates.json").read_text())


def settings(pillar_path, major):
    defaults = yaml.safe_load((ROOT / "drbdha" / "defaults.yaml").read_text())["drbdha"]
    config = merge(copy.deepcopy(defaults), yaml.safe_load(pathlib.Path(pillar_path).read_text())["drbdha"])
    return drbdha.derive_settings(config, sorted(config["nodes"])[0], major)


def with_node_fencing(files):
    """What the earlier releases' templates wrote, with the policy node fencing gives DRBD."""
    old, new = (drbdha._FENCING_COMMENTS[p] for p in ("resource-only", "resource-and-stonith"))
    changed = {}
    for name, text in files.items():
        fenced = text.replace("fencing resource-only;", "fencing resource-and-stonith;")
        for before, after in zip(old, new):
            fenced = fenced.replace(before, after)
        changed[name] = fenced
    return changed


# The pillars whose files the earlier releases wrote with templates.
TEMPLATE_PILLARS = [p for p in PILLARS if f"{p.stem}-8" in BY_TEMPLATES]


@pytest.mark.parametrize("major", [8, 9])
@pytest.mark.parametrize("pillar_path", TEMPLATE_PILLARS, ids=lambda p: p.stem)
def test_same_text_as_the_templates_of_earlier_releases(pillar_path, major):
    """An upgraded node finds its files unchanged, so the apply rewrites nothing; with node
    fencing only DRBD's fencing policy differs (earlier releases kept resource-only for every mode)."""
    expected = BY_TEMPLATES[f"{pillar_path.stem}-{major}"]
    if _fencing_mode(pillar_path) != "none":
        expected = with_node_fencing(expected)
    assert drbdha.build_drbd_config(settings(pillar_path, major)) == expected


def test_every_fixture_is_checked():
    assert len(BY_TEMPLATES) == 2 * len(TEMPLATE_PILLARS)


@pytest.mark.parametrize("pillar_path", PILLARS, ids=lambda p: p.stem)
def test_drbd_fencing_follows_node_fencing(pillar_path):
    text = drbdha.build_drbd_config(settings(pillar_path, 8))["global_common.conf"]
    policy = "resource-only" if _fencing_mode(pillar_path) == "none" else "resource-and-stonith"
    assert f"fencing {policy};" in text


def test_the_shared_secret_is_only_a_placeholder():
    s = settings(ROOT / "pillar.example", 9)
    files = drbdha.build_drbd_config(s)
    assert f'shared-secret "{drbdha.SECRET_PLACEHOLDER}";' in files["global_common.conf"]
    assert s["drbd"]["shared_secret"] not in "".join(files.values())


@pytest.mark.parametrize(
    ("major", "syntax", "absent"), [(9, "node-id 0;", "udev-always-use-vnr"), (8, "udev-always-use-vnr;", "node-id")]
)
def test_syntax_follows_the_major_version(major, syntax, absent):
    text = "".join(drbdha.build_drbd_config(settings(ROOT / "pillar.example", major)).values())
    assert syntax in text and absent not in text


def test_one_file_per_resource_with_its_disks():
    s = settings(ROOT / "test" / "pillar" / "good" / "two-resources-two-vms.yaml", 9)
    files = drbdha.build_drbd_config(s)
    assert sorted(files) == sorted(["global_common.conf", *(f"{name}.res" for name in s["drbd"]["resources"])])
    for name, res in s["drbd"]["resources"].items():
        for node, disk in res["disks"].items():
            assert f"on {node} {{" in files[f"{name}.res"] and f"disk {disk};" in files[f"{name}.res"]
