"""What drbdha writes (_utils/drbdha_config.py): DRBD's configuration files and the CIB objects, from the settings."""

import copy
import json
import pathlib

import pytest
import yaml
from helpers import FIXTURES, ROOT, fixture_text, load_file, loader_dunders
from salt.utils.dictupdate import merge

config = load_file("_utils", "drbdha_config")
fencing = load_file("_utils", "drbdha_fencing")
derived = load_file("_utils", "drbdha_settings")
cib = load_file("_utils", "drbdha_cib")
crmsh_state = load_file("_states", "crmsh")


@pytest.fixture
def configure_loader_modules():
    """The crmsh states' comparison of CIB objects, as a state run loads it."""
    return {crmsh_state: loader_dunders()}


def _fencing_mode(path):
    return ((yaml.safe_load(path.read_text())["drbdha"].get("cluster") or {}).get("stonith") or {}).get("mode", "none")


PILLARS = [ROOT / "pillar.example", *sorted((ROOT / "test" / "pillar" / "good").glob("*.yaml"))]
BY_TEMPLATES = json.loads((FIXTURES / "drbd-config" / "rendered-by-templates.json").read_text())


def settings(pillar_path, major):
    defaults = yaml.safe_load((ROOT / "drbdha" / "defaults.yaml").read_text())["drbdha"]
    merged = merge(copy.deepcopy(defaults), yaml.safe_load(pathlib.Path(pillar_path).read_text())["drbdha"])
    return derived.derive_settings(merged, sorted(merged["nodes"])[0], major)


def drbd_files(s):
    """DRBD's files as drbdha.drbd_config_files writes them: with the fencing mode's policy."""
    return config.drbd_config_files(s, fencing.drbd_fencing_policy(s))


def with_node_fencing(files):
    """What the earlier releases' templates wrote, with the policy node fencing gives DRBD."""
    old, new = (config._FENCING_COMMENTS[p] for p in ("resource-only", "resource-and-stonith"))
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
    assert drbd_files(settings(pillar_path, major)) == expected


def test_every_fixture_is_checked():
    assert len(BY_TEMPLATES) == 2 * len(TEMPLATE_PILLARS)


@pytest.mark.parametrize("pillar_path", PILLARS, ids=lambda p: p.stem)
def test_drbd_fencing_follows_node_fencing(pillar_path):
    text = drbd_files(settings(pillar_path, 8))["global_common.conf"]
    policy = "resource-only" if _fencing_mode(pillar_path) == "none" else "resource-and-stonith"
    assert f"fencing {policy};" in text


def test_the_shared_secret_is_only_a_placeholder():
    s = settings(ROOT / "pillar.example", 9)
    files = drbd_files(s)
    assert f'shared-secret "{config.SECRET_PLACEHOLDER}";' in files["global_common.conf"]
    assert s["drbd"]["shared_secret"] not in "".join(files.values())


@pytest.mark.parametrize(
    ("major", "syntax", "absent"), [(9, "node-id 0;", "udev-always-use-vnr"), (8, "udev-always-use-vnr;", "node-id")]
)
def test_syntax_follows_the_major_version(major, syntax, absent):
    text = "".join(drbd_files(settings(ROOT / "pillar.example", major)).values())
    assert syntax in text and absent not in text


def test_one_file_per_resource_with_its_disks():
    s = settings(ROOT / "test" / "pillar" / "good" / "two-resources-two-vms.yaml", 9)
    files = drbd_files(s)
    assert sorted(files) == sorted(["global_common.conf", *(f"{name}.res" for name in s["drbd"]["resources"])])
    for name, res in s["drbd"]["resources"].items():
        for node, disk in res["disks"].items():
            assert f"on {node} {{" in files[f"{name}.res"] and f"disk {disk};" in files[f"{name}.res"]


def example_settings():
    example = yaml.safe_load((ROOT / "pillar.example").read_text())["drbdha"]
    example = copy.deepcopy(example)
    example.setdefault(
        "vm_defaults", {"timeouts": {"start": "120s", "stop": "360s", "monitor": "30s", "monitor_interval": "10s"}}
    )
    return derived.derive_settings(example, "node-1", 9)


def cib_objects(s):
    """The CIB objects as drbdha.cib_objects loads them: with the fencing mode's guest meta and objects."""
    return config.cib_objects(s, fencing.guest_meta(s), fencing.ipmi_objects(s))


def test_cib_objects_follow_the_reference_procedure():
    objects = {cib.canonical_crm_object(o)[1]: o for o in cib_objects(example_settings())}
    assert set(objects) >= {"rsc_drbd_res0", "ms_drbd_res0", "rsc_kvm_sesadm", "rsc_vip"}
    assert 'config="/etc/havm/sesadm.xml"' in objects["rsc_kvm_sesadm"]
    assert "op stop interval=0 timeout=360s" in objects["rsc_kvm_sesadm"]
    assert "role=Promoted" in objects["rsc_drbd_res0"] and "role=Unpromoted" in objects["rsc_drbd_res0"]
    (colocation,) = [o for o in objects.values() if o.startswith("colocation")]
    assert colocation.endswith("rsc_kvm_sesadm ms_drbd_res0:Promoted")
    (order,) = [o for o in objects.values() if o.startswith("order")]
    assert order.endswith("ms_drbd_res0:promote rsc_kvm_sesadm:start")


def test_cib_objects_converge_against_what_crmsh_shows_back():
    """Objects in the form crmsh 4.4.1 shows them compare equal to ours (no reload every apply)."""
    shown = cib.split_crm_objects(fixture_text("crmsh", "4.4.1", "crm-configure-show.txt"))
    ours = [
        "clone ms_drbd_res0 rsc_drbd_res0 meta promotable=true promoted-max=1 promoted-node-max=1 "
        "clone-max=2 clone-node-max=1 notify=true",
    ]
    to_load, _ = crmsh_state.plan_cib_changes(ours, shown, cib.canonical_crm_object)
    assert to_load == []


def test_formula_objects_match_what_crmsh_shows_in_the_lab():
    """The objects drbdha loads compare equal to their crmsh 4.4.1 rendering (lab fixture),
    so a converged apply loads nothing."""
    shown = cib.split_crm_objects(fixture_text("pacemaker", "2.1.5", "lab-crm-configure-show.txt"))
    ours = {cib.canonical_crm_object(o)[1]: o for o in cib_objects(example_settings())}
    # The lab's hand-made CIB has no notify op and names the constraints differently.
    drbd = ours["rsc_drbd_res0"].replace(" op notify interval=0 timeout=90", "")
    assert cib.canonical_crm_object(drbd) == cib.canonical_crm_object(shown["rsc_drbd_res0"])
    assert cib.canonical_crm_object(ours["ms_drbd_res0"]) == cib.canonical_crm_object(shown["ms_drbd_res0"])


def test_the_fencing_modes_parts_go_into_the_cib_objects():
    s = example_settings()
    objects = config.cib_objects(s, {"priority": "10"}, ["primitive rsc_fence ..."])
    (guest,) = [o for o in objects if o.startswith("primitive rsc_kvm_sesadm ")]
    assert guest.endswith(" meta priority=10")
    assert objects[-1] == "primitive rsc_fence ..."
    assert not any(" meta priority" in o for o in config.cib_objects(s, {}, []))


def test_resource_names():
    assert config.drbd_primitive_id("res0") == "rsc_drbd_res0"
    assert config.drbd_clone_id("res0") == "ms_drbd_res0"
    assert config.guest_resource_id("sesadm") == "rsc_kvm_sesadm"
    assert config.domain_of(config.guest_resource_id("sesadm")) == "sesadm"
    # A VirtualDomain resource someone else named is its own domain.
    assert config.domain_of("havm") == "havm"
    assert config.secret_placeholder() == config.SECRET_PLACEHOLDER
