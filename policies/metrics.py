"""Metrics of the content policies (core/metrics.py serves them).

`count_decisions` runs once per page a reader is shown (policies.engine.apply_many): it
adds up the page's findings in a dictionary and updates each (kind, mode) series once,
so a page of fifty digests costs a few updates, not one per finding. In the same pass it
hands each finding to the request's policy insight, when there is one (policies.insight).
"""

from __future__ import annotations

from prometheus_client import Counter

from core.metrics import PREFIX

DECISIONS = Counter(
    PREFIX + "policy_decisions",
    "Digests shown to a reader after the content policies were applied (one decision each).",
)
FINDINGS = Counter(
    PREFIX + "policy_findings",
    "Findings of the content policies' rules on the digests shown, by rule kind and mode "
    "(enforce changed the digest, monitor only reported).",
    ["kind", "mode"],
)


def count_decisions(rule_set, decisions: list[dict], digests=None, tally=None) -> None:
    """Count a page's decisions and their findings (`rule_set`: what made them); with a
    `tally` (policies.insight.Tally), note there what each finding's rule did to which
    of `digests` (the decisions' digests, in order)."""
    DECISIONS.inc(len(decisions))
    per_rule: dict[str, int] = {}
    for index, decision in enumerate(decisions):
        for finding in decision["findings"]:
            rule = finding["rule"]
            per_rule[rule] = per_rule.get(rule, 0) + 1
            if tally is not None:
                tally.add(rule, finding["action"], finding["enforced"], digests[index].pk)
    if not per_rule:
        return
    per_label: dict[tuple[str, str], int] = {}
    for rule in rule_set.rules:
        count = per_rule.get(rule.id)
        if count:
            key = (rule.kind, rule.mode)
            per_label[key] = per_label.get(key, 0) + count
    for (kind, mode), count in per_label.items():
        FINDINGS.labels(kind, mode).inc(count)
