"""Make agent-supplied text safe for a terminal.

Agent text is untrusted. Before it reaches stdout or stderr in any output mode that is not JSON, it goes
through `clean_text` (multi-line blocks) or `clean_line` (single-line fields): whole escape sequences
(CSI, OSC, DCS/SOS/PM/APC strings) are removed, then every remaining control character except newline
and tab (and every C1 control and Unicode bidi override) is dropped. Rich renderables are built from
`rich.text.Text` objects, never from markup strings, so markup in agent text is shown literally.
"""

from __future__ import annotations

import re

# ESC [ ... final byte ; ESC ] ... (BEL | ESC \) ; ESC P/X/^/_ ... ST ; 8-bit CSI/OSC/DCS introducers ;
# any other two-byte ESC sequence.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    (?: \x1b\[ | \x9b ) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?            # CSI
  | (?: \x1b[\]PX^_] | [\x90\x98\x9d\x9e\x9f] ) .*? (?: \x07 | \x1b\\ | \x9c | $ )  # OSC, DCS, SOS, PM, APC
  | \x1b [\x20-\x2f]* [\x30-\x7e]?                                         # other ESC sequences
    """,
    re.VERBOSE | re.DOTALL,
)

# C0 controls except \t and \n, DEL, C1 controls, bidi marks/embeddings/overrides/isolates, line/para separators.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")


def clean_text(value: object) -> str:
    """Text safe for a terminal: escape sequences removed, controls other than newline and tab dropped.

    Carriage returns are folded into newlines (a lone CR would let text overwrite the line it is on).
    """
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def clean_line(value: object) -> str:
    """A single-line field value: like `clean_text`, with newlines and tabs turned into spaces."""
    text = clean_text(value)
    if "\n" in text or "\t" in text:
        text = text.replace("\n", " ").replace("\t", " ")
    return text
