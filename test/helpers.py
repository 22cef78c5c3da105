"""Shared test helpers: load the formula's modules straight from their files."""

import importlib.util
import inspect
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "test" / "fixtures"


def load_file(kind, name):
    """Import ROOT/<kind>/<name>.py as a stand-alone module (e.g. _modules/drbdadm.py)."""
    path = ROOT / kind / f"{name}.py"
    mod_name = f"drbdha_test_{kind.strip('_')}_{name}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    module.__context__ = {}  # as Salt's loader gives every module (per job)
    return module


def utils_dunder():
    """What Salt's loader puts in ``__utils__`` for the formula's _utils: every public function of every file."""
    found = {}
    for path in sorted((ROOT / "_utils").glob("*.py")):
        util = load_file("_utils", path.stem)
        found.update(
            {
                f"{path.stem}.{name}": getattr(util, name)
                for name in dir(util)
                if not name.startswith("_") and inspect.isfunction(getattr(util, name))
            }
        )
    return found


def fixture_text(*parts):
    return (FIXTURES.joinpath(*parts)).read_text(encoding="utf-8")


def drbd9_status(fixture):
    """Every resource's status from a captured ``drbdsetup status --json`` (test/fixtures/drbd/9)."""
    return load_file("_utils", "drbdha_drbd").parse_status_json(fixture_text("drbd", "9", fixture))


def drbd84_status(status_file, proc_file):
    """res0's status from captured DRBD 8.4.11 output, merged with /proc/drbd as drbdadm.status does."""
    drbd = load_file("_utils", "drbdha_drbd")
    resources = drbd.parse_status_text(fixture_text("drbd", "8.4.11", status_file))
    for volume in resources["res0"]["volumes"]:
        # drbdadm status names no minor; the verbose status the module runs does (res0 is minor 0).
        volume["minor"] = 0 if volume["minor"] is None else volume["minor"]
    proc = drbd.parse_proc_drbd(fixture_text("drbd", "8.4.11", proc_file))
    return drbd.merge_proc_drbd(resources, proc)["res0"]


# Captured DRBD 8.4.11 status pairs (status, /proc/drbd): after a split brain, and healthy.
STANDALONE_84 = ("drbdadm-status-splitbrain-node-2.txt", "proc-drbd-splitbrain-node-2.txt")
CONNECTED_84 = ("drbdsetup-status-verbose-primary.txt", "proc-drbd-primary-connected.txt")


def crm_mon(fixture="crm_mon-healthy.xml"):
    """The cluster's status from a captured ``crm_mon --output-as=xml`` (test/fixtures/pacemaker/2.1.5)."""
    return load_file("_utils", "drbdha_cib").parse_crm_mon_xml(fixture_text("pacemaker", "2.1.5", fixture))


class Recorder(dict):
    """A __salt__ stand-in that records every call by name."""

    def __init__(self, **functions):
        super().__init__()
        self.calls = []
        for name, func in functions.items():
            self[name.replace("__", ".")] = self._wrap(name.replace("__", "."), func)

    def _wrap(self, name, func):
        def call(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return func(*args, **kwargs) if callable(func) else func

        return call

    def names(self):
        return [c[0] for c in self.calls]


def loader_dunders(**dunders):
    """A module's dunders for one state run, for a test's ``configure_loader_modules`` fixture."""
    base = {"__salt__": {}, "__opts__": {"test": False}, "__context__": {}, "__grains__": {}, "__pillar__": {}}
    return {**base, "__utils__": utils_dunder(), **dunders}


def call_recorder(module, salt, test=False):
    """Let a module set up by ``configure_loader_modules`` call the recorder's functions, in test mode or not."""
    module.__salt__.update(salt)
    module.__opts__["test"] = test
