"""The digest text format (docs/digest-format.md), rule by rule. Pure: no database."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from digests.parser import FormatError, ParsedDigest, Section, Subsection, parse

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "digests"

ZWJ = "\u200d"
VS16 = "\ufe0f"


def cps(spec: str) -> str:
    """A string from code points written as in the seeds README: '2600 FE0F' -> '☀️'."""
    return "".join(chr(int(code, 16)) for code in spec.split())


def codepoints(text: str) -> list[str]:
    return [f"U+{ord(char):04X}" for char in text]


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing `needle` (independent of the parser)."""
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the text")


def all_strings(parsed: ParsedDigest) -> list[str]:
    """Every string the parse produced, in every field."""
    found = [parsed.exporter, parsed.title, parsed.publisher, parsed.summary]
    found += parsed.key_points
    for section in parsed.sections:
        found += [section.emoji, section.title, *section.bullets]
        for sub in section.subsections:
            found += [sub.number, sub.title, *sub.bullets]
    return found


def build(
    *,
    banner: str = "Digestly",
    date: str = "Mar 14, 2025",
    title: str = "A Title",
    publisher_line: str = "Test Radio - A Title",
    summary: tuple[str, ...] = ("A summary.",),
    key_points: tuple[str, ...] = ("  • First point.",),
    details: tuple[str, ...] = ("1. ⚡ Opening", "", "  • A bullet."),
    trailer: tuple[str, ...] = (),
) -> str:
    """A small, well-formed digest in the canonical layout, with any part replaced."""
    rows = [banner, "", date, "", title, "", publisher_line, ""]
    rows += [*summary, "", "Key Points:", "", *key_points, "", "Details:", "", *details]
    rows += list(trailer)
    return "\n".join(rows) + "\n"


def details_of(*rows: str) -> list[Section]:
    return parse(build(details=rows)).sections


# --- A whole digest in the canonical layout ---------------------------------------------------

CANONICAL_EXAMPLE = """\
Digestly

Mar 14, 2025

Why Small Models Win at the Edge: Two Chip Designers Compare Notes

Edge Compute Radio - Why Small Models Win at the Edge: Two Chip Designers Compare Notes

Two hardware engineers explain why compact language models on phones and laptops are
overtaking cloud-only deployments for everyday tasks. They cover memory bandwidth, quantization
and battery budgets, and argue that product teams should design for on-device inference first.

Key Points:

  • On-device models answer common requests in tens of milliseconds.
  • Memory bandwidth, not raw compute, limits phones today.
  • Four-bit weights keep most quality for chat-style work.

Details:

1. ⚡ Why Latency Decides Adoption

  • People stop using assistants that need more than a second.
  • Local inference removes the network round trip.

2. 🇯🇵 Lessons From Japanese Handset Makers

2.1. Thermal Limits Shape the Product

2.2. Why Carriers Still Matter

3. ⚖️ Regulation and On-Device Privacy

  • Data that never leaves the phone simplifies consent.
View Full Content
Read every episode in full with a paid plan
Plans from a few dollars a month.
"""


def test_a_canonical_example_parses_to_its_structure():
    parsed = parse(CANONICAL_EXAMPLE, "example.txt")

    assert parsed.exporter == "Digestly"
    assert parsed.published_on == dt.date(2025, 3, 14)
    assert parsed.title == "Why Small Models Win at the Edge: Two Chip Designers Compare Notes"
    assert parsed.publisher == "Edge Compute Radio"
    assert parsed.summary == (
        "Two hardware engineers explain why compact language models on phones and laptops are "
        "overtaking cloud-only deployments for everyday tasks. They cover memory bandwidth, "
        "quantization and battery budgets, and argue that product teams should design for "
        "on-device inference first."
    )
    assert parsed.key_points == [
        "On-device models answer common requests in tens of milliseconds.",
        "Memory bandwidth, not raw compute, limits phones today.",
        "Four-bit weights keep most quality for chat-style work.",
    ]
    assert parsed.sections_as_dicts() == [
        {
            "number": 1,
            "emoji": "\u26a1",
            "title": "Why Latency Decides Adoption",
            "bullets": [
                "People stop using assistants that need more than a second.",
                "Local inference removes the network round trip.",
            ],
            "subsections": [],
        },
        {
            "number": 2,
            "emoji": "\U0001f1ef\U0001f1f5",
            "title": "Lessons From Japanese Handset Makers",
            "bullets": [],
            "subsections": [
                {"number": "2.1", "title": "Thermal Limits Shape the Product", "bullets": []},
                {"number": "2.2", "title": "Why Carriers Still Matter", "bullets": []},
            ],
        },
        {
            "number": 3,
            "emoji": "\u2696\ufe0f",
            "title": "Regulation and On-Device Privacy",
            "bullets": ["Data that never leaves the phone simplifies consent."],
            "subsections": [],
        },
    ]
    assert parsed.truncated is True
    # The upsell after the trailer is nowhere.
    assert not any("paid plan" in s or "dollars" in s for s in all_strings(parsed))


FORMAT_DOC = Path(__file__).resolve().parents[2] / "docs" / "digest-format.md"


def _fenced(text: str, language: str) -> list[str]:
    """The bodies of the fenced blocks of `text` written in `language`, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def test_the_format_document_example_reads_as_it_says():
    """docs/digest-format.md shows an export and the fields it gives: they must agree."""
    page = FORMAT_DOC.read_text(encoding="utf-8")
    [export] = _fenced(page, "text")
    [fields] = _fenced(page, "json")
    parsed = parse(export, "example.txt")
    assert {
        "exporter": parsed.exporter,
        "published_on": parsed.published_on.isoformat(),
        "title": parsed.title,
        "publisher": parsed.publisher,
        "summary": parsed.summary,
        "key_points": parsed.key_points,
        "sections": parsed.sections_as_dicts(),
        "truncated": parsed.truncated,
    } == json.loads(fields)


# --- Header: banner, date, title, publisher line ---------------------------------------------


@pytest.mark.parametrize("banner", ["Digestly", "Summarium", "Some Other Exporter"])
def test_the_first_nonblank_line_is_the_exporter(banner):
    assert parse(build(banner=banner)).exporter == banner


def test_blank_lines_before_the_banner_are_skipped():
    assert parse("\n\n  \n" + build(banner="Summarium")).exporter == "Summarium"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Mar 14, 2025", dt.date(2025, 3, 14)),  # abbreviated month, two-digit day
        ("Jan 7, 2025", dt.date(2025, 1, 7)),  # day without zero padding
        ("Sep 5, 2025", dt.date(2025, 9, 5)),
        ("Dec 31, 2024", dt.date(2024, 12, 31)),
        ("Feb 29, 2024", dt.date(2024, 2, 29)),  # leap day
        ("May 9, 2025", dt.date(2025, 5, 9)),
        ("March 14, 2025", dt.date(2025, 3, 14)),  # full month names
        ("September 5, 2025", dt.date(2025, 9, 5)),
        ("July 1, 2025", dt.date(2025, 7, 1)),
        ("August 12, 2024", dt.date(2024, 8, 12)),
    ],
)
def test_the_date_line_is_published_on(line, expected):
    assert parse(build(date=line)).published_on == expected


def test_the_title_is_the_line_after_the_date():
    title = "Why Small Models Win at the Edge: Two Chip Designers Compare Notes"
    text = build(title=f"  {title}  ", publisher_line=f"Edge Compute Radio - {title}")
    assert parse(text).title == title


@pytest.mark.parametrize(
    ("title", "publisher"),
    [
        # The title itself contains ' - ': the publisher is NOT what precedes the first dash.
        ("Grid Batteries - What Actually Gets Built and Why", "Watt Matters"),
        ("Mixing Low End - Kick, Bass - and the Space Between", "Studio Notes Daily"),
        # A hyphen in the publisher name, and a publisher that itself contains ' - '.
        ("Pressing Traps and the Return of the Back Three", "Low-Block FM"),
        ("Risk Tiers - What the Rules Ask", "Code - Counsel & Co"),
    ],
)
def test_the_publisher_is_what_precedes_dash_title(title, publisher):
    parsed = parse(build(title=title, publisher_line=f"{publisher} - {title}"))
    assert parsed.title == title
    assert parsed.publisher == publisher


# --- Summary and key points -------------------------------------------------------------------


def test_summary_lines_and_paragraphs_are_joined_with_one_space():
    parsed = parse(
        build(
            summary=(
                "First paragraph, first line",
                "and its second line.",
                "",
                "",
                "Second paragraph   with  odd spacing.",
                "",
                "Third.",
            )
        )
    )
    assert parsed.summary == (
        "First paragraph, first line and its second line. Second paragraph with odd spacing. Third."
    )


def test_key_points_are_the_bullets_between_key_points_and_details():
    parsed = parse(
        build(
            key_points=(
                "  • On-device models answer common requests in tens of milliseconds.",
                "  • Memory bandwidth, not raw compute, limits phones today.",
                "  • Four-bit weights keep most quality for chat-style work.",
            )
        )
    )
    assert parsed.key_points == [
        "On-device models answer common requests in tens of milliseconds.",
        "Memory bandwidth, not raw compute, limits phones today.",
        "Four-bit weights keep most quality for chat-style work.",
    ]
    # Key points are not section bullets.
    assert parsed.sections[0].bullets == ["A bullet."]


# --- Sections and emojis ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "emoji", "title", "points"),
    [
        pytest.param(
            "1. \U0001f1ef\U0001f1f5 Lessons From Japanese Handset Makers",
            "\U0001f1ef\U0001f1f5",
            "Lessons From Japanese Handset Makers",
            ["U+1F1EF", "U+1F1F5"],
            id="flag",
        ),
        pytest.param(
            f"1. \U0001f469{ZWJ}\U0001f52c What the Lab Found",
            f"\U0001f469{ZWJ}\U0001f52c",
            "What the Lab Found",
            ["U+1F469", "U+200D", "U+1F52C"],
            id="zwj",
        ),
        pytest.param(
            f"1. \U0001f9d1{ZWJ}\u2696{VS16} Judges and Models",
            f"\U0001f9d1{ZWJ}\u2696{VS16}",
            "Judges and Models",
            ["U+1F9D1", "U+200D", "U+2696", "U+FE0F"],
            id="zwj-fe0f",
        ),
        pytest.param(
            f"1. \u2696{VS16} Regulation and On-Device Privacy",
            f"\u2696{VS16}",
            "Regulation and On-Device Privacy",
            ["U+2696", "U+FE0F"],
            id="symbol-fe0f",
        ),
        pytest.param(
            "1. \u26a1 Why Latency Decides Adoption",
            "\u26a1",
            "Why Latency Decides Adoption",
            ["U+26A1"],
            id="plain",
        ),
        pytest.param(
            "1. Interconnection Is the Bottleneck",
            "",
            "Interconnection Is the Bottleneck",
            [],
            id="none",
        ),
    ],
)
def test_section_heading_emoji_and_title(heading, emoji, title, points):
    [section] = details_of(heading, "", "  • A bullet.")
    assert section.number == 1
    assert section.emoji == emoji
    assert codepoints(section.emoji) == points
    assert section.title == title
    assert section.bullets == ["A bullet."]


def test_a_section_can_have_neither_bullets_nor_subsections():
    sections = details_of("1. ⚡ Empty One", "", "2. Also Empty")
    assert [s.as_dict() for s in sections] == [
        {"number": 1, "emoji": "⚡", "title": "Empty One", "bullets": [], "subsections": []},
        {"number": 2, "emoji": "", "title": "Also Empty", "bullets": [], "subsections": []},
    ]


def test_subsections_with_and_without_bullets():
    [section] = details_of(
        "1. Interconnection Is the Bottleneck",
        "",
        "1.1. Why Queues Grow",
        "",
        "  • Speculative requests hold a place.",
        "  • Withdrawals force new studies.",
        "",
        "1.2. Cluster Studies",
    )
    assert section.bullets == []
    assert section.subsections == [
        Subsection(
            "1.1",
            "Why Queues Grow",
            ["Speculative requests hold a place.", "Withdrawals force new studies."],
        ),
        Subsection("1.2", "Cluster Studies", []),
    ]


def test_bullets_go_to_the_innermost_open_section_or_subsection():
    sections = details_of(
        "1. ⚡ First",
        "  • s1 bullet",
        "1.1. Sub one",
        "  • 1.1 bullet a",
        "  • 1.1 bullet b",
        "1.2. Sub two",
        "1.3. Sub three",
        "  • 1.3 bullet",
        "2. 🔥 Second",
        "  • s2 bullet",
    )
    assert [s.as_dict() for s in sections] == [
        {
            "number": 1,
            "emoji": "⚡",
            "title": "First",
            "bullets": ["s1 bullet"],
            "subsections": [
                {"number": "1.1", "title": "Sub one", "bullets": ["1.1 bullet a", "1.1 bullet b"]},
                {"number": "1.2", "title": "Sub two", "bullets": []},
                {"number": "1.3", "title": "Sub three", "bullets": ["1.3 bullet"]},
            ],
        },
        {
            "number": 2,
            "emoji": "🔥",
            "title": "Second",
            "bullets": ["s2 bullet"],
            "subsections": [],
        },
    ]


def test_two_digit_section_numbers_and_their_subsections():
    rows: list[str] = []
    for n in range(1, 13):
        rows += [f"{n}. Question {n}", f"  • Answer {n}."]
        if n == 10:
            rows += ["10.1. First part", "  • Part one.", "10.2. Second part", "10.10. Tenth part"]
    sections = details_of(*rows)
    assert [s.number for s in sections] == list(range(1, 13))
    assert [s.title for s in sections] == [f"Question {n}" for n in range(1, 13)]
    assert all(s.bullets == [f"Answer {s.number}."] for s in sections)
    tenth = sections[9]
    assert tenth.subsections == [
        Subsection("10.1", "First part", ["Part one."]),
        Subsection("10.2", "Second part", []),
        Subsection("10.10", "Tenth part", []),
    ]
    assert all(not s.subsections for s in sections if s.number != 10)


# --- The trailer ------------------------------------------------------------------------------

UPSELL = (
    "View Full Content",
    "Read every episode in full with a paid plan",
    "",
    "4. 🔒 Members Only Section",
    "  • Upsell bullet that looks like content.",
    "4.1. Hidden subsection",
    "Key Points:",
    "Details:",
    "Plans from a few dollars a month.",
)


def test_the_trailer_ends_the_content_and_marks_it_truncated():
    parsed = parse(build(details=("1. ⚡ Opening", "", "  • A bullet.", ""), trailer=UPSELL))
    assert parsed.truncated is True
    assert [s.as_dict() for s in parsed.sections] == [
        {
            "number": 1,
            "emoji": "⚡",
            "title": "Opening",
            "bullets": ["A bullet."],
            "subsections": [],
        }
    ]
    for text in all_strings(parsed):
        for marker in ("View Full", "paid plan", "Members Only", "Upsell", "Hidden", "dollars"):
            assert marker not in text


def test_the_trailer_may_follow_the_last_bullet_without_a_blank_line():
    parsed = parse(build(details=("1. ⚡ Opening", "  • Last bullet."), trailer=UPSELL))
    assert parsed.truncated is True
    assert parsed.sections[0].bullets == ["Last bullet."]
    assert not any("View Full" in s or "paid plan" in s for s in all_strings(parsed))


def test_the_trailer_may_follow_a_section_heading_directly():
    parsed = parse(build(details=("1. ⚡ Opening", "  • A bullet.", "2. Closing"), trailer=UPSELL))
    assert parsed.truncated is True
    assert [(s.title, s.bullets, s.subsections) for s in parsed.sections] == [
        ("Opening", ["A bullet."], []),
        ("Closing", [], []),
    ]


def test_without_a_trailer_the_digest_is_not_truncated():
    parsed = parse(build(details=("1. ⚡ Opening", "  • A bullet.")))
    assert parsed.truncated is False
    assert parsed.sections[0].bullets == ["A bullet."]


# --- Forgiving about layout -------------------------------------------------------------------

CANONICAL = """\
Digestly

Apr 2, 2025

Tidal Power - Is the Moon a Utility?

Ocean Shift - Tidal Power - Is the Moon a Utility?

Two engineers weigh tidal lagoons
against offshore wind.

They finish with a cost comparison.

Key Points:

  • Tides are predictable decades ahead.
  • Lagoons cost more per megawatt.

Details:

1. 🌊 Predictability

  • Output is known years ahead.

2. 🇬🇧 The British Lagoon Plans

  • Swansea was the test case.

2.1. Planning Consent

  • Consent took six years.
  • The strike price was the sticking point.

2.2. Financing

3. Open Questions

  • Sediment builds up behind barrages.
"""
CANONICAL_TRUNCATED = CANONICAL + "View Full Content\nSubscribe for the full episode.\n"

CANONICAL_PARSE = ParsedDigest(
    exporter="Digestly",
    published_on=dt.date(2025, 4, 2),
    title="Tidal Power - Is the Moon a Utility?",
    publisher="Ocean Shift",
    summary=(
        "Two engineers weigh tidal lagoons against offshore wind. "
        "They finish with a cost comparison."
    ),
    key_points=["Tides are predictable decades ahead.", "Lagoons cost more per megawatt."],
    sections=[
        Section(1, "\U0001f30a", "Predictability", ["Output is known years ahead."]),
        Section(
            2,
            "\U0001f1ec\U0001f1e7",
            "The British Lagoon Plans",
            ["Swansea was the test case."],
            [
                Subsection(
                    "2.1",
                    "Planning Consent",
                    ["Consent took six years.", "The strike price was the sticking point."],
                ),
                Subsection("2.2", "Financing", []),
            ],
        ),
        Section(3, "", "Open Questions", ["Sediment builds up behind barrages."]),
    ],
    truncated=False,
)


def test_the_canonical_layout_parses_as_expected():
    assert parse(CANONICAL) == CANONICAL_PARSE
    truncated = parse(CANONICAL_TRUNCATED)
    assert truncated.truncated is True
    assert truncated.sections == CANONICAL_PARSE.sections


def _drop_blank_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if line.strip()) + "\n"


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda t: "\ufeff" + t, id="bom"),
        pytest.param(lambda t: "\ufeff" + t.replace("\n", "\r\n"), id="bom-and-crlf"),
        pytest.param(lambda t: t.rstrip("\n"), id="no-final-newline"),
        pytest.param(lambda t: t.replace("\n", "\r\n").rstrip("\r\n"), id="crlf-no-final-newline"),
        pytest.param(lambda t: t.replace("  • ", "\t• "), id="tab-before-bullets"),
        pytest.param(lambda t: t.replace("  • ", "\t\t•\t"), id="tabs-around-markers"),
        pytest.param(lambda t: t.replace("  • ", "        •   "), id="extra-spaces"),
        pytest.param(lambda t: t.replace("  • ", "• "), id="no-indent"),
        pytest.param(lambda t: t.replace("•", "-"), id="dash-markers"),
        pytest.param(lambda t: t.replace("•", "*"), id="star-markers"),
        pytest.param(_drop_blank_lines, id="no-blank-lines"),
        pytest.param(lambda t: t.replace("\n", "\n\n\n"), id="extra-blank-lines"),
        pytest.param(lambda t: t.replace("\n", "   \n"), id="trailing-spaces"),
    ],
)
@pytest.mark.parametrize("source", [CANONICAL, CANONICAL_TRUNCATED], ids=["plain", "truncated"])
def test_forgiving_about_layout(variant, source):
    text = variant(source)
    assert text != source
    assert parse(text) == parse(source)
    assert parse(text).sections == CANONICAL_PARSE.sections


# --- Malformed files: FormatError with the file and the line ----------------------------------


def assert_fails_at(text: str, line: int, *, filename: str = "bad.txt") -> FormatError:
    with pytest.raises(FormatError) as caught:
        parse(text, filename)
    error = caught.value
    assert error.line == line, str(error)
    assert error.filename == filename
    assert str(error).startswith(f"{filename}:{line}: "), str(error)
    assert error.message
    return error


def test_no_date_line():
    text = build(date="").replace("\n\n\n\n", "\n\n")  # the date line is gone
    assert "Mar 14" not in text
    assert_fails_at(text, line_of(text, "A Title"))  # the title is found where the date goes


@pytest.mark.parametrize(
    "date",
    ["Feb 30, 2025", "Feb 29, 2025", "Apr 31, 2025", "Smarch 14, 2025", "2025-03-14", "Mar 14"],
)
def test_a_bad_date_is_rejected_at_the_date_line(date):
    text = build(date=date)
    assert line_of(text, date) == 3
    assert_fails_at(text, 3)


def test_no_title():
    # Banner and date, then straight into the summary headings.
    text = "Digestly\n\nMar 14, 2025\n\nKey Points:\n\n  • A point.\n\nDetails:\n\n1. A\n"
    assert_fails_at(text, 5)


def test_the_file_ends_before_the_title():
    assert_fails_at("Digestly\n\nMar 14, 2025", 3)


@pytest.mark.parametrize(
    "publisher_line",
    [
        "Test Radio - Another Title",  # a different title
        "Test Radio",  # no title at all
        "A Title",  # the title with no publisher
        "A Title - Test Radio",  # reversed
        "Test Radio - A Title (extended)",  # does not END with the title
    ],
)
def test_a_publisher_line_that_does_not_end_with_the_title(publisher_line):
    text = build(publisher_line=publisher_line)
    assert text.split("\n")[6] == publisher_line  # line 7
    assert_fails_at(text, 7)


def test_no_key_points_heading_but_details():
    text = build().replace("Key Points:\n\n", "")
    assert "Key Points" not in text
    assert_fails_at(text, line_of(text, "Details:"))


def test_no_key_points_and_no_details():
    text = "Digestly\n\nMar 14, 2025\n\nA Title\n\nTest Radio - A Title\n\nA summary.\nMore."
    assert_fails_at(text, 10)  # the end of the file, its last line


def test_the_trailer_before_key_points():
    text = "Digestly\nMar 14, 2025\nA Title\nTest Radio - A Title\nA summary.\nView Full Content\n"
    assert_fails_at(text, 6)


def test_no_details_heading():
    text = build().replace("Details:\n\n", "")
    assert "Details" not in text
    text = text.rstrip("\n")  # see test_end_of_file_errors_name_a_line_of_the_file
    assert_fails_at(text, text.count("\n") + 1)  # the end of the file, its last line


def test_no_details_heading_before_the_trailer():
    text = build(trailer=("View Full Content", "Upsell.")).replace("Details:\n\n", "")
    assert_fails_at(text, line_of(text, "View Full Content"))


def test_garbage_before_the_first_key_point():
    text = build(key_points=("Not a bullet at all.", "  • First point."))
    assert_fails_at(text, line_of(text, "Not a bullet at all."))


def test_a_bullet_before_any_section():
    text = build(details=("  • Orphan bullet.", "", "1. ⚡ Opening", "  • A bullet."))
    assert_fails_at(text, line_of(text, "Orphan bullet."))


def test_a_subsection_before_any_section():
    text = build(details=("1.1. Orphan subsection", "1. ⚡ Opening"))
    assert_fails_at(text, line_of(text, "Orphan subsection"))


@pytest.mark.parametrize(
    ("rows", "culprit"),
    [
        (("1. ⚡ Opening", "  • A bullet.", "", "2.1. Wrong Section"), "Wrong Section"),
        (("1. A", "2. B", "  • b", "1.1. Back to One"), "Back to One"),
        (("9. Nine", "10. Ten", "1.1. Not Ten"), "Not Ten"),
    ],
)
def test_a_subsection_numbered_for_the_wrong_section(rows, culprit):
    text = build(details=rows)
    assert_fails_at(text, line_of(text, culprit))


def test_garbage_text_in_details_before_any_bullet():
    text = build(details=("Stray text right after the heading.", "", "1. ⚡ Opening"))
    assert_fails_at(text, line_of(text, "Stray text"))


def test_garbage_text_after_a_section_heading_before_its_first_bullet():
    text = build(details=("1. ⚡ Opening", "", "Stray text where a bullet should be.", "  • b"))
    assert_fails_at(text, line_of(text, "Stray text"))


def test_a_section_heading_without_a_title():
    text = build(details=("1. ⚡",))
    assert_fails_at(text, line_of(text, "1. ⚡"))


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda t: "\ufeff" + t.replace("\n", "\r\n"), id="bom-and-crlf"),
        pytest.param(lambda t: t.replace("  • ", "\t- "), id="tabs-and-dashes"),
    ],
)
def test_line_numbers_survive_the_forgiving_cases(variant):
    text = build(details=("1. ⚡ Opening", "  • A bullet.", "", "3.1. Wrong Section"))
    assert_fails_at(variant(text), line_of(text, "Wrong Section"))


def test_the_error_names_the_file_given():
    error = assert_fails_at(build(date="Feb 30, 2025"), 3, filename="exports/2025/feb.txt")
    assert str(error).startswith("exports/2025/feb.txt:3: ")


# --- The ten sample exports (seeds/digests/README.md) -----------------------------------------

# file: (title, exporter, published_on, publisher, summary paragraphs, key points,
#        section emojis as code points, section bullets, {section: [(sub, bullets)]}, truncated)
EXPECTED = {
    "01-grid-batteries.txt": (
        "Grid Batteries - What Actually Gets Built and Why",
        "Digestly",
        dt.date(2025, 1, 7),
        "Watt Matters",
        1,
        4,
        ["2600 FE0F", "1F1E6 1F1FA", "", "26A1"],
        [3, 2, 0, 3],
        {3: [("3.1", 2), ("3.2", 0)]},
        True,
    ),
    "02-query-planner.txt": (
        "When the Query Planner Guesses Wrong",
        "Digestly",
        dt.date(2025, 2, 23),
        "Index Scan Weekly",
        1,
        5,
        ["1F4C8", "", "1F469 200D 1F4BB", ""],
        [3, 0, 2, 0],
        {2: [("2.1", 1), ("2.2", 2)]},
        True,
    ),
    "03-maillard-reaction.txt": (
        "Why Browning Tastes So Good: The Maillard Reaction Explained",
        "Digestly",
        dt.date(2025, 3, 3),
        "The Hungry Chemist",
        1,
        4,
        ["1F9D1 200D 1F373", "1F525", "26A0 FE0F", ""],
        [2, 1, 2, 2],
        {2: [("2.1", 2), ("2.2", 1), ("2.3", 0)]},
        True,
    ),
    "04-pressing-traps.txt": (
        "Pressing Traps and the Return of the Back Three",
        "Digestly",
        dt.date(2025, 4, 18),
        "Low-Block FM",
        1,
        4,
        ["1F1E7 1F1F7", "26BD", "", "1F4C8"],
        [2, 0, 2, 2],
        {2: [("2.1", 2), ("2.2", 2)]},
        False,
    ),
    "05-mars-sample-return.txt": (
        "Bringing Mars Rocks Home: The Sample Return Problem",
        "Digestly",
        dt.date(2025, 5, 9),
        "Orbital Mechanics Hour",
        2,
        6,
        ["1F680", "1F6F0 FE0F", "1F1EF 1F1F5", "", ""],
        [3, 0, 2, 2, 0],
        {2: [("2.1", 2), ("2.2", 1)]},
        True,
    ),
    "06-mixing-low-end.txt": (
        "Mixing Low End - Kick, Bass and the Space Between",
        "Digestly",
        dt.date(2025, 6, 30),
        "Studio Notes Daily",
        1,
        3,
        ["1F39B FE0F", "1F3A7", ""],
        [2, 0, 2],
        {2: [("2.1", 1), ("2.2", 2)]},
        True,
    ),
    "07-vaccine-cold-chain.txt": (
        "Keeping Vaccines Cold on the Last Mile",
        "Digestly",
        dt.date(2025, 7, 1),
        "Public Health Dispatch",
        1,
        4,
        ["1F321 FE0F", "1F1F0 1F1EA", "1F489"],
        [2, 0, 2],
        {2: [("2.1", 1), ("2.2", 1), ("2.3", 2)]},
        False,
    ),
    "08-ai-risk-tiers.txt": (
        "Risk Tiers in Practice: What the New AI Rules Ask of Builders",
        "Summarium",
        dt.date(2024, 8, 12),
        "Code & Counsel",
        1,
        5,
        ["2696 FE0F", "1F1EA 1F1FA", "1F9D1 200D 2696 FE0F", ""],
        [2, 2, 2, 0],
        {1: [("1.1", 0), ("1.2", 1)], 4: [("4.1", 1), ("4.2", 2)]},
        True,
    ),
    "09-bus-network-redesign.txt": (
        "Frequent Networks: How Cities Redesign Their Bus Maps",
        "Digestly",
        dt.date(2025, 9, 5),
        "Ride the Grid Radio",
        1,
        4,
        ["1F5FA FE0F", "1F68C", "1F9D1 200D 1F9BD", "1F1E9 1F1EA", ""],
        [2, 0, 2, 1, 2],
        {2: [("2.1", 1), ("2.2", 2)]},
        True,
    ),
    "10-retire-early.txt": (
        "Twelve Questions to Answer Before Retiring Early",
        "Digestly",
        dt.date(2025, 10, 27),
        "Plain Money Talk",
        1,
        5,
        [
            "1F4C8",
            "1F4B0",
            "1F3E0",
            "",
            "26A0 FE0F",
            "1F9FE",
            "1F3E6",
            "1F468 200D 1F469 200D 1F467",
            "1F9E0",
            "1F4CA",
            "",
            "2705",
        ],
        [2, 2, 2, 2, 2, 2, 2, 2, 1, 0, 2, 2],
        {10: [("10.1", 2), ("10.2", 1), ("10.3", 0)]},
        True,
    ),
}


def test_the_table_covers_every_sample_file():
    assert sorted(p.name for p in SEEDS.glob("*.txt")) == sorted(EXPECTED)


def _summary_paragraphs(raw: str, header_line: str) -> list[str]:
    """The summary straight from the file: lines between the publisher line and
    'Key Points:', grouped into paragraphs at blank lines (no parser involved)."""
    lines = raw.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == header_line) + 1
    end = next(i for i, line in enumerate(lines) if line.strip() == "Key Points:")
    paragraphs: list[list[str]] = [[]]
    for line in lines[start:end]:
        if line.strip():
            paragraphs[-1].append(line.strip())
        elif paragraphs[-1]:
            paragraphs.append([])
    return [" ".join(p) for p in paragraphs if p]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_export(name):
    (
        title,
        exporter,
        published_on,
        publisher,
        paragraphs,
        key_points,
        emojis,
        section_bullets,
        subsections,
        truncated,
    ) = EXPECTED[name]
    raw = (SEEDS / name).read_bytes().decode("utf-8")
    parsed = parse(raw, name)

    assert parsed.title == title
    assert parsed.exporter == exporter
    assert parsed.published_on == published_on
    assert parsed.publisher == publisher

    summary = _summary_paragraphs(raw, f"{publisher} - {title}")
    assert len(summary) == paragraphs
    assert parsed.summary == " ".join(summary)
    assert "  " not in parsed.summary and "\n" not in parsed.summary

    assert len(parsed.key_points) == key_points
    assert all(point and point == point.strip() for point in parsed.key_points)

    assert len(parsed.sections) == len(emojis)
    assert [s.number for s in parsed.sections] == list(range(1, len(emojis) + 1))
    assert [s.emoji for s in parsed.sections] == [cps(e) for e in emojis]
    assert all(s.title and s.title == s.title.strip() for s in parsed.sections)
    assert all(not s.title.startswith(s.emoji) for s in parsed.sections if s.emoji)
    assert [len(s.bullets) for s in parsed.sections] == section_bullets
    assert {
        s.number: [(sub.number, len(sub.bullets)) for sub in s.subsections]
        for s in parsed.sections
        if s.subsections
    } == subsections

    assert parsed.truncated is truncated
    text = raw.replace("\r\n", "\n")
    assert ("\nView Full Content\n" in text) is truncated
    if truncated:
        upsell = [line.strip() for line in text.split("\nView Full Content\n", 1)[1].split("\n")]
        assert any(upsell)
        for line in filter(None, upsell):
            assert not any(line in s for s in all_strings(parsed)), line
    assert not any("View Full Content" in s for s in all_strings(parsed))


def test_the_sample_files_exercise_the_byte_level_cases():
    raw = {p.name[:2]: p.read_bytes() for p in SEEDS.glob("*.txt")}
    assert [n for n, b in sorted(raw.items()) if b.startswith(b"\xef\xbb\xbf")] == ["09"]
    assert [n for n, b in sorted(raw.items()) if b"\r\n" in b] == ["09"]
    assert [n for n, b in sorted(raw.items()) if not b.endswith(b"\n")] == ["07"]
    assert [n for n, b in sorted(raw.items()) if b"\t" in b] == ["02"]


# --- Bugs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Digestly\n\nMar 14, 2025\n", id="ends-before-title"),
        pytest.param(
            "Digestly\n\nMar 14, 2025\n\nA Title\n\nTest Radio - A Title\n\nA summary.\n",
            id="no-key-points",
        ),
        pytest.param(build().replace("Details:\n\n", ""), id="no-details"),
    ],
)
def test_end_of_file_errors_name_a_line_of_the_file(text):
    assert text.endswith("\n")
    assert_fails_at(text, text.count("\n"))  # the last line; there is no line after it


@pytest.mark.parametrize(
    "emoji",
    [
        pytest.param(f"\u2139{VS16}", id="information-Ll"),
        pytest.param(f"\u203c{VS16}", id="double-exclamation-Po"),
        pytest.param(f"\u2194{VS16}", id="left-right-arrow-Sm"),
        pytest.param(f"1{VS16}\u20e3", id="keycap-one"),
    ],
)
def test_any_character_presented_as_emoji_with_fe0f_is_the_emoji(emoji):
    [section] = details_of(f"1. {emoji} What to Know", "  • A bullet.")
    assert (section.emoji, section.title) == (emoji, "What to Know")


def test_a_bullet_marker_without_a_following_space_is_still_a_bullet():
    parsed = parse(build(key_points=("  • First point.", "  •Second point.")))
    assert parsed.key_points == ["First point.", "Second point."]
