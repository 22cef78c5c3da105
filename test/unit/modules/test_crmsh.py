"""The crmsh module's bootstrap commands: an exit code of 0 is not taken as a running cluster."""

import pytest
from helpers import load_file, utils_dunder
from salt.exceptions import CommandExecutionError

crmsh = load_file("_modules", "crmsh")


class Crm:
    """A cmd.run_all for crm cluster init/join (exit 0) and crm_mon (``mon_retcode``)."""

    def __init__(self, mon_retcode):
        self.mon_retcode = mon_retcode
        self.argvs = []

    def run_all(self, argv, **kwargs):
        self.argvs.append(argv)
        if argv[0] == "crm_mon":
            return {"retcode": self.mon_retcode, "stdout": "", "stderr": "crm_mon: Connection to cluster failed"}
        return {"retcode": 0, "stdout": "  output of crmsh\n", "stderr": ""}


@pytest.fixture(params=[0, 102])
def tool(request):
    return Crm(request.param)


@pytest.fixture
def configure_loader_modules(tool):
    return {
        crmsh: {
            "__salt__": {"cmd.run_all": tool.run_all},
            "__opts__": {},
            "__context__": {},
            "__utils__": utils_dunder(),
        }
    }


@pytest.mark.parametrize(
    ("command", "args", "argv"),
    [
        ("cluster_init", ("hacluster",), ["crm", "cluster", "init", "-y", "--name", "hacluster", "--unicast"]),
        ("cluster_join", ("node-1",), ["crm", "cluster", "join", "-y", "--cluster-node", "node-1"]),
    ],
)
def test_a_bootstrap_that_leaves_no_cluster_running_fails(tool, command, args, argv):
    """crmsh 4.4.1 exits 0 after some errors (an unknown --interface): the cluster must answer afterwards."""
    if tool.mon_retcode == 0:
        assert getattr(crmsh, command)(*args) == "  output of crmsh\n"
    else:
        with pytest.raises(CommandExecutionError, match=f"{' '.join(argv[:3])} ended, but this node runs no cluster"):
            getattr(crmsh, command)(*args)
    assert tool.argvs == [argv, ["crm_mon", "-1", "--output-as=xml"]]
