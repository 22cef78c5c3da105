"""
The settings every SLS file of a run uses: the validated drbdha configuration
plus what follows from it for this minion (its role, its peer, the DRBD
version the files are written for, each resource's disk per node).

Pure: the unit tests import this file directly; the modules reach it through
``__utils__["drbdha_settings.<name>"]``.
"""


def _qnetd_minion(config):
    return ((config.get("cluster") or {}).get("qdevice") or {}).get("qnetd_minion")


def role_problem(config, minion_id):
    """What is wrong when ``minion_id`` is neither one of the nodes nor the quorum host, else None."""
    if minion_id in config["nodes"] or minion_id == _qnetd_minion(config):
        return None
    return (
        f"drbdha:nodes: this minion ({minion_id}) is not one of the nodes ({', '.join(config['nodes'])}) "
        "nor the quorum host (drbdha:cluster:qdevice:qnetd_minion)"
    )


def drbd_major_of(config, loaded):
    """
    The DRBD major version the files are written for: ``drbdha:drbd:version``,
    else the ``loaded`` driver's (a version tuple, None when none is loaded),
    else ``drbdha:drbd:default_version`` (9).
    """
    major = config["drbd"].get("version")
    if major is None:
        major = loaded[0] if loaded else config["drbd"].get("default_version", 9)
    return int(major)


def first_node_of(config):
    """
    The node that bootstraps the cluster, takes DRBD's first Primary and
    installs the guest: ``drbdha:first_node``, else the node with the lowest id.
    """
    nodes = config["nodes"]
    return config.get("first_node") or min(nodes, key=lambda n: nodes[n]["id"])


def pair_plan(config):
    """What every orchestration needs to know about the pair, from a valid merged configuration."""
    return {
        "nodes": sorted(config["nodes"]),
        "first_node": first_node_of(config),
        "step_timeout": config["orchestrate"]["step_timeout"],
        "sync_timeout": config["drbd"]["sync_timeout"],
    }


def derive_settings(config, minion_id, drbd_major):
    """
    The validated configuration plus what every SLS needs and should not
    compute twice: ``this_node``, ``first_node``, ``peer_node``,
    ``drbd_major`` and per resource ``disks`` (``{node: device}``).
    """
    nodes = config["nodes"]
    first = first_node_of(config)
    settings = dict(config)
    settings["first_node"] = first
    settings["this_node"] = minion_id
    settings["is_first_node"] = minion_id == first
    settings["peer_node"] = next((n for n in nodes if n != minion_id), None) if minion_id in nodes else None
    settings["is_qnetd"] = minion_id == _qnetd_minion(config)
    settings["drbd_major"] = drbd_major
    resources = {}
    for name, res in config["drbd"]["resources"].items():
        disk = res["disk"]
        resources[name] = dict(res, disks=disk if isinstance(disk, dict) else {n: disk for n in nodes})
    settings["drbd"] = dict(config["drbd"], resources=resources)
    return settings
