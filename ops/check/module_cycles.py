#!/usr/bin/env python3
"""Fails when the modules of a crate import each other in a circle.

A module is a file (`src/a.rs`, `src/a/mod.rs`, `src/a/b.rs`). Module `m` depends on
module `n` when its code names `crate::n…` or, through `super::`/`self::`, a path that
resolves to `n` — in `use` declarations and in paths in the code alike. A child
module naming its parent (`super::X` for an item of the parent) is a dependency on the
parent; a parent declaring its children (`mod child;`) is not. Test modules
(`#[cfg(test)] mod tests { … }` at the end of a file) are left out: tests may reach
anywhere. Usage: module_cycles.py CRATE_DIR…  (each holding src/)."""

import re
import sys
from pathlib import Path

PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
GROUP = re.compile(r"\b(crate|super|self)::\{([^;]*?)\}", re.S)


def module_of(src: Path, file: Path) -> tuple:
    rel = file.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def strip(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    i = text.find("#[cfg(test)]")
    return text if i < 0 else text[:i]


def targets(module: tuple, text: str, modules: set) -> set:
    found = set()
    paths = []
    for m in GROUP.finditer(text):
        root = m.group(1)
        for item in re.split(r"[,\s]+", m.group(2)):
            item = item.strip().split(" as ")[0]
            if item:
                paths.append((root, item.split("::")))
    for m in PATH.finditer(text):
        paths.append((m.group(1), m.group(2).strip(":").split("::")))
    for root, segments in paths:
        if root == "crate":
            base = ()
        elif root == "super":
            base = module[:-1]
            while segments and segments[0] == "super":
                base, segments = base[:-1], segments[1:]
        else:
            base = module
        # The longest prefix that is a module.
        best = base
        for i in range(1, len(segments) + 1):
            candidate = base + tuple(segments[:i])
            if candidate in modules:
                best = candidate
        if best != module:
            found.add(best)
    # A module never depends on itself or on the crate root (which only declares).
    return {t for t in found if t != module and t != ()}


def cycles(crate: Path) -> list:
    src = crate / "src"
    files = [f for f in src.rglob("*.rs")]
    modules = {module_of(src, f): f for f in files}
    graph = {m: targets(m, strip(f.read_text()), set(modules)) for m, f in modules.items()}
    # Tarjan's strongly connected components.
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted("::".join(c) for c in comp))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def self_test() -> None:
    """The check finds a circle through `use crate::`, `super::` and a `crate::`
    path in code, and none in a tree without one (so a broken parser cannot pass)."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "src"
        (src / "web").mkdir(parents=True)
        (src / "lib.rs").write_text("mod a; mod b; mod web;\n")
        (src / "a.rs").write_text("use crate::b::thing;\n")
        (src / "b.rs").write_text("pub fn thing() { crate::web::pages::page(); }\n")
        (src / "web" / "mod.rs").write_text("mod pages;\n")
        (src / "web" / "pages.rs").write_text("use super::super::c;\n")
        assert cycles(Path(d)) == [], cycles(Path(d))
        (src / "web" / "pages.rs").write_text("use super::super::a::{x, y};\n// use crate::b;\n")
        assert cycles(Path(d)) == [["a", "b", "web::pages"]], cycles(Path(d))
        (src / "web" / "pages.rs").write_text("#[cfg(test)]\nmod tests { use crate::a; }\n")
        assert cycles(Path(d)) == [], "test modules are left out"


def main() -> int:
    self_test()
    failed = False
    for arg in sys.argv[1:]:
        crate = Path(arg)
        found = cycles(crate)
        for comp in found:
            print(f"FAIL: {crate.name}: modules import each other in a circle: {', '.join(comp)}")
            failed = True
        if not found:
            print(f"ok: {crate.name}: no module import circles")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
