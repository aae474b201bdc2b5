"""`route()`: the OPD a complaint of a category in a kecamatan goes to, and why. Pure: no I/O.

Order, first match wins:
1. an active rule of the category for that kecamatan (`kecamatan_override`);
2. an active rule of the category for every kecamatan (`category_rule`);
3. the category's responsible OPD (`category_default`, no rule).
Among rules of one kind the highest `priority` wins, then the oldest. The decision names the rule it used
(`rule_id`) and says why in both languages, so the complaint's answer and history can show it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

from siantar_complaints.category.models import Category
from siantar_complaints.routing.models import RoutingRule
from siantar_shared import wilayah
from siantar_shared.i18n import Text

_LATEST = datetime.max.replace(tzinfo=UTC)  # a rule not yet saved sorts after saved ones


class RoutingBasis(StrEnum):
    kecamatan_override = "kecamatan_override"
    category_rule = "category_rule"
    category_default = "category_default"


_REASONS = {
    RoutingBasis.kecamatan_override: Text(
        "pengecualian kecamatan: {name_id} di {kecamatan} → {opd}",
        "kecamatan override: {name_en} in {kecamatan} → {opd}",
    ),
    RoutingBasis.category_rule: Text(
        "aturan kategori: {name_id} → {opd}", "category rule: {name_en} → {opd}"
    ),
    RoutingBasis.category_default: Text(
        "bawaan kategori: {name_id} → {opd}", "category default: {name_en} → {opd}"
    ),
}


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    opd_code: str
    rule_id: UUID | None  # None: the category's own OPD, no rule
    basis: RoutingBasis
    reason: Text


def route(category: Category, kecamatan_code: str | None) -> RoutingDecision:
    """Decide with `category.routing_rules`, which the caller loads (they are never lazy-loaded)."""
    rules = [rule for rule in category.routing_rules if rule.active and rule.category_code == category.code]
    overrides = [rule for rule in rules if kecamatan_code and rule.kecamatan_code == kecamatan_code]
    everywhere = [rule for rule in rules if rule.kecamatan_code is None]
    for basis, candidates in (
        (RoutingBasis.kecamatan_override, overrides),
        (RoutingBasis.category_rule, everywhere),
    ):
        if candidates:
            rule = _best(candidates)
            return _decision(category, basis, rule.opd_code, rule.id, kecamatan_code)
    return _decision(category, RoutingBasis.category_default, category.opd_code, None, kecamatan_code)


def _best(rules: Sequence[RoutingRule]) -> RoutingRule:
    return min(rules, key=lambda rule: (-rule.priority, rule.created_at or _LATEST, str(rule.id)))


def _decision(
    category: Category, basis: RoutingBasis, opd_code: str, rule_id: UUID | None, kecamatan_code: str | None
) -> RoutingDecision:
    reason = _REASONS[basis].format(
        name_id=category.name_id,
        name_en=category.name_en,
        kecamatan=_kecamatan_name(kecamatan_code),
        opd=opd_code,
    )
    return RoutingDecision(opd_code=opd_code, rule_id=rule_id, basis=basis, reason=reason)


def _kecamatan_name(code: str | None) -> str:
    if code is None:
        return ""
    try:
        return wilayah.kecamatan(code).name
    except KeyError:
        return code
