"""Imports flow one way (docs/architecture.md): core <- store <- Scrapy adapter <- CLI.

Every module of the package is read with `ast` (nothing is imported), and every import of
another layer's module must point down. The core also imports neither Scrapy nor SQLite."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

CORE, STORE, ADAPTER, CLI = range(4)
LAYER_NAMES = {CORE: "core", STORE: "store", ADAPTER: "Scrapy adapter", CLI: "CLI"}
# The item pipelines live in pipelines/ beside the core they hand pages to.
ITEM_PIPELINES = {"pipelines.clean", "pipelines.store", "pipelines.captures",
                  "pipelines.attachments"}
PACKAGES = {"pipelines": CORE, "archive": STORE, "crawler": ADAPTER, "vnarchive": CLI}
# What only the store and the layers above may use.
NOT_IN_CORE = ("scrapy", "twisted", "sqlite3", "sqlite_utils", "datasette", "redis",
               "scrapy_redis", "warcio")


def layer_of(module: str) -> int | None:
    if module in ITEM_PIPELINES:
        return ADAPTER
    return PACKAGES.get(module.split(".")[0])


def modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
            found.append((module.removesuffix(".__init__"), path))
    return found


def imported_names(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def upward_imports(module: str, path: Path) -> list[str]:
    own = layer_of(module)
    wrong = []
    for name in imported_names(path):
        target = layer_of(name)
        if target is not None and target > own:
            wrong.append(f"{module} ({LAYER_NAMES[own]}) imports {name} "
                         f"({LAYER_NAMES[target]})")
        if own == CORE and name.split(".")[0] in NOT_IN_CORE:
            wrong.append(f"{module} (core) imports {name}")
    return wrong


def test_the_package_has_modules_in_every_layer():
    layers = {layer_of(module) for module, _ in modules()}
    assert layers == {CORE, STORE, ADAPTER, CLI}


@pytest.mark.parametrize("module, path", modules(), ids=[m for m, _ in modules()])
def test_imports_point_down(module, path):
    assert upward_imports(module, path) == []


def test_an_upward_import_is_caught(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("import scrapy\nfrom crawler.items import ArticleItem\n"
                      "from pipelines.extract import extract_article\n", encoding="utf-8")
    assert upward_imports("archive.bad", module) == [
        "archive.bad (store) imports crawler.items (Scrapy adapter)"]
    assert upward_imports("pipelines.bad", module) == [
        "pipelines.bad (core) imports scrapy",
        "pipelines.bad (core) imports crawler.items (Scrapy adapter)"]
