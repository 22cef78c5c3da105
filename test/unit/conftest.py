"""Fixtures shared by the unit tests."""

import pytest


@pytest.fixture
def cmdmod_ready():
    """Salt's own cmd module, ready to run real commands on this host."""
    from salt.modules import cmdmod

    cmdmod.__opts__ = {"cachedir": "/tmp", "hash_type": "sha256"}
    cmdmod.__salt__ = {}
    cmdmod.__grains__ = {"os": "Debian", "os_family": "Debian", "kernel": "Linux"}
    cmdmod.__context__ = {}
    cmdmod.__pillar__ = {}
    return cmdmod
