#!/usr/bin/env python3
"""The tree shows the data flow (STYLE.md): checks what CMake and the includes say of it.

For every file under src/STAGE/, every #include "OTHER/..." of another stage must
  1. name a stage earlier in the flow (STAGES below, the order README's layout table gives), and
  2. match a library that STAGE's target declares in CMakeLists.txt (target_link_libraries),
and no source file may pass MAX_LINES (a file that long is split along its seams).

Usage: check_layout.py [REPO]   (exit 0 when the tree keeps the rules, 1 with every breach listed)
"""
import pathlib
import re
import sys

# The data flow, first to last. A stage may include only stages before it.
STAGES = ["util", "lines", "tail", "listen", "unwrap", "parse", "classify", "counters",
          "exposition", "push", "report", "http", "config", "app"]
# Producers of lines are peers: they share the lines stage and never include one another.
PEERS = [{"tail", "listen"}]
MAX_LINES = 600


def declared_links(cmake: str) -> dict:
    """stage folder -> the set of stage folders its library links (PUBLIC or PRIVATE)."""
    target_dir = dict(re.findall(r"accesslog_stage\((accesslog_\w+)\s+(\w+)", cmake))
    links = {d: set() for d in target_dir.values()}
    for target, args in re.findall(r"target_link_libraries\((accesslog_\w+)\s+([^)]*)\)", cmake):
        if target not in target_dir:
            continue
        for dep in re.findall(r"accesslog_\w+", args):
            if dep in target_dir:
                links[target_dir[target]].add(target_dir[dep])
    return links


def main() -> int:
    repo = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                        pathlib.Path(__file__).resolve().parents[2])
    links = declared_links((repo / "CMakeLists.txt").read_text())
    problems = []
    on_disk = sorted(p.name for p in (repo / "src").iterdir() if p.is_dir())
    for d in on_disk:
        if d not in STAGES:
            problems.append(f"src/{d}/: not a stage of the data flow (add it to STAGES and README)")
        elif d not in links:
            problems.append(f"src/{d}/: no accesslog_stage() library in CMakeLists.txt")
    for f in sorted((repo / "src").rglob("*")):
        if f.suffix not in (".h", ".cc") or not f.is_file():
            continue
        stage = f.relative_to(repo / "src").parts[0]
        text = f.read_text(errors="replace")
        rel = f.relative_to(repo)
        if text.count("\n") > MAX_LINES:
            problems.append(f"{rel}: {text.count(chr(10))} lines, over {MAX_LINES}: split it")
        if stage not in STAGES:
            continue
        for lineno, line in enumerate(text.splitlines(), start=1):
            m = re.match(r'#include "(\w+)/', line)
            other = m.group(1) if m else None
            if other is None or other == stage or other not in STAGES:
                continue
            where = f"{rel}:{lineno}"
            if STAGES.index(other) > STAGES.index(stage):
                problems.append(f"{where}: {stage} includes {other}, a later stage")
            if any({stage, other} == p for p in PEERS):
                problems.append(f"{where}: {stage} includes {other}: producers of lines are "
                                "peers, they share only src/lines")
            if other not in links.get(stage, set()):
                problems.append(f"{where}: {stage} includes {other} but accesslog_{stage} does "
                                f"not link accesslog_{other} (CMakeLists.txt)")
    for p in problems:
        print(p)
    print(f"check_layout: {len(problems)} problem(s) in {len(STAGES)} stages")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
