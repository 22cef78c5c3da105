#!/usr/bin/env python3
"""
What compiling the formula's Jinja costs, file by file (behind figure 2):
each SLS file and map.jinja compiled to Python by a Jinja environment with
Salt's extensions (``do``, Salt's serializer tags) and filters, as Salt does
again in every job; beside it, Salt's own set-up for one render (a trivial
template through ``salt.utils.templates.render_jinja_tmpl``). Runs on the
host with the project's virtualenv, no lab:

    .venv/bin/python bench/jinja_compile.py [--repeat 15]

Native times: under the lab's emulation the same work is many times slower;
the proportions between files are what carry over. Prints a Markdown table.
"""

import argparse
import glob
import os
import statistics
import time

import jinja2
import salt.config
import salt.utils.decorators.jinja
import salt.utils.templates
from salt.utils.jinja import SerializerExtension

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def median_ms(func, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=15)
    args = p.parse_args()
    env = jinja2.Environment(extensions=["jinja2.ext.do", SerializerExtension])  # noqa: S701 - SLS, not HTML
    env.filters.update(salt.utils.decorators.jinja.JinjaFilter.salt_jinja_filters)
    paths = sorted(glob.glob(os.path.join(PROJECT, "drbdha", "*", "init.sls")))
    paths += [os.path.join(PROJECT, "drbdha", "init.sls"), os.path.join(PROJECT, "drbdha", "map.jinja")]
    rows, total = [], 0.0
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
        ms = median_ms(lambda source=source: env.compile(source), args.repeat)
        total += ms
        rows.append(f"| `{os.path.relpath(path, PROJECT)}` | {len(source)} | {ms:.2f} |")
    opts = salt.config.minion_config(None)
    context = {"opts": opts, "saltenv": "base", "sls": "", "pillar": {}, "grains": {}, "salt": {}}
    setup = median_ms(lambda: salt.utils.templates.render_jinja_tmpl("x", dict(context)), args.repeat)
    print(f"Jinja compile, native, median of {args.repeat}:\n")
    print("| file | bytes | compile ms |\n|---|---|---|")
    print("\n".join(rows))
    print(f"| all of them | | {total:.1f} |")
    print(f"| Salt's set-up for one render (a trivial template) | | {setup:.2f} |")


if __name__ == "__main__":
    main()
