"""
The lab for test_lab.py, test_rollout.py and test_rollout_faults.py: brought
up from blank disks once per session, rolled out once per session.
"""

import os

import pytest
from labdriver import RUN, blank_lab, deploy, guards_before_rollout, lab, record_events, stop

EVENTS = os.path.join(RUN, "events.log")


@pytest.fixture(scope="session")
def blank():
    """The lab up on blank disks (the state the rollout starts from); down at the end unless DRBDHA_LAB_KEEP=1."""
    blank_lab()
    yield
    if os.environ.get("DRBDHA_LAB_KEEP") != "1":
        lab("down", timeout=900)


@pytest.fixture(scope="session")
def rolled_out(blank):
    """
    The lab rolled out from blank disks by drbdha.orch.deploy, with the
    master's event bus recorded (RUN/events.log) from before the rollout
    until the session ends, for the secrets check. With DRBDHA_LAB_GUARDS=1
    (make test-drills) the data guards are shown on the blank lab first.
    """
    guards = guards_before_rollout() if os.environ.get("DRBDHA_LAB_GUARDS") == "1" else None
    if guards:
        print(f"guards before the rollout: {guards}")
    recorder = record_events(EVENTS)
    try:
        seconds = deploy()
        print(f"rollout took {seconds:.0f} s")
        yield {"seconds": seconds, "events": EVENTS}
    finally:
        stop(recorder)
