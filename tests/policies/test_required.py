"""`policies.required`: the characters every match of a redact pattern contains, which let a
page's screening skip digests whose JSON lacks one. Claiming a character a match can lack
would lose a redaction, so the reading must stay on the safe side of every construct."""

from __future__ import annotations

import random

import pytest

from policies.required import required_characters
from policies.rules import compile_re2


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}", "@."),
        (r"\d{3}-\d{4}", "-"),
        (r"\+\d+", "+"),
        (r"@+", "@"),
        (r"@{1,3}", "@"),
        (r"@{2}", "@"),
        (r"(?i)@", "@"),
        (r"^-$", "-"),
        (r"é@", "@"),
        (r"(x|y)@(a|b)", "@"),
        # optional, alternative, grouped or in a class: not required
        (r"a@?b", ""),
        (r"@*", ""),
        (r"@{0,2}", ""),
        (r"@+?", ""),  # lazy: left out, which only costs the shortcut
        (r"x|@", ""),
        (r"@|x", ""),
        (r"(@)", ""),
        (r"(?:@)+", ""),
        (r"[@]", ""),
        (r"[]@]", ""),
        (r"[^@]", ""),
        (r"[[:punct:]]#", "#"),
        (r"[\]@]", ""),
        # letters (any case matches beyond ASCII), space and JSON's escaped characters
        (r"abc", ""),
        (r"K", ""),
        (r" ", ""),
        (r'"', ""),
        (r"\\", ""),
        (r"\n", ""),
        # syntax this reading does not follow claims nothing at all
        (r"\Q@\E", ""),
        (r"\101@", ""),
        (r"\x40", ""),
        (r"\x{40}@", ""),
        (r"\p{L}@", ""),
        (r"\pL@", ""),
        (r"@{x}", ""),
        (r"[[:alpha:]", ""),
        # a group of flags is no atom: the quantifier after it makes `-` optional
        (r"x-(?i)?", ""),
        (r"x-(?s)*", ""),
        (r"x-(?U){0}", ""),
        (r"x-(?is-U){0,1}", ""),
        (r"x-(?i)+", "-"),
        (r"(?i)@(?s)", "@"),
        (r"x-(?i:y)?", "-"),
    ],
)
def test_required_characters(pattern, expected):
    assert required_characters(pattern) == frozenset(expected)


# Patterns with and without required characters, and texts made of their pieces: every
# text a pattern matches must hold every character claimed for it.
PATTERNS = [
    r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}",
    r"\d{3}-\d{4}",
    r"\d{3}-?\d{4}",
    r"a@?b-",
    r"(@|#)-",
    r"@-|#",
    r"x|-@",
    r"(?:x|@)+#",
    r"#{1,2}[@-]",
    r"-*@+",
    r"^@.*#$",
    r"\.\.",
    r"[^#]#[^#]",
    r"(?s)@.#",
    r"\bk\b-",
    r"(?i)K@",
    r"é-",
    r"\d+(,\d{3})*\.\d\d",
    r"\d{2}-(?i)?\d{2}",
    r"@(?s)*#",
]
ALPHABET = ["@", "#", "-", ".", ",", "a", "b", "k", "K", "\u212a", "x", "é", "1", "2", " ", "\n"]


def test_no_match_lacks_a_claimed_character():
    generator = random.Random(20261129)
    texts = [
        "".join(generator.choice(ALPHABET) for _ in range(generator.randint(0, 14)))
        for _ in range(4000)
    ]
    matched = 0
    for pattern in PATTERNS:
        compiled = compile_re2(pattern)
        claimed = required_characters(pattern)
        for text in texts:
            found = compiled.search(text)
            if found is not None:
                matched += 1
                assert claimed <= set(found.group(0)), (pattern, text)
    assert matched > 1000  # the texts exercise the patterns
    assert sum(1 for p in PATTERNS if required_characters(p)) >= 10
