#!/usr/bin/env python3
"""Lists Rust functions longer than a limit (default 60 lines, from the `fn` line to its
closing brace at the same indent) and files longer than 400 lines; exits 1 if any."""
import re
import sys
from pathlib import Path

FN = re.compile(r'^(\s*)(pub(\([^)]*\))?\s+)?((const|async|unsafe|extern\s+"C")\s+)*fn\s+(\w+)')


def long_fns(path, limit):
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m:
            continue
        indent = m.group(1)
        end = None
        for j in range(i, len(lines)):
            s = lines[j]
            if j > i and s.startswith(indent + "}") and not s.startswith(indent + " "):
                end = j
                break
            if j == i or not s.startswith(indent + " ") and s.strip():
                if s.rstrip().endswith(";") and "{" not in s:
                    break  # a declaration without a body
                if s.rstrip().endswith("}") and j == i:
                    end = j
                    break
        if end is not None and end - i + 1 > limit:
            found.append((i + 1, end - i + 1, m.group(6)))
    return lines, found


def main():
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    bad = 0
    for root in ("src", "tests", "benches"):
        for path in sorted(Path(root).rglob("*.rs")):
            lines, found = long_fns(path, limit)
            if len(lines) > 400:
                print(f"{path}: {len(lines)} lines")
                bad += 1
            for line, n, name in found:
                print(f"{path}:{line}: fn {name} is {n} lines")
                bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
