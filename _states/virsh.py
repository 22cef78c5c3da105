"""
Guest definition states for drbdha: the domain XML the cluster's
VirtualDomain resource starts from, and libvirt left without a definition of
its own (Pacemaker owns the guest).
"""

from salt.exceptions import CommandExecutionError, SaltInvocationError


def _read(path):
    return __utils__["drbdha_util.read_text"](path)


def check_domain_xml(text, domain, disk):
    """
    Problems with a domain XML for drbdha (pure): it must parse, be named
    ``domain``, and use ``disk`` (the DRBD device) as a disk.
    """
    try:
        summary = __utils__["drbdha_virsh.summarize_domain_xml"](text)
    except CommandExecutionError as exc:
        return [str(exc)]
    problems = []
    if summary["name"] != domain:
        problems.append(f"the XML defines domain {summary['name']!r}, not {domain!r}")
    if disk not in [d["source"] for d in summary["disks"]]:
        problems.append(f"none of its disks is {disk} (the DRBD device of this guest)")
    return problems


def _converge_file(ret, path, text, domain, disk, origin):
    problems = check_domain_xml(text, domain, disk)
    if problems:
        return __utils__["drbdha_util.state_fail"](ret, f"refusing {origin} for {domain}: " + "; ".join(problems))
    current = _read(path)
    if current == text:
        ret["comment"] = f"{path} is up to date."
        return ret
    changes = {path: {"old": "absent" if current is None else "differs", "new": f"from {origin}"}}
    return __utils__["drbdha_util.state_change"](
        ret,
        changes,
        f"Would write {path} from {origin}.",
        f"Wrote {path} from {origin}.",
        __opts__["test"],
        __salt__["virsh.write_xml"],
        path,
        text,
    )


def domain_xml(name, domain, disk, source=None, mine_from=None):
    """
    File ``name`` (``/etc/havm/DOMAIN.xml``) holds the domain XML of
    ``domain``, taken from ``source`` (``salt://`` or an absolute path) or
    from the Salt mine of the node that installed it (``mine_from``). The XML
    is checked first: right name, and ``disk`` (the DRBD device) among its disks.
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    if (source is None) == (mine_from is None):
        return __utils__["drbdha_util.state_fail"](ret, "give exactly one of source or mine_from")
    if source is not None:
        text = __salt__["cp.get_file_str"](source)
        if not text:
            return __utils__["drbdha_util.state_fail"](ret, f"cannot fetch {source}")
        return _converge_file(ret, name, text, domain, disk, source)
    mined = __salt__["mine.get"](mine_from, "drbdha_vm_xml").get(mine_from) or {}
    text = mined.get(domain)
    if not text:
        if __opts__["test"]:
            ret["result"] = None
            ret["comment"] = f"{domain} is not installed on {mine_from} yet; its XML will be copied from there."
            return ret
        return __utils__["drbdha_util.state_fail"](
            ret, f"{mine_from} has not published the XML of {domain} (install it there first)"
        )
    return _converge_file(ret, name, text, domain, disk, f"{mine_from}'s mine")


def installed(name, domain, disk, install):
    """
    Guest ``domain`` has been installed once with virt-install on this node
    (the DRBD Primary) and its XML kept at ``name``. Once the file exists
    nothing is installed again.

    install
        virt-install settings: ``location``, ``os_variant``, ``vcpus``,
        ``memory``, ``bridge``, ``extra_args``, ``virt_type``.
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    if _read(name) is not None:
        ret["comment"] = f"{domain} was installed before; its XML is at {name}."
        return ret
    params = {
        "os_variant": install.get("os_variant"),
        "network_bridge": install.get("bridge"),
        "location": install.get("location"),
        "extra_args": install.get("extra_args"),
        "virt_type": install.get("virt_type", "kvm"),
    }
    try:
        state = __salt__["virsh.domstate"](domain)["state"]
        argv = __salt__["virsh.install_command"](domain, install["memory"], install["vcpus"], disk, **params)
    except (CommandExecutionError, SaltInvocationError, KeyError) as exc:
        return __utils__["drbdha_util.state_fail"](ret, f"cannot prepare the installation of {domain}: {exc}")
    ret["changes"] = {domain: {"old": state, "new": f"installed, XML at {name}"}}
    if __opts__["test"]:
        ret["result"] = None
        ret["comment"] = f"Would install {domain} on {disk}: {' '.join(argv)}"
        return ret
    try:
        if state == "undefined":
            __salt__["virsh.install"](domain, install["memory"], install["vcpus"], disk, **params)
        if __salt__["virsh.domstate"](domain)["state"] == "running":
            __salt__["virsh.destroy"](domain)
        __salt__["virsh.write_xml"](name, __salt__["virsh.dumpxml"](domain))
    except CommandExecutionError as exc:
        ret["changes"] = {}
        return __utils__["drbdha_util.state_fail"](ret, f"installing {domain} failed: {exc}")
    ret["comment"] = f"Installed {domain} on {disk}; its XML is at {name}."
    return ret


def undefined(name):
    """
    libvirt has no definition of domain ``name``: Pacemaker's VirtualDomain
    resource defines it from its XML file when it starts it. A domain running
    outside the cluster is not touched; the state fails and says so.
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    try:
        # One virsh call: dominfo has both the state and whether libvirt keeps a definition.
        info = __salt__["virsh.dominfo"](name)
    except CommandExecutionError as exc:
        return __utils__["drbdha_util.state_fail"](ret, f"cannot ask libvirt about {name}: {exc}")
    if info["state"] == "undefined":
        ret["comment"] = f"{name} is not defined in libvirt; the cluster owns it."
        return ret
    if not info.get("persistent"):
        # VirtualDomain starts the guest from its XML as a transient domain.
        ret["comment"] = f"{name} runs here as the cluster's transient domain; libvirt has no definition of it."
        return ret
    if info["state"] != "shut off":
        return __utils__["drbdha_util.state_fail"](
            ret,
            f"{name} is defined in libvirt and {info['state']}: it runs outside the cluster. Shut it down "
            f"(virsh shutdown {name}), then apply again so the cluster can own it.",
        )
    ret["changes"] = {name: {"old": "defined in libvirt", "new": "undefined (owned by the cluster)"}}
    if __opts__["test"]:
        ret["result"] = None
        ret["comment"] = f"Would undefine {name} from libvirt."
        return ret
    __salt__["virsh.undefine"](name)
    ret["comment"] = f"Undefined {name} from libvirt; the cluster owns it."
    return ret
