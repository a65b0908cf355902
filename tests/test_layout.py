"""The package's shape, checked: small modules, no import circles, no private names across modules, and a
question path that loads neither the UI, LangChain nor the training code."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "assistant"
MODULES = sorted(PACKAGE.rglob("*.py"))
# every module of the project: the package, the app, the tests, the benchmarks and the training scripts
PROJECT = MODULES + [ROOT / "app.py"] + sorted(p for d in ("tests", "benchmarks", "training") for p in (ROOT / d).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, list[str], bool]]:
    """(module imported, names taken from it, at module level) for every `from . import` of the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            out.append((target, [a.name for a in node.names], id(node) in top))
    return out


def test_no_module_is_over_300_lines():
    long = {str(p.relative_to(ROOT)): n for p in PROJECT if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300}
    assert not long


def test_no_private_name_is_imported_across_modules():
    private = [(module_name(p), target, name) for p in MODULES for target, names, _ in imports(p)
               for name in names if name.startswith("_")]
    assert not private


def test_module_level_imports_have_no_circle():
    graph = {module_name(p): set() for p in MODULES}
    for p in MODULES:
        for target, names, top in imports(p):
            if top and not module_name(p).startswith(target + ".") and target != module_name(p):
                # `from . import x` names a module; `from .x import y` the module x
                graph[module_name(p)] |= {f"{target}.{n}" for n in names if f"{target}.{n}" in graph} or (
                    {target} if target in graph else set())
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            assert state.get(nxt) != 1, " -> ".join(path + [nxt])
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for module in graph:
        if module not in state:
            visit(module, [module])


def test_the_question_path_loads_no_ui_langchain_or_training_code():
    # scipy and bm25s too: the package's one use of bm25s is its stop-word list, and importing bm25s loads scipy
    probe = ("import sys, assistant.ask, assistant.core; "
             "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in "
             "('gradio', 'langchain_core', 'langchain', 'torch', 'transformers', 'scipy', 'bm25s')} "
             "| {m for m in sys.modules if m.startswith(('assistant.training', 'assistant.ui'))}))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
