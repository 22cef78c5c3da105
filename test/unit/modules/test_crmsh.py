"""The crmsh module: bootstrap commands checked by the cluster answering, and one CIB read shared until a write."""

import pytest
from helpers import Recorder, call_recorder, fixture_text, load_file, loader_dunders
from salt.exceptions import CommandExecutionError

crmsh = load_file("_modules", "crmsh")
cib = load_file("_utils", "drbdha_cib")


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


@pytest.fixture
def configure_loader_modules():
    return {crmsh: loader_dunders()}


@pytest.fixture(params=[0, 102])
def tool(request):
    crm = Crm(request.param)
    crmsh.__salt__["cmd.run_all"] = crm.run_all
    return crm


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


def test_the_configuration_digest_follows_the_cib_configuration():
    """cibadmin output captured in the lab (pacemaker 2.1.5, lab-NOTES.md): a fencing constraint changes the digest."""
    outputs = {
        name: fixture_text("pacemaker", "2.1.5", f"lab-cibadmin-constraints-{name}.xml")
        for name in ("healthy", "fence-by-handler", "after-unfence")
    }

    def digest(name):
        call_recorder(crmsh, salt := Recorder(cmd__run_all={"retcode": 0, "stdout": outputs[name], "stderr": ""}))
        digest = crmsh.configuration_digest()
        assert salt.calls[0][1][0] == ["cibadmin", "--query", "--scope", "configuration"]
        return digest

    assert digest("healthy") != digest("fence-by-handler")
    # The handler removed its constraint after the resync: the same configuration, the same digest.
    assert digest("after-unfence") == digest("healthy")


def lab_configuration_section(drop_utilization=False, hv_memory=None):
    """The configuration section of a full `cibadmin -Q` captured in the lab (pacemaker 2.1.5),
    as `cibadmin --query --scope configuration` prints it; optionally as it was before
    VirtualDomain wrote its utilization, or with another value written there."""
    text = fixture_text("pacemaker", "2.1.5", "lab-cibadmin-Q-healthy.xml")
    section = text[text.index("<configuration>") : text.index("</configuration>") + len("</configuration>")]
    if drop_utilization:
        start = section.index("        <utilization ")
        end = section.index("</utilization>\n", start) + len("</utilization>\n")
        section = section[:start] + section[end:]
    if hv_memory is not None:
        section = section.replace('name="hv_memory" value="32"', f'name="hv_memory" value="{hv_memory}"')
    return section


def test_the_configuration_digest_leaves_out_what_the_cluster_writes_itself():
    """VirtualDomain adds utilization after the load; the record made at the load must still match."""
    before = cib.cib_digest(lab_configuration_section(drop_utilization=True))
    assert "<utilization" in lab_configuration_section()
    assert "<utilization" not in lab_configuration_section(drop_utilization=True)
    assert cib.cib_digest(lab_configuration_section()) == before
    assert lab_configuration_section(hv_memory=64) != lab_configuration_section()
    assert cib.cib_digest(lab_configuration_section(hv_memory=64)) == before
    # Anything the formula configures still counts.
    changed = lab_configuration_section().replace('value="Started"', 'value="Stopped"', 1)
    assert changed != lab_configuration_section()
    assert cib.cib_digest(changed) != before


# ------------------------------- one configuration read for properties and CIB --


def test_cluster_properties_are_read_from_the_captured_configuration():
    text = lab_configuration_section()
    assert cib.cib_property(text, "stonith-enabled") == "false"
    assert cib.cib_property(text, "cluster-name") == "drbdha-lab"
    assert cib.cib_property(text, "no-quorum-policy") is None


def test_a_property_set_twice_to_different_values_is_ambiguous():
    text = lab_configuration_section().replace(
        "</crm_config>",
        '<cluster_property_set id="other"><nvpair id="o-s" name="stonith-enabled" value="true"/>'
        "</cluster_property_set></crm_config>",
    )
    with pytest.raises(CommandExecutionError, match="stonith-enabled is set to several values"):
        cib.cib_property(text, "stonith-enabled")


def test_properties_and_the_cib_digest_share_one_cibadmin_read_until_a_write():
    section = lab_configuration_section()
    call_recorder(crmsh, salt := Recorder(cmd__run_all={"retcode": 0, "stdout": section, "stderr": ""}))
    assert crmsh.get_property("stonith-enabled", cached=True) == "false"
    digest = crmsh.configuration_digest(cached=True)
    assert digest == cib.cib_digest(section)
    assert len(salt.calls) == 1
    crmsh.set_property("stonith-enabled", "true")  # a write: the read is stale now
    crmsh.configuration_digest(cached=True)
    argvs = [call[1][0] for call in salt.calls]
    assert argvs[1][0] == "crm_attribute" and argvs[2] == ["cibadmin", "--query", "--scope", "configuration"]
    crmsh.configuration_digest()  # not cached: asks again
    assert len(salt.calls) == 4
