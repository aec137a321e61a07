"""What a terminal shows after a program wrote `data` to it: the few VT100 controls Rich's Live view uses.

`screen_lines(data, columns)` replays printable text with autowrap (xterm's pending wrap at the last column),
CR, LF, cursor up/down/left/right/column, erase in line and erase below, and ignores colours, OSC strings
and modes. Lines that scrolled off stay in the result: it is the scrollback plus the screen, top to bottom,
trailing blanks trimmed. Enough to tell a live region that was erased from one that was left behind.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b.|.", re.S)


def screen_lines(data: bytes | str, columns: int) -> list[str]:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    rows: list[list[str]] = [[]]
    row = col = 0
    pending_wrap = False

    def line(n: int) -> list[str]:
        while len(rows) <= n:
            rows.append([])
        return rows[n]

    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if match.group(2) is not None:
            params, final = match.group(1), match.group(2)
            numbers = [int(p) for p in params.split(";") if p.isdigit()]
            n = numbers[0] if numbers else 0
            if params.startswith("?") or final == "m":
                continue
            pending_wrap = False
            if final == "A":
                row = max(0, row - max(n, 1))
            elif final == "B":
                row += max(n, 1)
            elif final == "C":
                col = min(columns - 1, col + max(n, 1))
            elif final == "D":
                col = max(0, col - max(n, 1))
            elif final == "G":
                col = max(0, max(n, 1) - 1)
            elif final == "K":
                cells = line(row)
                if n == 2:
                    cells.clear()
                elif n == 0:
                    del cells[col:]
                else:
                    for i in range(min(col + 1, len(cells))):
                        cells[i] = " "
            elif final == "J" and n == 0:
                del line(row)[col:]
                del rows[row + 1 :]
            continue
        if token.startswith("\x1b"):
            continue
        if token == "\r":
            col, pending_wrap = 0, False
        elif token == "\n":
            row, pending_wrap = row + 1, False
            line(row)
        elif token == "\b":
            col = max(0, col - 1)
        elif token >= " ":
            if pending_wrap:
                row, col, pending_wrap = row + 1, 0, False
            cells = line(row)
            while len(cells) < col:
                cells.append(" ")
            if col < len(cells):
                cells[col] = token
            else:
                cells.append(token)
            if col == columns - 1:
                pending_wrap = True
            else:
                col += 1
    out = ["".join(cells).rstrip() for cells in rows]
    while out and not out[-1]:
        out.pop()
    return out
