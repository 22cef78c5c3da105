"""State modules through a real minion, where Salt's own pillar handling applies."""

import base64
import json
import os
import stat

import pytest
from helpers import fixture_text


def apply(salt_cli, minion, pillar, test_mode, sls="secret"):
    return salt_cli.run(
        "state.apply",
        f"test.functional.sls.{sls}",
        f"pillar={json.dumps(pillar)}",
        f"test={test_mode}",
        minion_tgt=minion.id,
    )


@pytest.mark.parametrize("test_mode", [True, False])
def test_secret_file_writes_the_real_secret_not_a_mask(salt_cli, node_1, synced, tmp_path, test_mode):
    """Salt 3008 masks pillar values returned by pillar.get; the secret written must be the real one."""
    secret = b"0123456789abcdef" * 8
    target = tmp_path / f"authkey-{test_mode}"
    pillar = {"drbdha": {"cluster": {"authkey": base64.b64encode(secret).decode()}}, "target": str(target)}
    ret = apply(salt_cli, node_1, pillar, test_mode)
    assert ret.returncode == 0, ret
    (result,) = ret.data.values()
    assert base64.b64encode(secret).decode() not in ret.stdout
    if test_mode:
        assert result["result"] is None and not target.exists()
        return
    assert result["changes"] == {str(target): "created (content hidden)"}
    assert target.read_bytes() == secret
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o400
    again = apply(salt_cli, node_1, pillar, False)
    (result,) = again.data.values()
    assert result["result"] is True and result["changes"] == {}


RES0 = fixture_text("drbd-config", "res0.res")


def test_a_state_change_runs_its_command_through_the_minions_loader(salt_cli, node_1, synced, tmp_path):
    """drbdadm.config checks the files with the real drbdadm, then writes them with drbdadm.write_config."""
    target = tmp_path / "drbd.d"
    pillar = {"target": str(target), "files": {"global_common.conf": "common { }\n", "res0.res": RES0}}
    (preview,) = apply(salt_cli, node_1, pillar, True, sls="drbd_config").data.values()
    assert preview["result"] is None and sorted(preview["changes"]) == ["global_common.conf", "res0.res"], preview
    assert not target.exists()
    (applied,) = apply(salt_cli, node_1, pillar, False, sls="drbd_config").data.values()
    assert applied["result"] is True and applied["comment"].startswith("Updated global_common.conf, res0.res"), applied
    assert (target / "res0.res").read_text() == RES0
    assert stat.S_IMODE(os.stat(target / "res0.res").st_mode) == 0o600
    (again,) = apply(salt_cli, node_1, pillar, False, sls="drbd_config").data.values()
    assert again["result"] is True and again["changes"] == {}, again
