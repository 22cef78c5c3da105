"""The SUSE Manager / Uyuni form offers only keys that pillar.example documents."""

import yaml
from helpers import ROOT


def form_keys(node, prefix=()):
    for key, value in node.items():
        if key.startswith("$"):
            if key == "$prototype":
                yield from form_keys({k: v for k, v in value.items() if k != "$key"}, (*prefix, "*"))
            continue
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from form_keys(value, (*prefix, key))


def documented(example, path):
    node = example
    for part in path:
        if part == "*":
            node = next(iter(node.values()))
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def test_form_keys_are_documented_in_pillar_example():
    form = yaml.safe_load((ROOT / "form" / "form.yml").read_text())
    example = yaml.safe_load((ROOT / "pillar.example").read_text())
    text = (ROOT / "pillar.example").read_text()
    missing = [
        # A key that is an alternative to another (import_xml or install) is documented as a comment.
        ":".join(path)
        for path in form_keys(form)
        if not documented(example, path) and f"# {path[-1]}:" not in text
    ]
    assert missing == []
