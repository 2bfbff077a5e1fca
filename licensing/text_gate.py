"""What a caller may see of digest-derived text outside a digest response.

The importer makes each digest's source and rights holder from the digest itself: a
source's title, publisher and URL, and a holder's name, are the digest's words. Shown
in the registry, the reports or the audit trail, they would tell a caller what the
digest's own response hides from them. `TextGate` decides, from the same visibility
and the same rules as the digest list, what of that text a caller may see.

It reads `digests.selectors`, which reads `licensing.selectors`: kept apart from the
latter, so that the two apps' selectors do not import each other.
"""

from __future__ import annotations

from copy import deepcopy
from functools import cached_property

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q

from core.lookups import AnyOf
from digests.selectors import readable_condition, reader_for
from licensing.models import DigestSource, RightsHolder, Source
from policies import engine

WITHHELD = None  # what a withheld text shows as


class TextGate:
    """What one caller may see of the text digests put into sources, rights holders,
    reports and audit events:

    - text linked to digests is shown when at least one of those digests is readable by
      the caller (`digests.selectors.visible_digests`, less what the caller's
      enforce-mode hiding rules remove: exactly the digest list's condition) and the
      caller's rules do not hide the `source` field; otherwise it is withheld (null);
    - text linked to no digest is registry data, shown;
    - whatever is shown goes through the caller's redact rules, as a digest's own text.

    Built once per request from the caller and their rule set
    (`policies.selectors.rule_set_for`)."""

    def __init__(self, principal, rule_set=None):
        self.reader = reader_for(principal, rule_set)
        self.rule_set = self.reader.rule_set

    @property
    def sees_everything(self) -> bool:
        """Every digest is visible to the caller and no enforced rule changes any: text
        is shown as stored, with no query to ask."""
        return (
            self.reader.sees_unpublished
            and self.reader.manages_access
            and not any(rule.enforced for rule in self.rule_set.rules)
        )

    def readable_digests(self):
        """The digests the caller may read, as a queryset that nests in another query."""
        return readable_condition(self.reader)

    def hidden_fields(self) -> set[str]:
        """The digest fields (API names and model fields) enforce-mode field_hide rules
        hide from the caller."""
        hidden = set(self.rule_set.field_hiders)
        if "source" in hidden:
            hidden |= {"source_title", "source_publisher", "source_url"}
        return hidden

    def _shown(self, links):
        """A condition on rows linked to digests by `links` (DigestSource rows about the
        outer row): no link at all, or a link to a readable digest."""
        unlinked = ~Exists(links)
        if self.sees_everything:
            return Q(pk__isnull=False)
        if "source" in self.hidden_fields():
            return unlinked
        return unlinked | Exists(links.filter(digest_id__in=self.readable_digests().values("pk")))

    def annotate(self, queryset, *, name="text_shown", source=None, holder=None, among=None):
        """`queryset` annotated `name`: whether the text of the source (or rights holder)
        whose id is the outer row's column `source` (or `holder`) is shown.

        `among` (ids) names every source (or holder) the rows can
        be about. PostgreSQL answers the condition for a whole table at once, hashed, so
        a page of rows pays for every link of the tenant unless told which ones count.
        The rows must be restricted to `among` as well: a row outside it has none of its
        links counted, and would read as linked to no digest, so shown."""
        if source is not None:
            column = "source_id"
            links = DigestSource.objects.filter(source_id=OuterRef(source))
        else:
            column = "source__rights_holder_id"
            links = DigestSource.objects.filter(source__rights_holder_id=OuterRef(holder))
        if among is not None:
            links = links.filter(AnyOf(F(column), among))
        return queryset.annotate(**{name: ExpressionWrapper(self._shown(links), BooleanField())})

    def sources(self, queryset):
        """Sources, annotated `text_shown`, and `holder_shown` for their rights holder:
        for a pass over many sources (the reports). A page marks its rows (`mark`)."""
        queryset = self.annotate(queryset, source="pk")
        return self.annotate(queryset, name="holder_shown", holder="rights_holder_id")

    def holders(self, queryset):
        """Rights holders, annotated `text_shown` (their name is a digest's publisher)."""
        return self.annotate(queryset, holder="pk")

    def shown_ids(self, model, ids) -> set[int]:
        """Of these sources or rights holders, those whose text is shown: one query
        about their links only."""
        ids = set(ids) - {None}
        if not ids:
            return set()
        rows = model.objects.filter(AnyOf(F("pk"), ids))
        if model is Source:
            rows = self.annotate(rows, source="pk", among=ids)
        else:
            rows = self.annotate(rows, holder="pk", among=ids)
        return set(rows.filter(text_shown=True).values_list("pk", flat=True))

    def mark(self, rows, *, name="text_shown", source=None, holder=None) -> list:
        """`rows` (model instances) with the attribute `name` set: whether the text of
        the source (or rights holder) whose id is their attribute `source` (or `holder`)
        is shown. A row about none has no such text to withhold: marked shown."""
        rows = list(rows)
        attribute = source or holder
        model = Source if source else RightsHolder
        shown = self.shown_ids(model, {getattr(row, attribute) for row in rows})
        for row in rows:
            value = getattr(row, attribute)
            setattr(row, name, value is None or value in shown)
        return rows

    def mark_sources(self, sources) -> list:
        """Sources marked `text_shown`, and `holder_shown` for their rights holder."""
        sources = self.mark(sources, source="pk")
        return self.mark(sources, name="holder_shown", holder="rights_holder_id")

    def mark_licenses(self, licenses) -> list:
        """Licenses marked `source_shown` for their source and `holder_shown` for their
        rights holder."""
        licenses = self.mark(licenses, name="source_shown", source="source_id")
        return self.mark(licenses, name="holder_shown", holder="rights_holder_id")

    def search_titles(self, sources, q: str):
        """Of `sources`, those whose title as the caller is shown it holds `q`, in any
        case: a withheld title is not searched, and a redacted one is searched as
        redacted, so a masked word never finds the source that holds it."""
        if self._redact_only is None:
            found = sources.filter(title__icontains=q).values_list("pk", flat=True)
        else:
            # Redaction runs here, in Python: one pass of the engine for every title (it
            # redacts each string alone).
            rows = list(sources.values_list("pk", "title"))
            titles = self.redacted({"title": [title for _, title in rows]})["title"]
            wanted = q.casefold()
            found = [
                pk
                for (pk, _), title in zip(rows, titles, strict=True)
                if wanted in title.casefold()
            ]
        return sources.filter(AnyOf(F("pk"), self.shown_ids(Source, found)))

    def text(self, shown: bool, texts: dict) -> dict:
        """`texts` as the caller may see them: withheld, or through the redact rules."""
        if not shown:
            return {name: WITHHELD for name in texts}
        return self.redacted(texts)

    def digest_slug(self, digest_id: int, slug: str, title: str | None) -> str | None:
        """A slug as the digest's own response would show it to the caller, were the
        digest titled `title` (None: no title to go by): whole, or `digest-<id>` when a
        rule in force replaces it. The engine decides, by the very rules (and slug
        guard) it applies to a digest."""
        data = {"id": digest_id, "title": title, "slug": slug}
        engine.apply(self.rule_set, None, data)
        return data["slug"]

    def redacted(self, data: dict) -> dict:
        """A copy of `data` with the caller's enforce-mode redact rules applied to its
        strings, as a digest's own fields are (policies.engine)."""
        if self._redact_only is None:
            return dict(data)
        copy = deepcopy(data)  # the engine rewrites nested strings in place
        engine.apply(self._redact_only, None, copy)
        return copy

    @cached_property
    def _redact_only(self) -> engine.RuleSet | None:
        """The caller's enforce-mode redact rules (None: none). Only those: this text is
        not a digest, nothing in it is a field to hide."""
        rules = [r for r in self.rule_set.rules if r.kind == "regex_redact" and r.enforced]
        return engine.RuleSet(version=self.rule_set.version, rules=rules) if rules else None
