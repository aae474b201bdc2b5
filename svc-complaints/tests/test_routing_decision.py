"""`route()`, the pure routing function: defaults, category rules, kecamatan overrides, priorities."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from siantar_complaints.category.models import Category
from siantar_complaints.routing.decision import RoutingBasis, route
from siantar_complaints.routing.models import RoutingRule

MARIHAT, TIMUR = "12.72.05", "12.72.01"
T0 = datetime(2026, 1, 5, tzinfo=UTC)


def category(*rules: RoutingRule, code: str = "lampu-jalan", opd: str = "DISHUB") -> Category:
    return Category(
        code=code,
        name_id="Lampu penerangan jalan",
        name_en="Street lights",
        opd_code=opd,
        routing_rules=list(rules),
    )


def rule(
    opd: str,
    *,
    kecamatan: str | None = None,
    priority: int = 0,
    active: bool = True,
    age: int = 0,
    code: str = "lampu-jalan",
) -> RoutingRule:
    return RoutingRule(
        id=uuid4(),
        category_code=code,
        kecamatan_code=kecamatan,
        opd_code=opd,
        priority=priority,
        active=active,
        created_at=T0 - timedelta(days=age),
    )


class TestRoute:
    def test_category_default_without_rules(self) -> None:
        decision = route(category(), MARIHAT)
        assert decision.opd_code == "DISHUB"
        assert decision.rule_id is None
        assert decision.basis is RoutingBasis.category_default
        assert decision.reason.en == "category default: Street lights → DISHUB"
        assert decision.reason.id == "bawaan kategori: Lampu penerangan jalan → DISHUB"

    def test_kecamatan_override_names_the_rule(self) -> None:
        override = rule("KEC-SIANTAR-MARIHAT", kecamatan=MARIHAT)
        decision = route(category(override), MARIHAT)
        assert (decision.opd_code, decision.rule_id) == ("KEC-SIANTAR-MARIHAT", override.id)
        assert decision.basis is RoutingBasis.kecamatan_override
        assert (
            decision.reason.en == "kecamatan override: Street lights in Siantar Marihat → KEC-SIANTAR-MARIHAT"
        )
        assert decision.reason.id == (
            "pengecualian kecamatan: Lampu penerangan jalan di Siantar Marihat → KEC-SIANTAR-MARIHAT"
        )

    def test_override_applies_only_in_its_kecamatan(self) -> None:
        cat = category(rule("KEC-SIANTAR-MARIHAT", kecamatan=MARIHAT))
        assert route(cat, TIMUR).basis is RoutingBasis.category_default
        assert route(cat, None).basis is RoutingBasis.category_default

    def test_category_rule_beats_the_default_and_yields_to_an_override(self) -> None:
        everywhere = rule("PUTR")
        override = rule("KEC-SIANTAR-MARIHAT", kecamatan=MARIHAT, priority=-5)
        cat = category(everywhere, override)
        assert route(cat, TIMUR).rule_id == everywhere.id
        assert route(cat, TIMUR).reason.en == "category rule: Street lights → PUTR"
        assert route(cat, MARIHAT).rule_id == override.id  # more specific wins whatever the priority

    def test_inactive_rules_are_ignored(self) -> None:
        cat = category(
            rule("KEC-SIANTAR-MARIHAT", kecamatan=MARIHAT, active=False), rule("PUTR", active=False)
        )
        decision = route(cat, MARIHAT)
        assert (decision.opd_code, decision.basis) == ("DISHUB", RoutingBasis.category_default)

    def test_highest_priority_then_oldest_wins(self) -> None:
        low, high = rule("PUTR", priority=1), rule("PRKP", priority=5)
        assert route(category(low, high), None).opd_code == "PRKP"
        new, old = rule("PUTR", age=1), rule("PRKP", age=30)
        assert route(category(new, old), None).opd_code == "PRKP"

    def test_rules_of_another_category_are_ignored(self) -> None:
        stray = rule("DLH", code="sampah")
        assert route(category(stray), None).opd_code == "DISHUB"
