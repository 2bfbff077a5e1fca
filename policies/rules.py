"""Rule kinds, their parameters, and validation of a policy's rule list.

A rule is data:

    {"id": "no-crypto", "kind": "keyword_block", "params": {"keywords": ["bitcoin"]},
     "audience": {"type": "roles", "roles": ["viewer"]}, "mode": "enforce",
     "message": "Crypto content is switched off here.", "overridable": false}

Validation errors name the rule by position and id (`rules.2.params.pattern`), so an
admin sees which rule to fix.
"""

from __future__ import annotations

import re
from typing import Any

import re2
from rest_framework import serializers

from licensing.uses import USE_NAMES

KINDS = (
    "topic_block",
    "keyword_block",
    "regex_redact",
    "section_hide",
    "field_hide",
    "license_gate",
    "allow",
)
HIDING_KINDS = {"topic_block", "keyword_block", "license_gate"}
MODES = ("enforce", "monitor")
HIDEABLE_FIELDS = ("summary", "key_points", "sections", "source", "topics")
# Response keys each hideable field stands for: hiding the source hides the licensed
# sources list too.
FIELD_KEYS = {"source": ("source", "sources")}
# The uses a license can permit (the licensing vocabulary); a gate names one.
LICENSE_USES = USE_NAMES
MAX_RULES = 100
KEYWORD = re.compile(r"^[\w' -]+$")
RULE_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
DEFAULT_MESSAGES = {
    "topic_block": "This topic is switched off for you.",
    "keyword_block": "This digest mentions something switched off for you.",
    "regex_redact": "Parts of this digest are redacted.",
    "section_hide": "Some sections are hidden.",
    "field_hide": "Parts of the product are switched off for you.",
    "license_gate": "The source of this digest is not licensed for this use.",
    "allow": "",
}


def compile_re2(pattern: str):
    """Case-insensitive, linear-time (RE2 has no backtracking, so no pattern can stall)."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return re2.compile(pattern, options)


def _strings(value, *, path: str, min_items: int, max_items: int, max_len: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise serializers.ValidationError({path: ["Must be a list of strings."]})
    cleaned = [" ".join(v.split()) for v in value if v.strip()]
    if not min_items <= len(cleaned) <= max_items:
        raise serializers.ValidationError(
            {path: [f"Give between {min_items} and {max_items} non-empty entries."]}
        )
    if any(len(v) > max_len for v in cleaned):
        raise serializers.ValidationError({path: [f"Entries are at most {max_len} characters."]})
    return cleaned


def _pattern(value, *, path: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise serializers.ValidationError({path: ["A pattern of 1 to 500 characters."]})
    try:
        compile_re2(value)
    except re2.error as exc:
        message = exc.args[0].decode() if isinstance(exc.args[0], bytes) else str(exc)
        raise serializers.ValidationError({path: [f"Not a valid pattern: {message}"]}) from None
    return value


def _params(kind: str, params: Any, path: str) -> dict:
    if not isinstance(params, dict):
        raise serializers.ValidationError({path: ["Must be an object."]})
    allowed = {
        "topic_block": {"topics"},
        "keyword_block": {"keywords"},
        "regex_redact": {"pattern", "mask"},
        "section_hide": {"pattern"},
        "field_hide": {"fields"},
        "license_gate": {"use"},
        "allow": {"rules"},
    }[kind]
    unknown = set(params) - allowed
    if unknown:
        raise serializers.ValidationError(
            {f"{path}.{name}": [f"Unknown parameter for {kind}."] for name in sorted(unknown)}
        )
    if kind == "topic_block":
        topics = _strings(
            params.get("topics"), path=f"{path}.topics", min_items=1, max_items=100, max_len=100
        )
        return {"topics": sorted({t.lower() for t in topics})}
    if kind == "keyword_block":
        keywords = _strings(
            params.get("keywords"), path=f"{path}.keywords", min_items=1, max_items=200, max_len=100
        )
        odd = [k for k in keywords if not KEYWORD.match(k)]
        if odd:
            raise serializers.ValidationError(
                {
                    f"{path}.keywords": [
                        f"Words and phrases only (letters, digits, spaces, "
                        f"hyphens, apostrophes): {', '.join(odd[:5])}"
                    ]
                }
            )
        return {"keywords": keywords}
    if kind == "regex_redact":
        mask = params.get("mask", "[redacted]")
        if not isinstance(mask, str) or len(mask) > 50:
            raise serializers.ValidationError({f"{path}.mask": ["At most 50 characters."]})
        return {"pattern": _pattern(params.get("pattern"), path=f"{path}.pattern"), "mask": mask}
    if kind == "section_hide":
        return {"pattern": _pattern(params.get("pattern"), path=f"{path}.pattern")}
    if kind == "field_hide":
        fields = _strings(
            params.get("fields"),
            path=f"{path}.fields",
            min_items=1,
            max_items=len(HIDEABLE_FIELDS),
            max_len=20,
        )
        bad = sorted(set(fields) - set(HIDEABLE_FIELDS))
        if bad:
            raise serializers.ValidationError(
                {
                    f"{path}.fields": [
                        f"Not hideable: {', '.join(bad)}; choose from {', '.join(HIDEABLE_FIELDS)}."
                    ]
                }
            )
        return {"fields": sorted(set(fields))}
    if kind == "license_gate":
        use = params.get("use", "display_internally")
        if use not in LICENSE_USES:
            raise serializers.ValidationError(
                {f"{path}.use": [f"One of {', '.join(LICENSE_USES)}."]}
            )
        return {"use": use}
    # allow
    return {
        "rules": _strings(
            params.get("rules"), path=f"{path}.rules", min_items=1, max_items=MAX_RULES, max_len=40
        )
    }


def _audience(value: Any, path: str, roles: set[str]) -> dict:
    if value is None:
        return {"type": "everyone"}
    if not isinstance(value, dict) or value.get("type") not in {"everyone", "roles", "api_keys"}:
        raise serializers.ValidationError({f"{path}.type": ["One of everyone, roles, api_keys."]})
    kind = value["type"]
    if kind == "everyone":
        return {"type": "everyone"}
    if kind == "roles":
        listed = _strings(
            value.get("roles"), path=f"{path}.roles", min_items=1, max_items=50, max_len=50
        )
        unknown = sorted(set(listed) - roles)
        if unknown:
            raise serializers.ValidationError(
                {f"{path}.roles": [f"No such roles: {', '.join(unknown)}."]}
            )
        return {"type": "roles", "roles": sorted(set(listed))}
    prefixes = value.get("prefixes") or []
    if prefixes:
        prefixes = _strings(
            prefixes, path=f"{path}.prefixes", min_items=1, max_items=100, max_len=16
        )
    return {"type": "api_keys", "prefixes": sorted(set(prefixes))}


def _storable_text(value: Any, path: str) -> None:
    """Refuse text that cannot be stored or sent back: a lone surrogate has no UTF-8
    form (RE2, the JSON column and the response would all fail on it) and PostgreSQL's
    JSON cannot hold NUL. Checked before anything else reads the rule, so no error
    message ever quotes such text (a key is named by the object holding it)."""
    if isinstance(value, str):
        if "\x00" in value or not _encodes(value):
            raise serializers.ValidationError(
                {path: ["Text must be valid Unicode without NUL characters."]}
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or "\x00" in key or not _encodes(key):
                raise serializers.ValidationError(
                    {path: ["Names must be valid Unicode without NUL characters."]}
                )
            _storable_text(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            _storable_text(item, path)


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validate_rules(rules: Any, *, roles: set[str]) -> list[dict]:
    """The rule list, normalised; raises ValidationError naming the faulty rule."""
    if not isinstance(rules, list):
        raise serializers.ValidationError({"rules": ["Must be a list of rules."]})
    if len(rules) > MAX_RULES:
        raise serializers.ValidationError({"rules": [f"At most {MAX_RULES} rules."]})
    cleaned: list[dict] = []
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        path = f"rules.{index}"
        _storable_text(rule, path)
        if not isinstance(rule, dict) or not rule:
            raise serializers.ValidationError({path: ["A rule must be a non-empty object."]})
        unknown = set(rule) - {"id", "kind", "params", "audience", "mode", "message", "overridable"}
        if unknown:
            raise serializers.ValidationError(
                {f"{path}.{name}": ["Unknown field."] for name in sorted(unknown)}
            )
        kind = rule.get("kind")
        if kind not in KINDS:
            raise serializers.ValidationError({f"{path}.kind": [f"One of {', '.join(KINDS)}."]})
        rule_id = rule.get("id") or f"rule-{index + 1}"
        if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
            raise serializers.ValidationError(
                {f"{path}.id": ["1 to 40 lowercase letters, digits and hyphens."]}
            )
        if rule_id in seen:
            raise serializers.ValidationError({f"{path}.id": [f"{rule_id!r} is used twice."]})
        seen.add(rule_id)
        mode = rule.get("mode", "enforce")
        if mode not in MODES:
            raise serializers.ValidationError({f"{path}.mode": ["enforce or monitor."]})
        message = rule.get("message", DEFAULT_MESSAGES[kind])
        if not isinstance(message, str) or len(message) > 300:
            raise serializers.ValidationError({f"{path}.message": ["At most 300 characters."]})
        overridable = rule.get("overridable", False)
        if not isinstance(overridable, bool):
            raise serializers.ValidationError({f"{path}.overridable": ["true or false."]})
        cleaned.append(
            {
                "id": rule_id,
                "kind": kind,
                "params": _params(kind, rule.get("params", {}), f"{path}.params"),
                "audience": _audience(rule.get("audience"), f"{path}.audience", roles),
                "mode": mode,
                "message": message,
                "overridable": overridable,
            }
        )
    for index, rule in enumerate(cleaned):
        if rule["kind"] == "allow":
            missing = sorted(set(rule["params"]["rules"]) - seen)
            if missing:
                raise serializers.ValidationError(
                    {f"rules.{index}.params.rules": [f"No such rules: {', '.join(missing)}."]}
                )
    return cleaned
