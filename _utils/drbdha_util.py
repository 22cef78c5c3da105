"""
Helpers shared by the drbdha execution modules: running a tool and validating
the values that reach its command line.

Everything here is pure or takes the function it needs as an argument, so the
unit tests import this file directly and the modules reach it through
``__utils__["drbdha_util.<name>"]``.
"""

import ipaddress
import logging
import re

from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

# DRBD resource names, cluster node names, libvirt domain names and CIB ids
# reach command lines and file names: letters, digits, '.', '_' and '-', not
# starting with '-' (an option) or '.' (a hidden file or '..').
_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$")
# Block devices live under /dev; no '..' and nothing a shell would expand.
_DEVICE_RE = re.compile(r"^/dev/[A-Za-z0-9_][A-Za-z0-9_./:-]*$")


def valid_name(value):
    """True for a safe object name (resource, node, domain, CIB id)."""
    return isinstance(value, str) and bool(_NAME_RE.match(value))


def valid_device(value):
    """True for a path under /dev without traversal or shell metacharacters."""
    return isinstance(value, str) and bool(_DEVICE_RE.match(value)) and ".." not in value.split("/")


def valid_address(value):
    """True for a literal IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except (TypeError, ValueError):
        return False
    return True


def valid_port(value):
    """True for a TCP port number 1..65535 (bool is not a number here)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536


def require_name(value, what="name"):
    """Return ``value`` if it is a safe name, else raise SaltInvocationError."""
    if not valid_name(value):
        raise SaltInvocationError(
            f"invalid {what} {value!r}: use letters, digits, '.', '_' and '-' "
            "(at most 63 characters, not starting with '-' or '.')"
        )
    return value


def require_device(value, what="device"):
    """Return ``value`` if it is a safe /dev path, else raise SaltInvocationError."""
    if not valid_device(value):
        raise SaltInvocationError(f"invalid {what} {value!r}: expected a path under /dev")
    return value


def run(run_all, argv, ok_retcodes=(0,), stdin=None, quiet=False, env=None):
    """
    Run ``argv`` (a list, never a shell string) through ``run_all`` — Salt's
    ``cmd.run_all`` — and return its result dict.

    A return code outside ``ok_retcodes`` raises CommandExecutionError naming
    the command and carrying the tool's stderr. ``quiet`` keeps the output out
    of the minion log (for commands that read secrets on stdin).
    """
    if not isinstance(argv, (list, tuple)) or not all(isinstance(a, str) for a in argv):
        raise SaltInvocationError(f"command must be a list of strings, got {argv!r}")
    kwargs = {
        "python_shell": False,
        "ignore_retcode": True,
        "output_loglevel": "quiet" if quiet else "debug",
        "env": {"LC_ALL": "C", "LANG": "C", **(env or {})},
    }
    if stdin is not None:
        kwargs["stdin"] = stdin
    result = run_all(list(argv), **kwargs)
    if result.get("retcode") not in ok_retcodes:
        raise CommandExecutionError(
            f"{' '.join(argv)} failed with exit code {result.get('retcode')}: {describe_failure(result)}",
            info={
                "command": list(argv),
                "retcode": result.get("retcode"),
                "stderr": result.get("stderr", ""),
            },
        )
    return result


def describe_failure(result):
    """The most useful line(s) of a failed command's output."""
    text = (result.get("stderr") or "").strip() or (result.get("stdout") or "").strip()
    return text or "no output"


def missing_binaries(which, binaries):
    """The names in ``binaries`` that ``which`` (salt.utils.path.which) cannot find."""
    return [name for name in binaries if not which(name)]


def virtual_reason(module, which, binaries):
    """``__virtual__`` answer: the module name, or (False, why) if a tool is missing."""
    missing = missing_binaries(which, binaries)
    if missing:
        return (
            False,
            f"the {module} module needs {', '.join(missing)} on PATH (not found on this minion)",
        )
    return module
