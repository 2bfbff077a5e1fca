"""Characters every match of a pattern must contain: a page's cheapest pre-check.

Most list pages hold nothing a redact rule matches. Before walking each digest's text and
searching it (`engine.screen_redactions`), the page asks whether the digest could match at
all: an e-mail pattern needs an `@`, a phone number pattern often a `-`. A digest whose
JSON holds none of a required character cannot match, and that test is a byte search in
text orjson writes in C.

Only characters that read the same in a digest's text and in its JSON, and the same in
every case, are taken: printable ASCII that is not a letter, not `"` and not `\\` (JSON
escapes only those two and control characters; rules match case-insensitively, and a
letter's case-insensitive match includes non-ASCII letters such as the Kelvin sign).

The reading of the pattern is deliberately partial: only characters standing alone at the
top level of the pattern, outside any group and class and not made optional by `?`, `*`
or a `{0,...}` repetition, and only when the top level has no `|`. Whatever it does not
understand yields nothing, which costs the shortcut and never a match.
"""

from __future__ import annotations

import re
import string

# Printable ASCII that is neither a letter nor one of JSON's escaped characters.
_PLAIN = frozenset(string.digits + string.punctuation) - {'"', "\\"}
# Characters with a meaning of their own at the top level of a pattern.
_SPECIAL = frozenset("\\[]().^$*+?{}|")


# A group of flags alone, `(?i)` or `(?s-m)`; `(?i:...)` is a group like any other.
_FLAGS_ONLY = re.compile(r"\(\?[a-zA-Z-]*\)")


class _Unknown(Exception):
    """Syntax this reading does not follow: no character is claimed."""


def _skip_class(pattern: str, i: int) -> int:
    """The index after the character class opening at `pattern[i]` (`[`)."""
    i += 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1  # a leading ] is a member
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
        elif pattern.startswith("[:", i):
            end = pattern.find(":]", i + 2)
            if end < 0:
                raise _Unknown
            i = end + 2
        elif char == "]":
            return i + 1
        else:
            i += 1
    raise _Unknown


def _repetition_minimum(pattern: str, i: int) -> tuple[int, int]:
    """(minimum, index after) of a `{n}`, `{n,}` or `{n,m}` at `pattern[i]`."""
    end = pattern.find("}", i)
    if end < 0:
        raise _Unknown
    low, _, high = pattern[i + 1 : end].partition(",")
    if not low.isdigit() or not (high == "" or high.isdigit()) or not low.isascii():
        raise _Unknown
    return int(low), end + 1


def required_characters(pattern: str) -> frozenset[str]:
    """Characters each match of `pattern` contains, as far as this reading can tell
    (module docstring); empty when it cannot tell."""
    try:
        return frozenset(_read(pattern))
    except _Unknown:
        return frozenset()


def _read(pattern: str) -> list[str]:
    required: list[str] = []
    depth = 0
    i = 0
    # The last top-level atom, when it is a plain character a quantifier would apply to.
    last: str | None = None
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 >= len(pattern):
                raise _Unknown
            escaped = pattern[i + 1]
            if escaped in "QpPxX" or escaped.isdigit():
                # \Q...\E, escapes with an argument and octal codes: not followed here.
                raise _Unknown
            i += 2
            atom = escaped if escaped in _PLAIN and not escaped.isalnum() else None
            if depth == 0:
                last = atom
                if atom is not None:
                    required.append(atom)
            continue
        if char == "[":
            i = _skip_class(pattern, i)
            if depth == 0:
                last = None
            continue
        if char == "(":
            flags = _FLAGS_ONLY.match(pattern, i)
            if flags is not None and depth == 0:
                # (?i) and the like are no atom: a quantifier after one applies to the
                # atom before it (`x-(?i)?` matches "x"), so `last` is left as it was.
                i = flags.end()
                continue
            depth += 1
            i += 1
            continue
        if char == ")":
            depth -= 1
            if depth < 0:
                raise _Unknown
            i += 1
            if depth == 0:
                last = None
            continue
        if depth > 0:
            i += 1
            continue
        if char == "|":
            return []  # alternatives at the top: nothing is required by all of them
        if char in "*?":
            if last is not None:
                required.pop()
                last = None
            i += 1
            continue
        if char == "+":
            i += 1
            continue
        if char == "{":
            minimum, i = _repetition_minimum(pattern, i)
            if minimum == 0 and last is not None:
                required.pop()
            last = None
            continue
        i += 1
        if char in _SPECIAL:
            last = None
            continue
        last = char if char in _PLAIN else None
        if last is not None:
            required.append(last)
    if depth != 0:
        raise _Unknown
    return required
