"""The documents stay true: docs/keys.md matches the key bindings, and every relative link in the
README and docs/ leads to a file inside this repository."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_keys_doc.py"
KEYS_DOC = ROOT / "docs" / "keys.md"
MARKDOWN_FILES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
INLINE_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_keys_doc", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script runs
    spec.loader.exec_module(module)
    return module


def test_keys_doc_matches_the_bindings() -> None:
    render: Callable[[], str] = load_script().render
    expected = render()
    current = KEYS_DOC.read_text(encoding="utf-8") if KEYS_DOC.exists() else ""
    assert current == expected, (
        "docs/keys.md is out of date with the key bindings in tui/: run `python scripts/make_keys_doc.py` "
        "and commit the result."
    )


def links(text: str) -> Iterator[str]:
    """Every link target in Markdown `text`, leaving out code blocks and inline code."""
    text = INLINE_CODE.sub("", FENCE.sub("", text))
    for pattern in (INLINE_LINK, REFERENCE_LINK):
        for match in pattern.finditer(text):
            yield match.group(1)


def relative_links(path: Path) -> list[str]:
    """The link targets in `path` that point at a file rather than a web page or an anchor."""
    return [t for t in links(path.read_text(encoding="utf-8")) if not SCHEME.match(t) and not t.startswith("#")]


def test_the_link_finder_sees_links_but_not_code() -> None:
    text = "See [a](docs/a.md#top) and [b][1].\n\n[1]: ../b.md\n\n```sh\n[x](nowhere.md)\n```\n`[y](z.md)` [w](https://example.org)"
    assert list(links(text)) == ["docs/a.md#top", "https://example.org", "../b.md"]


@pytest.mark.parametrize("doc", MARKDOWN_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_lead_to_files_in_the_repository(doc: Path) -> None:
    broken = []
    for target in relative_links(doc):
        file_part = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if not file_part:
            continue
        base = ROOT if file_part.startswith("/") else doc.parent
        resolved = (base / file_part.lstrip("/")).resolve()
        if not resolved.is_relative_to(ROOT):
            broken.append(f"{target} (outside the repository)")
        elif not resolved.exists():
            broken.append(f"{target} (no such file)")
    assert not broken, f"{doc.relative_to(ROOT)} has links that lead nowhere in the repository: {', '.join(broken)}"
