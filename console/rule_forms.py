"""The policy rule editor's form: rules to form fields and back, and the API's validation
errors placed next to the field that caused them.

The API validates (policies.rules.validate_rules); this module only translates. A rule's
fields are named `r<index>-<name>`; lists are typed one entry a line.
"""

from __future__ import annotations

from licensing.uses import USES
from policies.rules import DEFAULT_MESSAGES, HIDEABLE_FIELDS, KINDS, MODES

# Per kind: the form fields that carry its parameters, and what each parameter is.
PARAMETERS = {
    "topic_block": ("topics",),
    "keyword_block": ("keywords",),
    "regex_redact": ("pattern", "mask"),
    "section_hide": ("pattern",),
    "field_hide": ("fields",),
    "license_gate": ("use",),
    "allow": ("allow",),
}
# Form field -> the parameter it fills, where the names differ.
_PARAM_OF_FIELD = {"allow": "rules"}
_LINES = {"topics", "keywords", "allow"}

KIND_HELP = {
    "topic_block": "Hides digests about any of these topics.",
    "keyword_block": "Hides digests that mention any of these words or phrases.",
    "regex_redact": "Replaces text matching a pattern (RE2, any case) with a mask.",
    "section_hide": "Hides the sections whose title matches a pattern.",
    "field_hide": "Hides whole fields of every digest.",
    "license_gate": "Hides digests whose sources are not licensed for a use.",
    "allow": "Lifts named overridable rules of other policies for its audience.",
}


def choices() -> dict:
    """What the editor offers: kinds, modes, hideable fields, license uses."""
    return {
        "kinds": [(kind, kind.replace("_", " "), KIND_HELP[kind]) for kind in KINDS],
        "modes": MODES,
        "hideable_fields": HIDEABLE_FIELDS,
        "uses": [(use.name, use.label) for use in USES],
    }


def rule_to_form(rule: dict, index: int, errors: dict | None = None) -> dict:
    """One rule as the editor shows it."""
    params = rule.get("params") or {}
    audience = rule.get("audience") or {"type": "everyone"}
    return {
        "index": index,
        "prefix": f"r{index}",
        "id": rule.get("id", ""),
        "kind": rule.get("kind", "keyword_block"),
        "mode": rule.get("mode", "enforce"),
        "message": rule.get("message", ""),
        "default_message": DEFAULT_MESSAGES.get(rule.get("kind", ""), ""),
        "overridable": bool(rule.get("overridable")),
        "audience": audience.get("type", "everyone"),
        "roles": audience.get("roles", []),
        "prefixes": "\n".join(audience.get("prefixes", [])),
        "topics": "\n".join(params.get("topics", [])),
        "keywords": "\n".join(params.get("keywords", [])),
        "pattern": params.get("pattern", ""),
        "mask": params.get("mask", "[redacted]"),
        "fields": params.get("fields", []),
        "use": params.get("use", "display_internally"),
        "allow": "\n".join(params.get("rules", [])),
        "errors": (errors or {}).get(index, {}),
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def rules_from_post(post) -> list[dict]:
    """The rules the editor posted, in order, less those marked for removal."""
    try:
        count = min(int(post.get("rule-count", "0")), 200)
    except ValueError:
        count = 0
    rules = []
    for index in range(count):
        name = f"r{index}-"
        if post.get(name + "remove"):
            continue
        kind = post.get(name + "kind", "")
        rule: dict = {
            "id": post.get(name + "id", "").strip(),
            "kind": kind,
            "mode": post.get(name + "mode", "enforce"),
            "overridable": bool(post.get(name + "overridable")),
        }
        message = post.get(name + "message", "").strip()
        if message:
            rule["message"] = message
        audience = post.get(name + "audience", "everyone")
        if audience == "roles":
            rule["audience"] = {"type": "roles", "roles": post.getlist(name + "roles")}
        elif audience == "api_keys":
            rule["audience"] = {
                "type": "api_keys",
                "prefixes": _lines(post.get(name + "prefixes", "")),
            }
        else:
            rule["audience"] = {"type": audience}
        params = {}
        for field in PARAMETERS.get(kind, ()):
            key = _PARAM_OF_FIELD.get(field, field)
            if field in _LINES:
                params[key] = _lines(post.get(name + field, ""))
            elif field == "fields":
                params[key] = post.getlist(name + field)
            else:
                params[key] = post.get(name + field, "")
        rule["params"] = params
        rules.append(rule)
    return rules


def errors_by_rule(field_errors: dict[str, list[str]]) -> tuple[dict[int, dict], list[str]]:
    """The API's errors (`rules.2.params.pattern`) by rule index and editor field, and
    those that belong to no one rule."""
    by_rule: dict[int, dict] = {}
    general: list[str] = []
    for path, messages in field_errors.items():
        parts = path.split(".")
        if len(parts) >= 2 and parts[0] == "rules" and parts[1].isdigit():
            index = int(parts[1])
            rest = parts[2:]
            if rest[:1] == ["params"] and len(rest) > 1:
                field = {v: k for k, v in _PARAM_OF_FIELD.items()}.get(rest[1], rest[1])
            elif rest[:1] == ["audience"]:
                field = "audience" if rest[1:] in ([], ["type"]) else rest[1]
            else:
                field = rest[0] if rest else "rule"
            by_rule.setdefault(index, {}).setdefault(field, []).extend(messages)
        else:
            general.extend(messages)
    return by_rule, general
