#!/usr/bin/env python3
"""Writes the Grafana dashboards of accesslog_exporter from one description.

    python3 dashboards/generate.py           # rewrite dashboards/*.json
    python3 dashboards/generate.py --check   # exit 1 if a committed JSON differs from the output

The JSON files are what users import; the package generator/ is what we edit (generator/
__init__.py says what is where; one module per dashboard in generator/boards/). It keeps what is
tedious and easy to get wrong by hand consistent: panel ids, grid positions, the datasource
reference of every panel and target, the template variables and the import metadata
(`__inputs`, `__requires`). docs/dashboards.md describes every panel; tests/dashboards/ proves
every query against a live Prometheus. Python 3 standard library only.
"""

import argparse
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no __pycache__ in a folder Grafana may read
sys.path.insert(0, str(HERE))

from generator.boards import BOARDS  # noqa: E402 (after the path is set)


def render(board):
    return json.dumps(board.build(), indent=2, ensure_ascii=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare instead of writing; exit 1 when a file is out of date")
    parser.add_argument("--out", type=pathlib.Path, default=HERE, help="output folder")
    args = parser.parse_args()
    stale = []
    for board in BOARDS:
        path = args.out / board.FILE
        text = render(board)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(board.FILE)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("out of date (run python3 dashboards/generate.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
