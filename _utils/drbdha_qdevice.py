"""
Pure readers of what corosync-qdevice's certificate tools print and write (no
I/O): PEM blocks, base64 DER, ``certutil -L`` nicknames. Salt loads this file
as a custom util: ``__utils__["drbdha_qdevice.<name>"]``; tests import it
directly.
"""

import base64
import binascii

_PEM_BEGIN = "-----BEGIN "


def der_of(text):
    """
    The DER bytes of base64 text, or None unless it decodes to an ASN.1
    SEQUENCE (what every request and certificate starts with).
    """
    if not isinstance(text, str):
        return None
    try:
        der = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return der if der[:1] == b"\x30" else None


def pem_blocks(text):
    """The PEM blocks (``-----BEGIN ...`` to ``-----END ...-----``) in ``text``, in order."""
    blocks, current = [], None
    for line in text.splitlines():
        if line.startswith(_PEM_BEGIN):
            current = [line]
        elif current is not None:
            current.append(line)
            if line.startswith("-----END "):
                blocks.append("\n".join(current) + "\n")
                current = None
    return blocks


def parse_nicknames(text):
    """Nicknames from ``certutil -L`` output (after its two header lines and the blank one)."""
    names = []
    for line in text.splitlines():
        stripped = line.rstrip()
        if not stripped or stripped.startswith("Certificate Nickname") or stripped.startswith("SSL,S/MIME"):
            continue
        # The trust attributes (e.g. "CT,c,c" or "u,u,u") end the line after spaces.
        name, _, trust = stripped.rpartition(" ")
        if name.strip() and "," in trust:
            names.append(name.strip())
    return names
