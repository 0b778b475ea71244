#!/usr/bin/env python3
"""Fails when the code can return a validation rule (`violations[].rule`) that
graphql/README.md does not list. Rules are found where they are made:
`ValidationError::new(field, "rule", …)`, `Checker::check(cond, field, "rule", …)` and
`Violation { rule: "rule", … }`. Usage: validation_rules.py CRATES_DIR README."""

import re
import sys
from pathlib import Path

NEW = re.compile(r'ValidationError::new\(\s*[^,]+?,\s*"([a-z_:]+)"', re.S)
CHECK = re.compile(r'\.check\(\s*[^;]*?,\s*"[^"]*",\s*"([a-z_:]+)"', re.S)
FIELD = re.compile(r'\brule:\s*"([a-z_:]+)"')


def rules_in(text: str) -> set:
    i = text.find("#[cfg(test)]")
    text = text if i < 0 else text[:i]
    return set(NEW.findall(text)) | set(CHECK.findall(text)) | set(FIELD.findall(text))


def main() -> int:
    crates, readme = Path(sys.argv[1]), Path(sys.argv[2]).read_text()
    listed = readme.split("Validation rules named in `violations[].rule`", 1)
    if len(listed) != 2:
        print(f"FAIL: {sys.argv[2]} has no list of validation rules")
        return 1
    paragraph = listed[1].split("\n\n", 1)[0]
    listed = set(re.findall(r"`([a-z_:]+)`", paragraph)) - {"violations"}
    found = set()
    for f in crates.rglob("*.rs"):
        found |= rules_in(f.read_text())
    missing = sorted(found - listed)
    if not found or missing:
        print(f"FAIL: rules the code returns but graphql/README.md does not list: {missing}")
        return 1
    print(f"ok: all {len(found)} validation rules are listed in graphql/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
