"""The layout the code promises (README, "How the code is laid out"): imports
point one way, down the stack; no module imports one that imports it back;
no private name is borrowed from another package; no file past 600 lines.

Imports are read from the source with `ast`, at any depth (a lazy import
inside a function counts too).
"""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "fastgraph"

# Bottom to top: a module may import from its own rank or a lower one.
RANKS = [
    ("fastgraph._version", "fastgraph._config", "fastgraph.registry",
     "fastgraph._threads", "fastgraph._kernels"),
    ("fastgraph.autodiff",),
    ("fastgraph.ops",),
    ("fastgraph.activations", "fastgraph.initializers", "fastgraph.regularizers",
     "fastgraph.constraints", "fastgraph.backend", "fastgraph.losses",
     "fastgraph.metrics", "fastgraph.optimizers", "fastgraph.utils",
     "fastgraph.data"),
    ("fastgraph.engine",),
    ("fastgraph.layers",),
    ("fastgraph.callbacks",),
    ("fastgraph.training",),
    ("fastgraph.saving",),
    ("fastgraph.models",),
    ("fastgraph.wrappers",),
    ("fastgraph.datasets", "fastgraph.examples", "fastgraph.demo",
     "fastgraph.cli", "fastgraph.__main__", "fastgraph", "fastgraph.distributed",
     "fastgraph.applications"),
]


def _modules():
    mods = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


MODULES = _modules()


def _rank(module):
    best = None
    for rank, prefixes in enumerate(RANKS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (rank, len(prefix))
    return best[0]


def _imports(module, path):
    """(imported module, names imported from it) for every import in the file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("fastgraph"):
                    yield alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            if not base.startswith("fastgraph"):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:
                    yield sub, ()
                else:
                    yield base, (alias.name,)


EDGES = {m: {} for m in MODULES}
for _m, _path in MODULES.items():
    for _target, _names in _imports(_m, _path):
        if _target in MODULES and _target != _m:
            EDGES[_m].setdefault(_target, set()).update(_names)


def _family(module):
    """A module's package below fastgraph (fastgraph.engine for fastgraph.engine.x)."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_imports_point_down_the_stack():
    upward = [f"{m} -> {t}" for m, targets in EDGES.items() for t in targets
              if _rank(t) > _rank(m) and not m.startswith(t + ".")]
    assert upward == []


def test_no_import_circles():
    index, low, stack, on_stack, circles = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in EDGES[v]:
            if w.startswith(v + ".") or v.startswith(w + "."):
                continue     # a package and its own modules
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    assert circles == []


def test_no_private_names_borrowed_across_packages():
    borrowed = [f"{m} imports {t}.{name}" for m, targets in EDGES.items()
                for t, names in targets.items() for name in names
                if name.startswith("_") and not name.startswith("__")
                and _family(t) != _family(m)]
    assert borrowed == []


SOURCES = sorted(p for folder in ("fastgraph", "csrc", "tests", "bench")
                 for pattern in ("*.py", "*.pyx", "*.pxd", "*.pxi", "*.c", "*.h")
                 for p in (ROOT.parent / folder).rglob(pattern)
                 if not (p.suffix == ".c" and p.with_suffix(".pyx").exists()))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_files_stay_small(path):
    assert len(path.read_text().splitlines()) <= 600
