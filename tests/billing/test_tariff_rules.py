"""The tariff as a table: which rate a family pays for a job day, and why (pure, no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.tariff.rules import (
    DEFAULT_RATES,
    Eligibility,
    Membership,
    Rate,
    Service,
    amount,
    price,
    rate_on,
)
from casework.cases.rules import SemesterInvalid, semester_label, semester_period
from casework.enums import Affiliation as A

SINCE_2015 = date(2015, 1, 1)
RATES = [Rate(affiliation, Service.CARE, SINCE_2015, per_hour) for affiliation, per_hour in DEFAULT_RATES.items()]
CONTI = Membership("Continental AG", date(2016, 3, 1))
CONTI_LEFT = Membership("Continental AG", date(2016, 3, 1), date(2026, 11, 15))
LAATZEN = Membership("Stadt Laatzen", date(2018, 1, 1))
GARBSEN_NO_PARTNER = Membership("Stadt Garbsen", None)
DAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("eligibility", "day", "rate", "affiliation", "reason"),
    [
        (Eligibility(), DAY, "5.00", A.NONE, "Standardtarif"),
        (Eligibility(partner=CONTI), DAY, "3.00", A.PARTNER_COMPANY, "Partnerbetrieb: Continental AG"),
        (Eligibility(municipality=LAATZEN), DAY, "3.00", A.PARTNER_MUNICIPALITY,
         "Partnerkommune als Arbeitgeberin: Stadt Laatzen"),
        (Eligibility(municipality=GARBSEN_NO_PARTNER), DAY, "5.00", A.NONE, "Standardtarif"),
        (Eligibility(semester="WiSe 2026/27"), DAY, "2.00", A.STUDENT, "Studierende in Hannover (WiSe 2026/27)"),
        # the lowest of several wins
        (Eligibility(partner=CONTI, semester="WS 26/27"), DAY, "2.00", A.STUDENT,
         "Studierende in Hannover (WiSe 2026/27)"),
        (Eligibility(partner=CONTI, municipality=LAATZEN), DAY, "3.00", A.PARTNER_COMPANY,
         "Partnerbetrieb: Continental AG"),
        # a partner leaving between two jobs of one case
        (Eligibility(partner=CONTI_LEFT), date(2026, 11, 15), "3.00", A.PARTNER_COMPANY,
         "Partnerbetrieb: Continental AG"),
        (Eligibility(partner=CONTI_LEFT), date(2026, 11, 16), "5.00", A.NONE, "Standardtarif"),
        # a partner that joined after the job's day
        (Eligibility(partner=CONTI), date(2016, 2, 29), "5.00", A.NONE, "Standardtarif"),
        # student status expiring with its semester
        (Eligibility(semester="SoSe 2026"), date(2026, 9, 30), "2.00", A.STUDENT,
         "Studierende in Hannover (SoSe 2026)"),
        (Eligibility(semester="SoSe 2026"), date(2026, 10, 1), "5.00", A.NONE, "Standardtarif"),
        (Eligibility(partner=CONTI, semester="SoSe 2026"), date(2026, 10, 1), "3.00", A.PARTNER_COMPANY,
         "Partnerbetrieb: Continental AG"),
        # an unreadable semester gives no reduction
        (Eligibility(semester="irgendwann"), DAY, "5.00", A.NONE, "Standardtarif"),
    ],
)  # fmt: skip
def test_the_lowest_applicable_rate_wins_with_its_reason(eligibility, day, rate, affiliation, reason):
    pricing = price(eligibility, RATES, service=Service.CARE, day=day)
    assert pricing is not None
    assert (pricing.per_hour, pricing.affiliation, pricing.reason) == (Decimal(rate), affiliation, reason)


def test_a_rate_change_prices_the_jobs_from_its_date_on_and_not_before():
    rates = [*RATES, Rate(A.NONE, Service.CARE, date(2026, 11, 20), Decimal("5.50"))]
    before = price(Eligibility(), rates, service=Service.CARE, day=date(2026, 11, 19))
    after = price(Eligibility(), rates, service=Service.CARE, day=date(2026, 11, 20))
    assert before is not None and after is not None
    assert (before.per_hour, after.per_hour) == (Decimal("5.00"), Decimal("5.50"))
    assert rate_on(rates, affiliation=A.STUDENT, service=Service.CARE, day=date(2026, 11, 20)) == Decimal("2.00")


def test_a_price_change_can_make_a_reduction_the_higher_rate_and_the_lowest_still_wins():
    rates = [*RATES, Rate(A.PARTNER_COMPANY, Service.CARE, date(2026, 1, 1), Decimal("6.00"))]
    pricing = price(Eligibility(partner=CONTI), rates, service=Service.CARE, day=DAY)
    assert pricing is not None and (pricing.per_hour, pricing.affiliation) == (Decimal("5.00"), A.NONE)


def test_driving_is_not_billed_by_the_hour_unless_an_admin_sets_a_rate():
    assert price(Eligibility(), RATES, service=Service.DRIVING, day=DAY) is None
    rates = [*RATES, Rate(A.NONE, Service.DRIVING, date(2026, 1, 1), Decimal("1.50"))]
    pricing = price(Eligibility(partner=CONTI), rates, service=Service.DRIVING, day=DAY)
    # only the standard driving rate is set: the partner's care reduction does not apply to driving
    assert pricing is not None and (pricing.per_hour, pricing.reason) == (Decimal("1.50"), "Standardtarif")


def test_no_rate_in_force_yet_bills_nothing():
    assert price(Eligibility(), RATES, service=Service.CARE, day=date(2014, 12, 31)) is None


@pytest.mark.parametrize(
    ("hours", "per_hour", "expected"),
    [
        ("1.25", "3.00", "3.75"),
        ("3.5", "5.00", "17.50"),
        ("0.33", "5.00", "1.65"),
        ("0.25", "2.00", "0.50"),
        ("1.15", "2.50", "2.88"),  # 2.875 rounds half up to 2.88
        ("2.05", "3.30", "6.77"),  # 6.765 → 6.77
        ("0", "5.00", "0.00"),
    ],
)
def test_each_line_is_rounded_half_up_to_cents_once(hours, per_hour, expected):
    assert amount(Decimal(hours), Decimal(per_hour)) == Decimal(expected)
    assert str(amount(Decimal(hours), Decimal(per_hour))) == expected


@pytest.mark.parametrize(
    ("label", "first", "last", "shown"),
    [
        ("WiSe 2026/27", date(2026, 10, 1), date(2027, 3, 31), "WiSe 2026/27"),
        ("ws 26/27", date(2026, 10, 1), date(2027, 3, 31), "WiSe 2026/27"),
        ("Wintersemester 2026", date(2026, 10, 1), date(2027, 3, 31), "WiSe 2026/27"),
        ("SoSe 2027", date(2027, 4, 1), date(2027, 9, 30), "SoSe 2027"),
        ("SS 27", date(2027, 4, 1), date(2027, 9, 30), "SoSe 2027"),
        ("WiSe 2099/00", date(2099, 10, 1), date(2100, 3, 31), "WiSe 2099/00"),
    ],
)
def test_semesters_are_read_in_the_usual_spellings(label, first, last, shown):
    assert semester_period(label) == (first, last)
    assert semester_label(label) == shown


@pytest.mark.parametrize("label", ["", "2026", "WiSe 2026/28", "SoSe 2026/27", "Herbst 2026", "WiSe 26/27/28"])
def test_an_unreadable_semester_is_refused(label):
    with pytest.raises(SemesterInvalid):
        semester_period(label)
