"""Policy simulation: what a draft policy would change for a role or an API key, over the
digests the caller may read."""

from __future__ import annotations

from itertools import islice

import orjson

from digests.models import Digest
from digests.selectors import (
    Reader,
    as_shown,
    readable_digests,
    reader_for,
    rendered,
    seen_whole,
    visible_digests,
)
from policies import engine, selectors
from policies.models import Policy
from tenants.principals import Principal

SIMULATION_LIMIT = 10_000
SIMULATION_REPORTED = 200
SIMULATION_CHUNK = 500


def simulation(*, caller: Principal, principal: Principal, policy: Policy) -> dict:
    """`simulate`'s answer: the draft of `policy` against the rules in force, for
    `principal`, over what `caller` may see.

    The digests: those `principal` sees (none without `digests.view_digest`, as its own
    reads would be refused) and that `caller`'s own list shows (`readable_digests`: the
    caller's visibility less what the caller's enforced policies hide). Each is rendered
    as the API renders it (sources included) and the caller's own policies applied; a
    digest they change at all is withheld, not evaluated. The draft's rules are written
    by the caller, and every finding answers a question about the text it was tried on
    (forty monitor-mode patterns read a four-digit code), so that text must be exactly
    what the caller reads. Trying the draft on the caller's redacted rendering instead
    would not be enough: the hiding rules (keyword and topic blocks, license gates) are
    asked of the stored columns, in SQL, as enforcement asks them."""
    caller_rules = selectors.rule_set_for(caller)
    before = selectors.rule_set_for(principal)
    after = selectors.draft_rule_set(principal, policy)
    digests = Digest.objects.all()
    if not principal.has("digests.view_digest"):
        digests = digests.none()
    caller_reader = reader_for(caller, caller_rules)
    digests = readable_digests(
        caller_reader, visible_digests(reader_for(principal, before), digests)
    )
    digests = rendered(digests, caller_reader.day, detail=True).order_by("-published_on", "-id")
    for label, rule_set in (("before", before), ("after", after)):
        digests = rule_set.annotate_hits(
            digests,
            rule_set.enforced_hiding + rule_set.monitored_hiding,
            caller_reader.day,
            prefix=label,
        )
    evaluated = withheld = 0
    totals = {
        "before": {"hidden": 0, "with_findings": 0},
        "after": {"hidden": 0, "with_findings": 0},
    }
    changes = []
    # One more than the limit is read, to tell whether any digest was left out.
    rows = digests[: SIMULATION_LIMIT + 1].iterator(chunk_size=SIMULATION_CHUNK)
    first = islice(rows, SIMULATION_LIMIT)
    while chunk := list(islice(first, SIMULATION_CHUNK)):
        shown = _as_the_caller_sees(caller_reader, chunk)
        for digest, data in zip(chunk, shown, strict=True):
            if data is None:
                withheld += 1
                continue
            evaluated += 1
            outcome = {}
            for label, rule_set in (("before", before), ("after", after)):
                hidden = selectors.hidden_by(rule_set, digest, label)
                decision = engine.apply(rule_set, digest, orjson.loads(data), prefix=label)
                findings = [
                    {k: f[k] for k in ("rule", "action", "enforced", "path")}
                    for f in decision["findings"]
                ]
                findings += [
                    {"rule": r, "action": "hide", "enforced": True, "path": ""} for r in hidden
                ]
                totals[label]["hidden"] += bool(hidden)
                totals[label]["with_findings"] += bool(findings)
                outcome[label] = {"hidden": bool(hidden), "findings": findings}
            if outcome["before"] != outcome["after"] and len(changes) < SIMULATION_REPORTED:
                title = orjson.loads(data)["title"]
                changes.append({"digest": digest.pk, "title": title, **outcome})
    return {
        "evaluated": evaluated,
        "withheld": withheld,
        "before": {"version": before.version, **totals["before"]},
        "after": {"version": after.version, **totals["after"]},
        "changes": changes,
        "truncated": next(rows, None) is not None,
    }


def _as_the_caller_sees(caller: Reader, digests: list[Digest]) -> list[bytes | None]:
    """Each digest rendered as the API renders it for the caller (the detail's fields and
    sources, policies applied), as JSON to copy from; None where the caller's policies
    change anything (`digests.selectors.seen_whole`), so that nothing the caller cannot
    read is evaluated."""
    return [
        orjson.dumps(data) if seen_whole(decision) else None
        for data, decision in as_shown(caller, digests)
    ]
