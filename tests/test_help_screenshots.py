"""The screen model behind scripts/screenshots.py: Rich's live redraws replay to what a terminal shows."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def screenshots() -> ModuleType:
    if sys.platform == "win32":  # pragma: no cover - the script drives a POSIX pty
        pytest.skip("POSIX only")
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_live_redraw_replays_to_the_last_frame(screenshots: ModuleType) -> None:
    screen = screenshots.Screen()
    frames = [
        b"\x1b[?25l\x1b[36mstatus 1\x1b[0m",
        b"\r\x1b[2KHello \r\n\x1b[36mstatus 2\x1b[0m",
        b"\r\x1b[2K\x1b[1A\x1b[2KHello world \r\n\x1b[36mstatus 3\x1b[0m",
        b"\r\n\x1b[?25h",
    ]
    for frame in frames:
        screen.feed(frame)
    assert screen.text() == "Hello world \n\x1b[36mstatus 3\x1b[0m"


def test_sequences_and_characters_cut_by_a_read_survive(screenshots: ModuleType) -> None:
    data = "\x1b[1;36m✓ ok\x1b[0m — done\r\n".encode()
    whole = screenshots.Screen()
    whole.feed(data)
    for cut in range(1, len(data)):
        split = screenshots.Screen()
        split.feed(data[:cut])
        split.feed(data[cut:])
        assert split.text() == whole.text(), cut
    assert whole.text() == "\x1b[1;36m✓ ok\x1b[0m — done"


def test_svg_export(screenshots: ModuleType, tmp_path: Path) -> None:
    target = tmp_path / "shot.svg"
    screenshots.ROOT = tmp_path  # the script prints paths relative to its root
    screenshots.save_svg("\x1b[1mState: \x1b[0m\x1b[32mCOMPLETED\x1b[0m", "a2a stream hi", target)
    svg = target.read_text().replace("&#160;", " ")
    assert svg.startswith("<svg") and "COMPLETED" in svg and "a2a stream hi" in svg
