"""The documentation's links: every relative link and image in README.md, CONTRIBUTING.md and
docs/ leads to a file that exists and, with a ``#fragment``, to a heading of that page, as GitHub
names headings. The README stays short enough to read in two minutes."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 150

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[`~]*[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?!`)((?:(?!\n\n).)+?)(?<!`)\1(?!`)", re.DOTALL)
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
INLINE_LINK = re.compile(r"\]\(\s*(<[^>\n]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>\n]*>|\S+)", re.MULTILINE)
HTML_ATTRIBUTE = re.compile(r"<(?:a|img)\b[^>]*?\b(?:href|src)=\"([^\"]*)\"", re.IGNORECASE)
MARKDOWN_LINK_TEXT = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def documentation() -> list[Path]:
    """The pages whose links are checked."""
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]


def prose(text: str) -> str:
    """``text`` without fenced code blocks and code spans, where brackets are not links."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading (github-slugger): lower case, every character that is
    not a letter, mark, number, connector (``_``), hyphen or space dropped, spaces to hyphens."""
    text = MARKDOWN_LINK_TEXT.sub(r"\1", heading).lower()
    kept = (c for c in text if c in " -" or unicodedata.category(c)[0] in "LMN" or c == "_")
    return "".join(kept).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of ``page``; a repeated heading gets -1, -2, … as on GitHub."""
    seen: dict[str, int] = {}
    found = set()
    for match in HEADING.finditer(FENCE.sub("", page.read_text(encoding="utf-8"))):
        slug = github_slug(match.group(2).strip())
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def link_targets(page: Path) -> list[str]:
    """Every link and image target in ``page``, as written (inline, reference or HTML)."""
    text = prose(page.read_text(encoding="utf-8"))
    patterns = (INLINE_LINK, REFERENCE_DEFINITION, HTML_ATTRIBUTE)
    targets = [m.group(1) for pattern in patterns for m in pattern.finditer(text)]
    return [t[1:-1] if t.startswith("<") and t.endswith(">") else t for t in targets]


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    """The relative links of ``page`` that lead nowhere, each with the reason."""
    broken = []
    for target in link_targets(page):
        reason = why_broken(page, target, root)
        if reason is not None:
            broken.append(f"{target}: {reason}")
    return broken


def why_broken(page: Path, target: str, root: Path) -> str | None:
    """Why the link ``target`` in ``page`` leads nowhere, or None if it leads somewhere (or off
    this repository: a web address is not checked)."""
    if EXTERNAL.match(target):
        return None
    path_part, _, fragment = target.partition("#")
    path_part = unquote(path_part)
    if not path_part:
        destination = page
    elif path_part.startswith("/"):  # GitHub reads a leading slash from the repository's root
        destination = root / path_part.lstrip("/")
    else:
        destination = page.parent / path_part
    destination = destination.resolve()
    if not destination.is_relative_to(root.resolve()):
        return "outside the repository"
    if not destination.exists():
        return "no such file"
    if fragment and destination.suffix == ".md" and unquote(fragment) not in anchors(destination):
        return f"no heading #{fragment} in {destination.name}"
    return None


@pytest.mark.parametrize("page", documentation(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_image_leads_somewhere(page):
    assert broken_links(page) == []


def test_the_readme_reads_in_two_minutes():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES


def test_every_page_of_the_docs_can_be_reached_from_the_readme():
    reached, queue = set(), [(ROOT / "README.md").resolve()]
    while queue:
        page = queue.pop()
        if page in reached:
            continue
        reached.add(page)
        for target in link_targets(page):
            path_part = unquote(target.partition("#")[0])
            if path_part and not EXTERNAL.match(target) and path_part.endswith(".md"):
                queue.append((page.parent / path_part).resolve())
    assert {p.resolve() for p in documentation()} - reached == set()


def test_the_checker_reports_a_missing_file_a_missing_heading_and_nothing_else(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "pic.png").write_bytes(b"")
    (tmp_path / "docs" / "guide.md").write_text(
        "# Guide\n\n## Keys and `--flags`: 2/λ₀ × 3\n\n## Keys and `--flags`: 2/λ₀ × 3\n",
        encoding="utf-8",
    )
    page = tmp_path / "README.md"
    page.write_text(
        "# Title\n\n![a picture\nover two lines](pic.png)\n"
        "[ok](docs/guide.md#keys-and---flags-2λ₀--3)\n"
        "[again](docs/guide.md#keys-and---flags-2λ₀--3-1) [self](#title) [web](https://x.org/y)\n"
        "[gone](docs/missing.md) ![gone too](missing.png) [bad anchor](docs/guide.md#nothing)\n"
        '<img src="pic.png"> [out](../elsewhere.md)\n\n'
        "```\n[not a link](nowhere.md)\n```\nand `[nor this](nowhere.md)`\n",
        encoding="utf-8",
    )
    assert broken_links(page, root=tmp_path) == [
        "docs/missing.md: no such file",
        "missing.png: no such file",
        "docs/guide.md#nothing: no heading #nothing in guide.md",
        "../elsewhere.md: outside the repository",
    ]


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Why Qt is capped below 6.11", "why-qt-is-capped-below-611"),
        ("Torch: CPU or CUDA", "torch-cpu-or-cuda"),
        ("Predict, then reveal", "predict-then-reveal"),
        (
            "Does SGD at η = 1 recover if the rate drops?",
            "does-sgd-at-η--1-recover-if-the-rate-drops",
        ),
        ("`engine.core` and the_rest", "enginecore-and-the_rest"),
        ("See [the guide](guide.md)", "see-the-guide"),
    ],
)
def test_anchors_are_named_as_github_names_them(heading, slug):
    assert github_slug(heading) == slug
