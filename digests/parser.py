"""The digest text format (docs/digest-format.md) into a `ParsedDigest`.

Pure: no database, no Django. Errors carry the file name and the 1-based line number.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

DATE_LINE = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),\s*(\d{4})$")
# `•` needs no space after it; `-` and `*` do (a hyphenated word is not a bullet).
# \s also covers the non-breaking spaces some exporters indent with.
BULLET = re.compile(r"^\s*(?:•\s*|[-*]\s+)(?P<text>\S.*)$")
SECTION = re.compile(r"^\s*(?P<number>\d{1,3})\.\s+(?P<rest>\S.*)$")
SUBSECTION = re.compile(r"^\s*(?P<section>\d{1,3})\.(?P<sub>\d{1,3})\.?\s+(?P<title>\S.*)$")
KEY_POINTS = "key points:"
DETAILS = "details:"
TRAILER = "view full content"

# Column sizes of the digest model: longer values are format errors, not crashes.
LIMITS = {"exporter": 100, "title": 300, "publisher": 200}

ZWJ = "\u200d"
VS16 = "\ufe0f"
KEYCAP = "\u20e3"


class FormatError(ValueError):
    def __init__(self, filename: str, line: int, message: str):
        super().__init__(f"{filename}:{line}: {message}")
        self.filename = filename
        self.line = line
        self.message = message


@dataclass
class Subsection:
    number: str
    title: str
    bullets: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"number": self.number, "title": self.title, "bullets": self.bullets}


@dataclass
class Section:
    number: int
    emoji: str
    title: str
    bullets: list[str] = field(default_factory=list)
    subsections: list[Subsection] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "emoji": self.emoji,
            "title": self.title,
            "bullets": self.bullets,
            "subsections": [s.as_dict() for s in self.subsections],
        }


@dataclass
class ParsedDigest:
    exporter: str
    published_on: dt.date
    title: str
    publisher: str
    summary: str
    key_points: list[str]
    sections: list[Section]
    truncated: bool

    def sections_as_dicts(self) -> list[dict]:
        return [s.as_dict() for s in self.sections]


def _is_emoji_part(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.category(char) in {"So", "Sk"}
        or char in (ZWJ, VS16, KEYCAP)
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
    )


def split_emoji(text: str) -> tuple[str, str]:
    """Leading emoji (any number of code points) and the rest, both stripped.

    A character followed by U+FE0F (emoji presentation) counts as emoji whatever its
    category: U+2139 (information), U+203C (double exclamation) and keycaps such as
    1 + U+FE0F + U+20E3 are not "symbols" to Unicode.
    """
    end = 0
    while end < len(text):
        if _is_emoji_part(text[end]):
            end += 1
        elif end + 1 < len(text) and text[end + 1] in (VS16, KEYCAP):
            end += 2
        else:
            break
    return text[:end], text[end:].strip()


def _parse_date(value: str) -> dt.date | None:
    match = DATE_LINE.match(value)
    if not match:
        return None
    month = MONTHS.get(match.group(1).lower())
    if month is None:
        return None
    try:
        return dt.date(int(match.group(3)), month, int(match.group(2)))
    except ValueError:
        return None


def _squash(text: str) -> str:
    return " ".join(text.split())


def parse(text: str, filename: str = "<text>") -> ParsedDigest:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise FormatError(
            filename,
            text.count("\n", 0, text.index("\x00")) + 1,
            "a NUL character: this is not a text export",
        )
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it does not start another
    numbered = [(index + 1, line.rstrip()) for index, line in enumerate(lines)]
    position = 0

    def fail(line: int, message: str):
        raise FormatError(filename, line, message)

    def content_lines():
        """(line number, line, stripped) of every non-blank line from here on; the
        position follows, so a later loop continues where an earlier one stopped."""
        nonlocal position
        while position < len(numbered):
            number, line = numbered[position]
            position += 1
            if line.strip():
                yield number, line, line.strip()

    def next_nonblank(what: str) -> tuple[int, str]:
        for number, _, stripped in content_lines():
            return number, stripped
        fail(len(numbered), f"the file ends before the {what}")

    # Header: banner, date, title, publisher line.
    exporter_lineno, exporter = next_nonblank("exporter banner")
    date_lineno, date_text = next_nonblank("date line")
    published_on = _parse_date(date_text)
    if published_on is None:
        fail(date_lineno, f"expected a date like 'Mar 14, 2025', found {date_text[:60]!r}")
    if len(exporter) > LIMITS["exporter"]:
        fail(exporter_lineno, f"the exporter name is longer than {LIMITS['exporter']} characters")
    title_lineno, title = next_nonblank("title")
    title = _squash(title)
    if len(title) > LIMITS["title"]:
        fail(title_lineno, f"the title is longer than {LIMITS['title']} characters")
    if title.lower() in {KEY_POINTS, DETAILS}:
        fail(title_lineno, "expected the title, found a heading")
    pub_lineno, publisher_line = next_nonblank("publisher line")
    publisher_line = _squash(publisher_line)
    suffix = f" - {title}"
    if publisher_line.lower().endswith(suffix.lower()) and len(publisher_line) > len(suffix):
        publisher = publisher_line[: -len(suffix)].strip()
        if len(publisher) > LIMITS["publisher"]:
            fail(pub_lineno, f"the publisher is longer than {LIMITS['publisher']} characters")
    else:
        fail(pub_lineno, f"expected '<publisher> - {title[:60]}'")

    # Summary: everything up to "Key Points:"; paragraphs joined with one space.
    summary_lines: list[str] = []
    key_points_lineno = None
    for number, _, stripped in content_lines():
        if stripped.lower() == KEY_POINTS:
            key_points_lineno = number
            break
        if stripped.lower() == DETAILS:
            fail(number, "found 'Details:' before 'Key Points:'")
        if stripped.lower() == TRAILER:
            fail(number, "the content ends ('View Full Content') before 'Key Points:'")
        summary_lines.append(stripped)
    if key_points_lineno is None:
        fail(len(numbered), "no 'Key Points:' line")
    summary = _squash(" ".join(summary_lines))

    # Key points: bullets up to "Details:"; unmarked lines continue the previous bullet.
    key_points: list[str] = []
    details_found = False
    truncated = False
    for number, line, stripped in content_lines():
        if stripped.lower() == DETAILS:
            details_found = True
            break
        if stripped.lower() == TRAILER:
            truncated = True
            break
        bullet = BULLET.match(line)
        if bullet:
            key_points.append(_squash(bullet.group("text")))
        elif key_points:
            key_points[-1] = f"{key_points[-1]} {_squash(stripped)}"
        else:
            fail(number, f"expected a bullet under 'Key Points:', found {stripped[:60]!r}")
    if not details_found and not truncated:
        fail(len(numbered), "no 'Details:' line")
    if not details_found:
        fail(number, "the content ends ('View Full Content') before 'Details:'")

    # Details: sections, subsections and bullets, up to the trailer.
    sections: list[Section] = []
    current_sub: Subsection | None = None
    last_bullets: list[str] | None = None
    for number, line, stripped in content_lines():
        if stripped.lower() == TRAILER:
            truncated = True
            break
        sub = SUBSECTION.match(line)
        if sub:
            if not sections:
                fail(number, "a subsection before any section")
            section = sections[-1]
            if int(sub.group("section")) != section.number:
                fail(
                    number,
                    f"subsection {sub.group('section')}.{sub.group('sub')} appears under "
                    f"section {section.number}",
                )
            current_sub = Subsection(
                number=f"{section.number}.{int(sub.group('sub'))}",
                title=_squash(sub.group("title")),
            )
            section.subsections.append(current_sub)
            last_bullets = current_sub.bullets
            continue
        head = SECTION.match(line)
        if head:
            emoji, section_title = split_emoji(head.group("rest"))
            if not section_title:
                fail(number, f"section {head.group('number')} has no title")
            sections.append(
                Section(number=int(head.group("number")), emoji=emoji, title=_squash(section_title))
            )
            current_sub = None
            last_bullets = sections[-1].bullets
            continue
        bullet = BULLET.match(line)
        if bullet:
            if last_bullets is None:
                fail(number, "a bullet before the first section under 'Details:'")
            last_bullets.append(_squash(bullet.group("text")))
            continue
        if last_bullets:
            last_bullets[-1] = f"{last_bullets[-1]} {_squash(stripped)}"
            continue
        fail(number, f"expected a section, subsection or bullet, found {stripped[:60]!r}")

    return ParsedDigest(
        exporter=exporter,
        published_on=published_on,
        title=title,
        publisher=publisher,
        summary=summary,
        key_points=key_points,
        sections=sections,
        truncated=truncated,
    )
