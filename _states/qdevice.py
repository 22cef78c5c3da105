"""
corosync-qdevice's certificates, as states: the quorum host has its CA, a
node holds its own certificate. Thin over the ``qdevice`` execution module.

.. code-block:: yaml

    qnetd-ca:
      qdevice.qnetd_initialized

    qdevice-certificate:
      qdevice.node_certified
"""

from salt.exceptions import CommandExecutionError, SaltInvocationError


def qnetd_initialized(name="qnetd"):
    """
    The quorum host has its CA and server certificate
    (``corosync-qnetd-certutil -i`` when they are missing).
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    if __salt__["qdevice.qnetd_initialized"]():
        ret["comment"] = "corosync-qnetd's certificate database is initialised."
        return ret
    changes = {"certificates": "CA and server certificate created"}
    return __utils__["drbdha_util.state_change"](
        ret,
        changes,
        "Would create corosync-qnetd's CA.",
        "Created corosync-qnetd's CA and server certificate.",
        __opts__["test"],
        __salt__["qdevice.qnetd_init"],
    )


def node_certified(name="qdevice"):
    """
    This node holds its certificate for the quorum host. Issuing one needs
    the quorum host, so a node without it fails here and says how to get it.
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    try:
        status = __salt__["qdevice.node_status"]()
    except (CommandExecutionError, SaltInvocationError) as exc:
        return __utils__["drbdha_util.state_fail"](ret, f"cannot read the qdevice certificate database: {exc}")
    if status["certificate"]:
        ret["comment"] = "This node holds its certificate for corosync-qnetd."
        return ret
    comment = (
        "This node has no certificate for corosync-qnetd yet: run salt-run drbdha.qdevice_certificates "
        "(drbdha.orch.deploy does), then apply again."
    )
    if __opts__["test"]:
        ret.update(result=None, comment=comment)
        return ret
    return __utils__["drbdha_util.state_fail"](ret, comment)
