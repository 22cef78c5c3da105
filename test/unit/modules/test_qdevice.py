"""The qdevice module's checks on what reaches certutil."""

import pytest
from helpers import load_file, loader_dunders
from salt.exceptions import SaltInvocationError

qdevice = load_file("_modules", "qdevice")


@pytest.fixture
def configure_loader_modules():
    return {qdevice: loader_dunders()}


@pytest.mark.parametrize("text", [None, "not base64!", "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n"])
def test_the_module_refuses_a_certificate_that_is_not_base64_der(text):
    with pytest.raises(SaltInvocationError, match="base64 of DER"):
        qdevice._require_der(text, "the certificate")
