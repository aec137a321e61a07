"""The README's guide: its in-page links land on a heading, its file links on a file, its images exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _without_code(text: str) -> str:
    return re.sub(r"```.*?```", "", text, flags=re.S)


def test_in_page_links_land_on_a_heading() -> None:
    prose = _without_code(README)
    anchors = {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", prose, flags=re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", prose)
    assert links, "the guide links to its sections"
    missing = sorted(set(links) - anchors)
    assert not missing, f"links to no heading: {missing}"


def test_file_links_and_images_exist() -> None:
    prose = _without_code(README)
    targets = [t for t in re.findall(r"\]\(([^)#][^)]*)\)", prose) if "://" not in t]
    assert any(t.endswith(".svg") for t in targets), "the guide shows the terminal images"
    missing = [t for t in targets if not (ROOT / t.split("#", 1)[0]).exists()]
    assert not missing, f"links to missing files: {missing}"


def test_images_are_rich_svg_exports_of_the_real_program() -> None:
    for name in ("a2a-card.svg", "a2a-stream-live.svg", "a2a-stream.svg"):
        svg = (ROOT / "docs" / name).read_text()
        assert svg.startswith("<svg") and "Generated with Rich" in svg, name
    assert "Streaming Demo Agent" in (ROOT / "docs" / "a2a-card.svg").read_text().replace("&#160;", " ")


def test_quickstart_is_the_two_commands() -> None:
    quick = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", quick, flags=re.S)
    assert [b.strip() for b in blocks] == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && "
        '(a2a serve --delay 0.2 & server=$!; sleep 3; a2a card; a2a stream "Tell me a story"; '
        "kill $server; wait $server)",
        "bash scripts/test.sh",
    ]
