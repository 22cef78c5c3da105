"""Readers of what corosync-qdevice's certificate tools really write (test/fixtures/corosync-qdevice/3.0.3)."""

import base64

import pytest
from helpers import fixture_text, load_file

certificates = load_file("_utils", "drbdha_qdevice")
CAPTURED = ("corosync-qdevice", "3.0.3")


def test_nicknames_of_a_node_database_holding_the_ca_and_its_certificate():
    names = certificates.parse_nicknames(fixture_text(*CAPTURED, "certutil-L-node.txt"))
    assert names == ["QNet CA", "Cluster Cert"]  # the nicknames corosync-qdevice-net-certutil gives


def test_nicknames_of_an_empty_database():
    header = "\nCertificate Nickname                                         Trust Attributes\n"
    assert certificates.parse_nicknames(header + " " * 61 + "SSL,S/MIME,JAR/XPI\n\n") == []


def test_the_ca_export_is_a_text_dump_then_one_pem_block():
    text = fixture_text(*CAPTURED, "qnetd-cacert.crt")
    (block,) = certificates.pem_blocks(text)
    assert block.startswith("-----BEGIN CERTIFICATE-----\n") and block.endswith("-----END CERTIFICATE-----\n")
    assert "Issuer:" in text and "Issuer:" not in block


def test_a_real_request_is_der_and_travels_as_base64():
    text = fixture_text(*CAPTURED, "qdevice-net-node.crq.b64").strip()
    der = certificates.der_of(text)
    assert der is not None and len(der) == len(base64.b64decode(text))
    # The CN the tool put in the request: the cluster name the quorum host checks.
    assert b"drbdha-lab" in der


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "not base64!",
        base64.b64encode(b"plain text, not ASN.1").decode(),
        "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n",
    ],
)
def test_anything_but_base64_der_is_refused(text):
    assert certificates.der_of(text) is None
