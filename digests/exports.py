"""Export formats of rendered digests (`digests.selectors.as_shown`, policies applied):
JSON as rendered, Markdown, and CSV."""

from __future__ import annotations

EXPORT_FORMATS = {
    "json": ("application/json", "json"),
    "markdown": ("text/markdown; charset=utf-8", "md"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}
CSV_COLUMNS = [
    "id",
    "slug",
    "title",
    "publisher",
    "published_on",
    "status",
    "language",
    "topics",
    "summary",
    "key_points",
    "sections",
    "source_publisher",
    "source_title",
    "source_url",
    "updated_at",
    "policy_version",
    "policy_findings",
]


def to_markdown(data: dict) -> str:
    """A digest as Markdown, from its rendered (policy-applied) form: what a policy hid is
    absent, what it redacted is masked."""
    lines = [f"# {data['title']}", ""]
    meta = [f"**Publisher:** {data['publisher']}", f"**Published:** {data['published_on']}"]
    if data.get("topics"):
        meta.append("**Topics:** " + ", ".join(data["topics"]))
    source = data.get("source")
    if source and source.get("url"):
        meta.append(f"**Source:** [{source['title']}]({source['url']})")
    lines += [" · ".join(meta), ""]
    if data.get("summary"):
        lines += [data["summary"], ""]
    if data.get("key_points"):
        lines += ["## Key points", ""] + [f"- {p}" for p in data["key_points"]] + [""]
    for section in data.get("sections") or []:
        emoji = f"{section['emoji']} " if section.get("emoji") else ""
        lines += [f"## {section['number']}. {emoji}{section['title']}", ""]
        lines += [f"- {b}" for b in section.get("bullets", [])]
        for sub in section.get("subsections", []):
            lines += ["", f"### {sub['number']} {sub['title']}", ""]
            lines += [f"- {b}" for b in sub.get("bullets", [])]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def csv_row(data: dict) -> list[str]:
    """A rendered digest as a CSV row of CSV_COLUMNS."""
    source = data.get("source") or {}
    values = {
        **data,
        "source_publisher": source.get("publisher"),
        "source_title": source.get("title"),
        "source_url": source.get("url"),
        "policy_version": data["policy"]["version"],
        "policy_findings": data["policy"]["findings"],
    }
    return [values.get(name) for name in CSV_COLUMNS]
