"""
corosync.conf as text: find, replace and count its top-level sections. Pure.

corosync's configuration is lines of ``key: value``, ``name {`` opening a
section and ``}`` closing it, ``#`` starting a comment line. These functions
keep every line they do not replace as it was, so a file another tool wrote
(crmsh's ``crm cluster init``) keeps its layout and comments.
"""


def _code(line):
    """A line without its comment and surrounding blanks ('' for a comment line)."""
    stripped = line.strip()
    return "" if stripped.startswith("#") else stripped


def _opens(code):
    return code.endswith("{")


def section_span(text, name):
    """
    (first line, line after the closing brace) of the top-level section
    ``name`` in corosync.conf ``text``, or None when there is none. A section
    left open is an error: the file is not corosync's.
    """
    lines, depth, start = text.splitlines(), 0, None
    for number, line in enumerate(lines):
        code = _code(line)
        if _opens(code):
            if depth == 0 and code[:-1].strip() == name:
                start = number
            depth += 1
        elif code == "}":
            depth -= 1
            if depth < 0:
                raise ValueError(f"line {number + 1}: a closing brace without a section")
            if depth == 0 and start is not None:
                return start, number + 1
    if depth or start is not None:
        raise ValueError(f"section {name!r} or one before it is not closed")
    return None


def section_text(text, name):
    """The top-level section ``name`` of ``text`` (its lines, from ``name {`` to ``}``), or None."""
    span = section_span(text, name)
    if span is None:
        return None
    return "\n".join(text.splitlines()[span[0] : span[1]]) + "\n"


def with_section(text, name, section):
    """``text`` with its top-level section ``name`` replaced by ``section`` (appended when it has none)."""
    if section_text(section, name) != section.rstrip("\n") + "\n":
        raise ValueError(f"the new {name} section must be one '{name} {{ ... }}' block")
    lines, span = text.splitlines(), section_span(text, name)
    new = section.rstrip("\n").splitlines()
    if span is None:
        lines = [*lines, "", *new] if lines else new
    else:
        lines[span[0] : span[1]] = new
    return "\n".join(lines) + "\n"


def inner_section_text(section, name):
    """The section ``name`` directly inside the one section ``section`` (e.g. ``device`` in ``quorum``), or None."""
    return section_text("\n".join(section.splitlines()[1:-1]), name)


def node_count(text):
    """How many ``node { }`` entries the nodelist section of ``text`` holds."""
    nodelist = section_text(text, "nodelist")
    if nodelist is None:
        return 0
    return sum(1 for line in nodelist.splitlines()[1:] if _code(line).replace(" ", "") == "node{")
