"""A realistic demo data set: staff, partner companies and municipalities, volunteers, a few cases.

The volunteers are in `demo_volunteers`."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.calls.models import Call
from casework.cases import rules as lifecycle
from casework.cases import service
from casework.cases.models import CarePerson, Case
from casework.cases.opening import open_case
from casework.enums import Affiliation, CallStatus, CaseChannel, CaseStatus, JobKind, Need
from casework.jobs import service as jobs
from casework.jobs.forms import JobDetails
from casework.reference.models import Municipality, Partner
from core import auth, installation
from core.audit import Actor
from core.formats import BERLIN
from core.models import Staff, StaffRole
from core.settings import HOTLINE_NUMBER
from fluxx import demo_billing, demo_volunteers

DEMO_EMAIL = "demo@fluxx.example"
DEMO_PASSWORD = "fluxx-demo-2026"

STAFF = [
    ("Anna Demo", DEMO_EMAIL, "+4915112345601", StaffRole.ADMIN, True),
    ("Jonas Becker", "jonas.becker@fluxx.example", "+4915112345602", StaffRole.COUNSELLOR, True),
    ("Mehmet Yılmaz", "mehmet.yilmaz@fluxx.example", "+4915112345603", StaffRole.COUNSELLOR, False),
    ("Sabine Krüger", "sabine.krueger@fluxx.example", "+4915112345604", StaffRole.COORDINATOR, True),
]

# Fictitious companies; the real partner list is kept by the admins.
PARTNERS = [
    ("Leinewerke Hannover GmbH", date(2015, 3, 1), None, 4200),
    ("Maschsee Versicherungen AG", date(2015, 3, 1), None, 3100),
    ("Klinikum Nordstadt-Beispiel gGmbH", date(2016, 1, 1), None, 2800),
    ("Eilenriede Logistik KG", date(2017, 6, 1), date(2022, 12, 31), 950),
    ("Herrenhausen Software GmbH", date(2019, 4, 1), None, 640),
    ("Kronsberg Handel GmbH & Co. KG", date(2020, 9, 1), None, 1800),
]
# ... and 42 more, as the network is today: 48 partner companies (DESIGN.md). Names made of Hannover's
# places and trades, so that none is mistaken for a real company.
_PLACES = ["Ihme", "Linden", "List", "Döhren", "Bemerode", "Misburg", "Ricklingen", "Vahrenwald", "Calenberg",
           "Deister", "Steintor", "Aegidien", "Kröpcke", "Welfen", "Georgen", "Marien", "Wülfel", "Bothfeld",
           "Limmer", "Ahlem", "Kleefeld"]  # fmt: skip
_TRADES = [("Bau GmbH", 240), ("Pflegedienste gGmbH", 410)]
PARTNERS += [
    (f"{place} {trade}", date(2015 + (i + j) % 9, 1 + (i * 5 + j) % 12, 1), None, employees + 37 * i + 11 * j)
    for i, place in enumerate(_PLACES)
    for j, (trade, employees) in enumerate(_TRADES)
]

# The city and 15 surrounding municipalities of the Region are partners, as the network is today.
PARTNER_MUNICIPALITIES = [
    "Hannover",
    "Pattensen",
    "Barsinghausen",
    "Burgdorf",
    "Garbsen",
    "Gehrden",
    "Hemmingen",
    "Isernhagen",
    "Laatzen",
    "Langenhagen",
    "Lehrte",
    "Neustadt am Rübenberge",
    "Ronnenberg",
    "Seelze",
    "Sehnde",
    "Wunstorf",
]

FIRST_NAMES = [
    "Lena",
    "Tim",
    "Aylin",
    "Paul",
    "Marie",
    "Lukas",
    "Sophie",
    "Emre",
    "Hannah",
    "Felix",
    "Clara",
    "Noah",
    "Ida",
    "Ben",
    "Greta",
    "Milan",
    "Frieda",
    "Oskar",
    "Zeynep",
    "Jana",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schulz",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Braun",
    "Hofmann",
]


DEMO_STAFF_EMAILS = frozenset(email for _name, email, _phone, _role, _on_duty in STAFF)
OWN_DATABASE = "Demodaten nur in eine eigene Datenbank laden, z. B. mit FLUXX_DATABASE_URL=sqlite:///./demo.db."


@dataclass(frozen=True)
class DemoResult:
    created: bool
    email: str = DEMO_EMAIL
    password: str = DEMO_PASSWORD


class DemoRefused(Exception):
    """The database belongs to a real installation: the demo's admin (with its published password) and
    invented people must never get into it, whatever the settings of the command say."""


def refusal(db: Session) -> str | None:
    """Why this database must not get demo data, or None."""
    if installation.ran_with_twilio(db):
        return f"Keine Demodaten: Diese Datenbank lief schon mit echten Twilio-Zugangsdaten. {OWN_DATABASE}"
    others = db.scalar(select(func.count()).select_from(Staff).where(Staff.email.not_in(DEMO_STAFF_EMAILS)))
    # A rerun of `make run` finds the demo's own staff (and whoever was added in the demo): nothing to load.
    if others and db.scalar(select(Staff.id).where(Staff.email == DEMO_EMAIL)) is None:
        accounts = (
            "1 Konto für Mitarbeitende, das nicht zur Demo gehört"
            if others == 1
            else f"{others} Konten für Mitarbeitende, die nicht zur Demo gehören"
        )
        return f"Keine Demodaten: In dieser Datenbank gibt es schon {accounts}. {OWN_DATABASE}"
    return None


def load(
    db: Session, *, now: datetime, seed: int = 2015, network: Callable[[Session], None] | None = None
) -> DemoResult:
    """Load the demo data once; a second call changes nothing. Refuses a real installation's database.

    `network`: stores the partners and partner municipalities instead of today's network (the calibrated
    history's, `fluxx.history.network.apply`)."""
    reason = refusal(db)
    if reason is not None:
        raise DemoRefused(reason)
    if db.scalar(select(Staff.id).where(Staff.email == DEMO_EMAIL)) is not None:
        return DemoResult(created=False)
    rng = random.Random(seed)
    staff = [
        auth.create_staff(
            db,
            name=name,
            email=email,
            password=DEMO_PASSWORD,
            role=role,
            phone=phone,
            on_duty=on_duty,
            now=now,
        )
        for name, email, phone, role, on_duty in STAFF
    ]
    if network is None:
        for name, start, end, employees in PARTNERS:
            db.add(Partner(name=name, active_from=start, active_until=end, employees=employees))
    else:
        network(db)
    municipalities = {m.name: m for m in db.scalars(select(Municipality)).all()}
    for name in PARTNER_MUNICIPALITIES if network is None else ():
        municipalities[name].partner_from = date(2015, 3, 1)
    ids = {name: m.id for name, m in municipalities.items()}
    demo_volunteers.load(db, rng, ids, now, now.astimezone(BERLIN).date())
    _cases(db, rng, staff, municipalities, now)
    _billed_families(db, rng, staff[1], municipalities, now)
    db.flush()
    return DemoResult(created=True)


def _billed_families(
    db: Session, rng: random.Random, counsellor: Staff, municipalities: dict[str, Municipality], now: datetime
) -> None:
    """Three child-care families whose care took place: two billed last month, one whose carer's hours wait
    for confirmation (`fluxx.demo_billing`)."""
    cases = []
    for seq, (name, address, goal) in enumerate(
        [
            ("Familie Demir", "Lindener Marktplatz 3, 30449 Hannover", CaseStatus.COMPLETED),
            ("Familie Brandt", "Podbielskistraße 120, 30177 Hannover", CaseStatus.COMPLETED),
            ("Familie Nowak", "Marktstraße 5, 30880 Laatzen", CaseStatus.CARE_ARRANGED),
        ],
        start=1,
    ):
        opened = now - timedelta(days=40 - 12 * seq)
        phone = f"+4917{rng.randint(10000000, 99999999)}"
        case = open_case(db, channel=CaseChannel.PHONE, now=opened, zone=BERLIN, caller_phone=phone, caller_name=name,
                         need=Need.CHILD_CARE)  # fmt: skip
        case.address = address
        case.municipality_id = municipalities["Laatzen" if "Laatzen" in address else "Hannover"].id
        case.counsellor_id = counsellor.id
        db.add(CarePerson(case_id=case.id, label=rng.choice(FIRST_NAMES)[0] + ".", age_years=rng.randint(2, 9)))
        actor = Actor(staff_id=counsellor.id, ip=None, now=opened + timedelta(minutes=9))
        for target in _path(case.status, goal):
            service.set_status(db, case=case, target=target, actor=actor)
        cases.append(case)
    db.flush()
    demo_billing.load(db, cases=cases, now=now, actor=Actor(staff_id=None, ip=None, now=now))


def _cases(
    db: Session,
    rng: random.Random,
    staff: list[Staff],
    municipalities: dict[str, Municipality],
    now: datetime,
) -> None:
    examples = [
        (
            Need.CHILD_CARE,
            CaseStatus.IN_COUNSELLING,
            "Kind (4) mit Fieber, Kita geschlossen, Mutter im Frühdienst.",
        ),
        (
            Need.RELATIVE_CARE,
            CaseStatus.NEW,
            "Vater (81) nach Sturz zu Hause, Tochter muss morgen zur Arbeit.",
        ),
        (Need.DRIVING, CaseStatus.CARE_NEEDED, "Fahrt zur Dialyse am Donnerstag, Rollstuhl."),
        (
            Need.CHILD_CARE,
            CaseStatus.COMPLETED,
            "Zwei Kinder (2, 6) während Krankenhausaufenthalt der Mutter.",
        ),
        (
            Need.COUNSELLING,
            CaseStatus.CLOSED_NO_NEED,
            "Beratung zu Kinderkrankentagen, keine Betreuung nötig.",
        ),
    ]
    names = list(municipalities)
    counsellor = staff[1]
    first_phone = None
    for seq, (need, status, note) in enumerate(examples, start=1):
        opened = now - timedelta(days=len(examples) - seq, hours=rng.randint(1, 6))
        phone = f"+49511{rng.randint(1000000, 9999999)}"
        first_phone = first_phone or phone
        case = open_case(
            db, channel=CaseChannel.PHONE, now=opened, zone=BERLIN, caller_phone=phone,
            caller_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", need=need,
        )  # fmt: skip
        case.municipality_id = municipalities[rng.choice(names)].id
        case.affiliation = rng.choice(list(Affiliation))
        taken = status != CaseStatus.NEW
        db.add(Call(
            call_sid=f"CADEMO{seq:026d}", case_id=case.id, from_number=phone, to_number=HOTLINE_NUMBER,
            status=CallStatus.COMPLETED, started_at=opened, ended_at=opened + timedelta(minutes=7),
            duration_seconds=420, accepted_by_id=counsellor.id if taken else None,
            answered_at=opened if taken else None, created_at=opened, updated_at=opened,
        ))  # fmt: skip
        db.add(CarePerson(case_id=case.id, label=rng.choice(FIRST_NAMES)[0] + ".", age_years=rng.randint(1, 90)))
        actor = Actor(staff_id=counsellor.id, ip=None, now=opened + timedelta(minutes=9))
        if not taken:
            case.callback_needed = True
            continue
        case.counsellor_id = counsellor.id
        service.add_note(db, case=case, body=note, actor=actor)
        if need == Need.DRIVING:
            _demo_job(db, case, actor, now)
        for target in _path(case.status, status):
            service.set_status(db, case=case, target=target, actor=actor)
    _repeat_call(db, phone=first_phone or "", taken_by=staff[3], now=now)


def _repeat_call(db: Session, *, phone: str, taken_by: Staff, now: datetime) -> None:
    """The family of the first (open) case calls again today and a colleague took it: the dashboard shows
    "Bekannte Familie" with "Anruf zum offenen Fall … hinzufügen", and the new case can be merged into the old one."""
    opened = now - timedelta(minutes=25)
    case = open_case(db, channel=CaseChannel.PHONE, now=opened, zone=BERLIN, caller_phone=phone, need=Need.CHILD_CARE)
    db.add(Call(
        call_sid=f"CADEMO{len(STAFF) + 90:026d}", case_id=case.id, from_number=phone, to_number=HOTLINE_NUMBER,
        status=CallStatus.COMPLETED, started_at=opened, answered_at=opened + timedelta(seconds=40),
        ended_at=opened + timedelta(minutes=4), duration_seconds=240, accepted_by_id=taken_by.id,
        created_at=opened, updated_at=opened,
    ))  # fmt: skip


def _path(start: CaseStatus, goal: CaseStatus) -> list[CaseStatus]:
    """The shortest way through the allowed status changes, so the demo's history is a real one."""
    paths: dict[CaseStatus, list[CaseStatus]] = {start: []}
    queue = [start]
    while queue:
        status = queue.pop(0)
        if status == goal:
            return paths[status]
        for target in lifecycle.allowed_transitions(status):
            if target not in paths:
                paths[target] = [*paths[status], target]
                queue.append(target)
    raise ValueError(f"no way from {start} to {goal}")


def _demo_job(db: Session, case: Case, actor: Actor, now: datetime) -> None:
    """A driving job in Hannover on the next weekday at least two days ahead, 9 to 11: it waits for a carer,
    and several demo drivers fit it, so "Suche starten" and the phone simulator show the whole way."""
    day = (now.astimezone(BERLIN) + timedelta(days=2)).date()
    while day.weekday() >= 5:  # Saturday, Sunday
        day += timedelta(days=1)
    hannover = db.scalar(select(Municipality.id).where(Municipality.name == "Hannover"))
    case.municipality_id = hannover
    jobs.create_job(db, case=case, actor=actor, rng=random.Random(7), details=JobDetails(
        kind=JobKind.DRIVING, starts_at=datetime.combine(day, time(9), BERLIN),
        ends_at=datetime.combine(day, time(11), BERLIN), municipality_id=hannover, district="Linden-Mitte",
        requirements=[], carers_needed=1, notes="Fahrt zur Dialyse und zurück.",
    ))  # fmt: skip
