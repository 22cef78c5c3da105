"""drbdha_util: commands run as argv lists and recorded without their input."""

import json
import os
import stat

from helpers import load_file

util = load_file("_utils", "drbdha_util")


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
