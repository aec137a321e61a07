"""The terminal sanitiser under property-based fuzzing (issue 8): whatever an agent sends, what reaches a
terminal holds no control character other than newline and tab, no ESC, no C1 control, no bidi control,
and sanitising is idempotent."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from a2acli.render.sanitize import clean_line, clean_text
from a2acli.render.writers import diag, field

# Bidi controls of the "Trojan Source" class (CVE-2021-42574): embeddings, overrides, isolates and marks.
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Fragments an agent would use to attack a terminal, mixed into generated text so hypothesis hits them often.
ATTACKS = [
    "\x1b]0;pwned\x07",  # OSC window title (BEL-terminated)
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink (ST-terminated)
    "\x1b]52;c;ZXZpbA==\x07",  # OSC 52 clipboard write
    "\x1b[2J",  # clear screen
    "\x1b[?1049h",  # alternate screen
    "\x1b[31;1m",  # SGR colour
    "\x1bc",  # full reset (RIS)
    "\x1bP+q544e\x1b\\",  # DCS
    "\x9b2J",  # 8-bit CSI
    "\x9d0;title\x9c",  # 8-bit OSC
    "\x07",  # BEL
    "\x08\x08\x08",  # backspaces
    "\r",  # carriage return (overwrite the line)
    "\x7f",  # DEL
    "\x1b",  # lone ESC
    "\u202e",  # right-to-left override
    "\u2066",  # isolate
    "\u061c",  # Arabic letter mark
    "\ufeff",  # BOM / zero-width no-break space
    "\u2028",  # line separator
    "[bold red]markup[/]",  # Rich markup (must stay literal text, not be interpreted)
    "\n",
    "\t",
]

FORBIDDEN_ALWAYS = {chr(c) for c in range(0x00, 0x20) if chr(c) not in "\n\t"} | {chr(0x7F)}
FORBIDDEN_ALWAYS |= {chr(c) for c in range(0x80, 0xA0)} | BIDI | {"\u2028", "\u2029"}

hostile_text = st.lists(
    st.one_of(st.sampled_from(ATTACKS), st.text(max_size=20), st.characters(max_codepoint=0x2FFF)),
    max_size=25,
).map("".join)

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_terminal_safe(out: str, *, allow_newline: bool) -> None:
    bad = [c for c in out if c in FORBIDDEN_ALWAYS]
    assert not bad, f"unsafe characters survived: {[hex(ord(c)) for c in bad]} in {out!r}"
    for ch in out:
        if unicodedata.category(ch) == "Cc":
            assert allow_newline and ch in "\n\t", f"control {ord(ch):#x} survived in {out!r}"


@FUZZ
@given(hostile_text)
@example("\x1b]0;title\x07\x1b[2J\x1b[?1049h\x07\x08\x9b31m")
@example("\x1b\x1b[2J")
@example("\x1b[" * 50)
def test_clean_text_never_leaves_a_control(text: str) -> None:
    out = clean_text(text)
    _assert_terminal_safe(out, allow_newline=True)
    assert clean_text(out) == out  # idempotent
    assert len(out) <= len(text)


@FUZZ
@given(hostile_text)
def test_clean_line_is_one_line(text: str) -> None:
    out = clean_line(text)
    _assert_terminal_safe(out, allow_newline=False)
    assert "\n" not in out and "\t" not in out
    assert clean_line(out) == out


@FUZZ
@given(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cf", "Cs", "Zl", "Zp"])))
def test_printable_text_is_kept_exactly(text: str) -> None:
    assert clean_text(text) == text
    assert clean_line(text) == text


@FUZZ
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cf", "Cs", "Zl", "Zp"])), max_size=5))
def test_newlines_and_tabs_survive_in_blocks(lines: list[str]) -> None:
    text = "\n".join(lines) + "\t"
    assert clean_text(text) == text


@FUZZ
@given(st.one_of(st.integers(), st.floats(allow_nan=True), st.none(), st.lists(hostile_text, max_size=3)))
def test_non_string_values_are_stringified_safely(value: object) -> None:
    _assert_terminal_safe(clean_text(value), allow_newline=True)


@pytest.mark.parametrize(
    ("attack", "expected"),
    [
        ("a\x1b]0;pwned\x07b", "ab"),  # the OSC payload goes with its introducer
        ("a\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
        ("a\x1b[2Jb", "ab"),
        ("a\x1b[?1049hb", "ab"),
        ("a\x9b2Jb", "ab"),
        ("a\x07\x08b", "ab"),
        ("a\rb", "a\nb"),
        ("[bold red]x[/]", "[bold red]x[/]"),  # markup is literal text for the sanitiser
    ],
)
def test_known_attacks(attack: str, expected: str) -> None:
    assert clean_text(attack) == expected


@FUZZ
@given(hostile_text)
def test_text_floor_field_is_safe(label_value: str) -> None:
    _assert_terminal_safe(field("Name", label_value), allow_newline=True)
    assert field("Name", label_value).count("\n") == 1


def test_diag_sanitises_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    diag("error: \x1b]0;pwned\x07agent said \x1b[2J[bold]hi[/bold]\x9b1m\nsecond line")
    err = capsys.readouterr().err
    _assert_terminal_safe(err, allow_newline=True)
    assert err.count("\n") == 1 and "pwned" not in err
