"""
qdevice: the TLS certificates between corosync-qdevice on the cluster nodes
and corosync-qnetd on the quorum host, without ssh between them.

Each node keeps its own key: it makes a certificate request, the quorum host
signs it, and the node imports the signed certificate. Only the CA
certificate (PEM), the requests and the signed certificates (public data;
the tools write them as binary DER, so they travel base64-encoded) go
through the master (``salt-run drbdha.qdevice_certificates``). The commands
are corosync-qdevice's own (``corosync-qdevice-net-certutil`` on a node,
``corosync-qnetd-certutil`` on the quorum host) over NSS's ``certutil``.

CLI Example:

.. code-block:: bash

    salt node-1 qdevice.node_status
    salt qnetd qdevice.qnetd_ca
"""

import base64
import os
import tempfile

import salt.utils.path
from salt.exceptions import SaltInvocationError

__virtualname__ = "qdevice"

NODE_DB = "/etc/corosync/qdevice/net/nssdb"
QNETD_DB = "/etc/corosync/qnetd/nssdb"
QNETD_CA_FILE = f"{QNETD_DB}/qnetd-cacert.crt"
# The nicknames corosync-qdevice-net-certutil gives the CA and the node's certificate.
CA_NICKNAME = "QNet CA"
CLUSTER_NICKNAME = "Cluster Cert"
REQUEST_FILE = f"{NODE_DB}/qdevice-net-node.crq"
# -M also exports the node's key and certificate here, without a password: root only.
KEY_EXPORT_FILE = f"{NODE_DB}/qdevice-net-node.p12"
# NSS databases: the SQLite format, or the older Berkeley DB one.
_DB_FILES = ("cert9.db", "cert8.db")

_NODE_TOOL, _QNETD_TOOL = "corosync-qdevice-net-certutil", "corosync-qnetd-certutil"


def __virtual__():
    if salt.utils.path.which(_NODE_TOOL) or salt.utils.path.which(_QNETD_TOOL):
        return __virtualname__
    return (False, f"the qdevice module needs {_NODE_TOOL} or {_QNETD_TOOL} (corosync-qdevice / corosync-qnetd)")


def _run(argv, **kwargs):
    return __utils__["drbdha_util.run"](
        __salt__["cmd.run_all"], argv, record=__opts__.get("drbdha_command_log"), **kwargs
    )


def _initialized(directory):
    return any(os.path.exists(os.path.join(directory, name)) for name in _DB_FILES)


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _read_der(path):
    """A DER file (certutil writes requests and certificates so) as base64 text."""
    with open(path, "rb") as handle:
        return base64.b64encode(handle.read()).decode("ascii")


def _require_pem(text, what):
    if not isinstance(text, str) or not _certificates("pem_blocks")(text):
        raise SaltInvocationError(f"{what} must be PEM text (-----BEGIN ...)")
    return text


def _require_der(text, what):
    der = _certificates("der_of")(text)
    if der is None:
        raise SaltInvocationError(f"{what} must be base64 of DER (as qdevice.node_request / qnetd_sign return it)")
    return der


def _certificates(name):
    return __utils__[f"drbdha_qdevice.{name}"]


def _cluster(name):
    return __utils__["drbdha_util.require_name"](name, "cluster name")


def _with_file(content, action):
    """Run ``action(path)`` with ``content`` (text or bytes) in a private temporary file, removed afterwards."""
    fd, path = tempfile.mkstemp(prefix="drbdha-qdevice-")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return action(path)
    finally:
        os.unlink(path)


# ------------------------------------------------------------ quorum host --


def qnetd_initialized():
    """
    Whether the quorum host's certificate database (its CA and server
    certificate) exists. Debian's corosync-qnetd package makes it when it is
    installed; SUSE's leaves that to the administrator.

    CLI Example:

    .. code-block:: bash

        salt qnetd qdevice.qnetd_initialized
    """
    return _initialized(QNETD_DB) and os.path.exists(QNETD_CA_FILE)


def qnetd_init():
    """
    Make the quorum host's CA and server certificate
    (``corosync-qnetd-certutil -i``). Refused by the tool when they exist.

    CLI Example:

    .. code-block:: bash

        salt qnetd qdevice.qnetd_init
    """
    _run([_QNETD_TOOL, "-i"])
    return True


def qnetd_ca():
    """
    The quorum host's CA certificate (PEM), which every node must trust.

    CLI Example:

    .. code-block:: bash

        salt qnetd qdevice.qnetd_ca
    """
    blocks = _certificates("pem_blocks")(_read(QNETD_CA_FILE))
    if not blocks:
        raise SaltInvocationError(f"{QNETD_CA_FILE} holds no PEM certificate")
    return blocks[0]


def qnetd_sign(request, cluster):
    """
    Sign a node's certificate request (base64 of its DER) for cluster
    ``cluster`` (``corosync-qnetd-certutil -s``) and return the certificate
    (base64 of its DER).

    CLI Example:

    .. code-block:: bash

        salt qnetd qdevice.qnetd_sign "$(base64 -w0 qdevice-net-node.crq)" hacluster
    """
    cluster = _cluster(cluster)
    der = _require_der(request, "the certificate request")
    signed = f"{QNETD_DB}/cluster-{cluster}.crt"
    _with_file(der, lambda path: _run([_QNETD_TOOL, "-s", "-c", path, "-n", cluster]))
    return _read_der(signed)


# ------------------------------------------------------------ cluster node --


def _nicknames(db):
    """The nicknames in an NSS database (``certutil -L``: one a line, trust flags in the last column)."""
    out = _run(["certutil", "-L", "-d", db])["stdout"]
    return _certificates("parse_nicknames")(out)


def node_status():
    """
    This node's qdevice certificates: ``{"initialized": bool, "ca": bool,
    "certificate": bool}`` — the database exists, it trusts a quorum host's
    CA, it holds the node's own signed certificate.

    CLI Example:

    .. code-block:: bash

        salt node-1 qdevice.node_status
    """
    if not _initialized(NODE_DB):
        return {"initialized": False, "ca": False, "certificate": False}
    names = _nicknames(NODE_DB)
    return {"initialized": True, "ca": CA_NICKNAME in names, "certificate": CLUSTER_NICKNAME in names}


def node_init(ca):
    """
    Create this node's certificate database trusting the quorum host's CA
    (``corosync-qdevice-net-certutil -i``).

    CLI Example:

    .. code-block:: bash

        salt node-1 qdevice.node_init "$(salt qnetd qdevice.qnetd_ca --out=newline_values_only)"
    """
    _require_pem(ca, "the CA certificate")
    _with_file(ca, lambda path: _run([_NODE_TOOL, "-i", "-c", path]))
    return True


def node_request(cluster):
    """
    Make this node's key and certificate request for cluster ``cluster``
    (``corosync-qdevice-net-certutil -r``); return the request (base64 of
    its DER). The key stays in this node's database.

    CLI Example:

    .. code-block:: bash

        salt node-1 qdevice.node_request hacluster
    """
    _run([_NODE_TOOL, "-r", "-n", _cluster(cluster)])
    return _read_der(REQUEST_FILE)


def node_import(certificate, cluster):
    """
    Import this node's signed certificate (base64 of its DER) for cluster
    ``cluster`` (``corosync-qdevice-net-certutil -M``), next to the key its
    request made.

    CLI Example:

    .. code-block:: bash

        salt node-1 qdevice.node_import "$(base64 -w0 cluster-hacluster.crt)" hacluster
    """
    der = _require_der(certificate, "the certificate")
    path = f"{NODE_DB}/cluster-{_cluster(cluster)}.crt"
    __utils__["drbdha_util.write_atomic"](path, der, mode=0o600)
    _run([_NODE_TOOL, "-M", "-c", path])
    if os.path.exists(KEY_EXPORT_FILE):
        os.chmod(KEY_EXPORT_FILE, 0o600)
    return True
