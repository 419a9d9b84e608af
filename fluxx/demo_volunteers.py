"""About 60 demo volunteers across the 21 municipalities of the Region Hannover, made by the registry.

Deterministic for a seed. The mobile numbers are clearly fictitious (0151/0160/0170/0176, then 0000 and
a running number) and valid in form, so that the simulator can answer as any of them.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from volunteers.registry import service as registry
from volunteers.registry.availability import parse_availability
from volunteers.registry.drafts import Certificate, VolunteerDraft
from volunteers.registry.models import Volunteer, VolunteerAbsence
from volunteers.vocabulary import CertificateKind, Skill

# (name, languages besides German)
PEOPLE = [
    ("Anna Müller", ()), ("Jonas Schmidt", ("Englisch",)), ("Aylin Demir", ("Türkisch",)),
    ("Petra Schulze", ()), ("Mehmet Yıldız", ("Türkisch", "Kurdisch")), ("Katarzyna Nowak", ("Polnisch",)),
    ("Ursula Hoffmann", ()), ("Olena Kovalenko", ("Ukrainisch", "Russisch")), ("Thomas Wagner", ("Englisch",)),
    ("Fatima Al-Hassan", ("Arabisch",)), ("Gisela Krüger", ()), ("Dimitri Popov", ("Russisch",)),
    ("Sabine Lange", ("Englisch",)), ("Hamid Rahimi", ("Persisch", "Dari")), ("Renate Böhm", ()),
    ("Lena Fischer", ("Englisch", "Französisch")), ("Ahmet Kaya", ("Türkisch",)), ("Monika Wolff", ()),
    ("Nguyen Thi Lan", ("Vietnamesisch",)), ("Klaus-Dieter Brandt", ()),
    ("Zeynep Arslan", ("Türkisch", "Englisch")),
    ("Ingrid Peters", ()), ("Yusuf Abdi", ("Somali", "Englisch")), ("Heike Sommer", ()),
    ("Marta Kowalczyk", ("Polnisch",)), ("Birgit Neumann", ("Englisch",)),
    ("Samira Haddad", ("Arabisch", "Französisch")),
    ("Wolfgang Richter", ()), ("Elif Şahin", ("Türkisch",)), ("Christa Meier", ()),
    ("Tigist Alemu", ("Amharisch", "Tigrinya")), ("Jürgen Weiß", ()), ("Irina Volkova", ("Russisch",)),
    ("Hannelore Busch", ()), ("Omar Khalil", ("Arabisch",)), ("Friederike von Alten", ("Englisch", "Spanisch")),
    ("Svetlana Morozova", ("Russisch", "Ukrainisch")), ("Detlef Hartmann", ()), ("Leyla Aydın", ("Türkisch",)),
    ("Marion Schröder", ()), ("Giulia Romano", ("Italienisch",)), ("Bernd Vogel", ()),
    ("Ana Pereira", ("Portugiesisch", "Spanisch")), ("Karin Dietrich", ()), ("Reza Ahmadi", ("Persisch",)),
    ("Elke Brinkmann", ()), ("Maria Ionescu", ("Rumänisch",)), ("Henning Otte", ()),
    ("Amira Saleh", ("Arabisch", "Englisch")), ("Gabriele Engel", ()), ("Tomasz Zieliński", ("Polnisch",)),
    ("Doris Kühn", ()), ("Emine Çelik", ("Türkisch",)), ("Ralf Seidel", ()),
    ("Jana Horváth", ("Englisch",)), ("Helga Winter", ()), ("Bilal Qureshi", ("Urdu", "Englisch")),
    ("Susanne Albers", ()), ("Vesna Petrović", ("Serbisch", "Kroatisch")), ("Marlies Heine", ()),
]  # fmt: skip

SKILL_SETS = [
    (Skill.CHILD_CARE,), (Skill.CHILD_CARE, Skill.INFANT_CARE), (Skill.CHILD_CARE, Skill.DRIVING),
    (Skill.ELDER_CARE,), (Skill.ELDER_CARE, Skill.DEMENTIA), (Skill.DRIVING,), (Skill.DRIVING, Skill.WHEELCHAIR),
    (Skill.CHILD_CARE, Skill.ELDER_CARE), (Skill.ELDER_CARE, Skill.DRIVING),
]  # fmt: skip

AVAILABILITY = [
    "Mo-Fr 08:00-13:00", "werktags nachmittags", "Di, Do 14-18", "Mo, Mi, Fr 07:30-12:00", "Sa, So 09-18",
    "Mo-Fr 16-20", "täglich 08-20", "Mo-Do 08-16; Fr 08-12", "Wochenende ganztags", "Mi 08-18; Sa 09-13",
    "werktags vormittags; Sa 09-12", "Mo-Fr 06:00-09:00 und 15-19",
]  # fmt: skip

# The city gets more helpers than a village; every municipality gets at least one.
BUSY_TOWNS = ["Hannover"] * 12 + ["Garbsen", "Langenhagen", "Laatzen", "Lehrte", "Burgdorf", "Wunstorf"] * 2
PREFIXES = ("151", "160", "170", "176")
# Days since issue for a few police certificates (valid 1826 days): three run out soon, one has run out.
CERTIFICATE_AGES = {2: 1826 - 12, 6: 1826 - 40, 9: 1826 - 55, 13: 1826 + 40}


def drafts(rng: random.Random, municipalities: Mapping[str, int], today: date) -> list[VolunteerDraft]:
    """The demo volunteers as checked drafts: home towns, skills, times and certificates."""
    names = sorted(municipalities)
    homes = names + [town for town in BUSY_TOWNS if town in municipalities]
    homes += [rng.choice(names) for _ in range(len(PEOPLE) - len(homes))]
    rng.shuffle(homes)
    result = []
    for index, ((name, languages), home) in enumerate(zip(PEOPLE, homes, strict=False)):
        skills = frozenset(rng.choice(SKILL_SETS))
        areas = {home, *rng.sample(names, k=rng.choice([0, 0, 1, 2]))}
        result.append(
            VolunteerDraft(
                name=name,
                phone=f"+49{PREFIXES[index % 4]}0000{1001 + index:04d}",
                skills=skills,
                languages=("Deutsch", *languages),
                municipality_ids=frozenset(municipalities[town] for town in areas),
                availability=parse_availability(rng.choice(AVAILABILITY)),
                certificates=_certificates(rng, index, skills, today),
                max_jobs_per_week=rng.choice([None, 1, 2, 2, 3, 3, 4, 5]),
                sms_consent=index not in (17, 44),
                notes=rng.choice(
                    [
                        None,
                        None,
                        None,
                        "Nichtraucherin/Nichtraucher.",
                        "Hat einen Hund.",
                        "Bitte vormittags nicht vor 8 Uhr anrufen.",
                    ]
                ),  # fmt: skip
            )
        )
    return result


def _certificates(rng: random.Random, index: int, skills: frozenset[Skill], today: date) -> tuple[Certificate, ...]:
    """Child carers hold a police certificate: three run out within two months, one has run out."""
    result = []
    if skills & {Skill.CHILD_CARE, Skill.INFANT_CARE} or index % 5 == 0 or index in CERTIFICATE_AGES:
        age = CERTIFICATE_AGES.get(index, rng.randint(60, 1500))
        issued = today - timedelta(days=age)
        kind = CertificateKind.POLICE_CERTIFICATE
        result.append(Certificate(kind, issued, kind.valid_until(issued)))
    if rng.random() < 0.5:
        issued = today - timedelta(days=rng.randint(30, 600))
        kind = CertificateKind.FIRST_AID
        result.append(Certificate(kind, issued, kind.valid_until(issued)))
    return tuple(result)


def load(db: Session, rng: random.Random, municipalities: Mapping[str, int], now: datetime, today: date) -> None:
    """Store the demo volunteers, a few absences, one SMS opt-out and earlier assignments for fairness."""
    volunteers: list[Volunteer] = []
    for draft in drafts(rng, municipalities, today):
        volunteer = registry.create(db, draft=draft, now=now - timedelta(days=rng.randint(30, 900)))
        volunteer.updated_at = now
        if rng.random() < 0.6:
            volunteer.last_assigned_at = now - timedelta(days=rng.randint(1, 120))
        volunteers.append(volunteer)
    absences = [(3, 0, date(today.year, 12, 12), "bis 12.12. nicht da"), (11, 7, None, "Urlaub"),
                (25, 2, None, "Kur"), (38, 20, None, "Familienbesuch")]  # fmt: skip
    for index, start, end, note in absences:
        starts_on = today + timedelta(days=start)
        ends_on = end if end and end >= starts_on else starts_on + timedelta(days=13)
        volunteers[index].absences.append(VolunteerAbsence(starts_on=starts_on, ends_on=ends_on, note=note))
    volunteers[29].sms_opt_in, volunteers[29].opted_out_at = False, now - timedelta(days=5)
    db.flush()
