"""Printing, in Chromium (issue 18, point 6): a case and a job print on A4 without the frame, the navigation, the
buttons, the forms and the players; the facts and the whole history are on paper, uncut, with a line that says
what the sheet is, when it was printed and that it is confidential. The bill's print view: test_billing.py."""

import io
import re
from datetime import timedelta

import pypdf
import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.calls.models import Call
from casework.cases.models import Case, CaseNote
from casework.cases.service import get_case
from casework.jobs.models import CareJob
from casework.timeline import service as timeline
from core import phone
from tests.browser.staff_pages import LONG_ADDRESS, LONG_NAME, build_world, log_in

pytestmark = pytest.mark.browser

A4 = (595.28, 841.89)  # points
NOTES = 40
# What only the screen has: the frame's labels and the case page's buttons.
NOT_ON_PAPER = ["Hauptnavigation", "Abmelden", "Dienst beenden", "Zum Inhalt springen", "Fall finden",
                "Sie sind hier", "Notiz speichern", "Notiz hinzufügen", "Fall übernehmen", "Falldaten bearbeiten",
                "Kein Fall:", "Betreuung suchen für Einsatz", "Fall schließen: kein Bedarf"]  # fmt: skip


# The elements in the page that scroll, clip, cast a shadow or are wider than their box.
CLIPPED = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.checkVisibility() && !e.classList.contains('visually-hidden'))
  .filter(e => { const s = getComputedStyle(e), cut = ['auto', 'scroll', 'hidden', 'clip'];
    return cut.includes(s.overflowX) || cut.includes(s.overflowY) || s.boxShadow !== 'none'
      || e.scrollWidth > e.clientWidth + 1 && s.display !== 'inline'; })
  .map(e => e.tagName + '#' + e.id + '.' + e.className)"""


def note_text(n: int) -> str:
    return (f"Vermerk {n:02d}: Mutter hat angerufen, die Betreuung am Vormittag ist weiter nötig; Rückfrage beim "
            f"Kinderarzt wegen der Medikamente, Termin bestätigt und Ersatzschlüssel bei der Nachbarin.")  # fmt: skip


@pytest.fixture
def world(db, clock):
    """The staff pages' world, and its long case with a history of forty notes (several A4 pages)."""
    now = clock()
    world = build_world(db, now)
    for n in range(1, NOTES + 1):
        db.add(CaseNote(case_id=world.ids["case"], author_id=world.ids["staff"], body=note_text(n),
                        created_at=now - timedelta(minutes=5 * n)))  # fmt: skip
    db.commit()
    return world


@pytest.fixture
def staff_page(page, live_server, world):
    log_in(page, live_server, world.email)
    return page


def pdf_text(page) -> tuple[list[pypdf.PageObject], str]:
    """The page printed to A4 by Chromium: its sheets and their text, whitespace folded."""
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
    return list(reader.pages), folded(" ".join(sheet.extract_text() for sheet in reader.pages))


def folded(text: str) -> str:
    """Whitespace folded, and a word broken at its hyphen at the end of a line ("Schleswig-\nHolstein") joined."""
    return re.sub(r"(?<=\w)- (?=\w)", "-", " ".join(text.split()))


def test_in_print_the_case_page_shows_facts_and_history_without_frame_buttons_or_forms(staff_page, live_server, world):
    staff_page.goto(f"{live_server}/cases/{world.ids['case']}")
    expect(staff_page.locator("#print-line")).to_be_hidden()  # on the screen: not there
    staff_page.emulate_media(media="print")
    for hidden in ("header.top", "nav", "form", "button", "audio", "footer", "#flash"):
        for element in staff_page.locator(hidden).all():
            expect(element).to_be_hidden()
    expect(staff_page.get_by_role("navigation", name="Hauptnavigation")).to_be_hidden()
    expect(staff_page.get_by_role("link", name="Falldaten bearbeiten")).to_be_hidden()
    expect(staff_page.locator("#print-line")).to_be_visible()
    expect(staff_page.locator("#print-line")).to_contain_text("Vertraulich – enthält Gesundheitsdaten")
    expect(staff_page.locator("#print-line")).to_contain_text(" · gedruckt am ")
    expect(staff_page.get_by_text(LONG_NAME).first).to_be_visible()
    expect(staff_page.get_by_text(LONG_ADDRESS).first).to_be_visible()
    for n in range(1, NOTES + 1):
        expect(staff_page.get_by_text(note_text(n))).to_be_visible()
    # Nothing is cut off: no element in the page scrolls or clips, no card casts a shadow.
    clipped = staff_page.evaluate(CLIPPED)
    assert clipped == []
    staff_page.emulate_media(media="screen")
    expect(staff_page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()


def test_a_case_with_a_long_history_prints_on_a4_with_every_entry(staff_page, live_server, world, db, clock):
    loaded = [selectinload(Case.jobs), selectinload(Case.calls).joinedload(Call.accepted_by)]
    case = get_case(db, case_id=world.ids["case"], load=loaded)
    staff_page.goto(f"{live_server}/cases/{case.id}")
    sheets, text = pdf_text(staff_page)

    assert len(sheets) > 1, "forty notes fill more than one sheet"
    for sheet in sheets:
        assert (float(sheet.mediabox.width), float(sheet.mediabox.height)) == pytest.approx(A4, abs=1)
    assert f"Fluxxfon · Fall {case.number} · gedruckt am " in text
    assert "Vertraulich – enthält Gesundheitsdaten" in text
    assert f"Seite 1 von {len(sheets)}" in text and f"Seite {len(sheets)} von {len(sheets)}" in text
    # The facts …
    for fact in (f"Fall {case.number}", LONG_NAME, LONG_ADDRESS, phone.display(case.caller_phone), "Vahrenwald-List"):
        assert folded(fact) in text, fact
    # … and every entry of the history, as the page lists them.
    entries = timeline.for_case(db, case=case, now=clock())
    assert len(entries) > NOTES
    missing = [entry.title for entry in entries if folded(entry.title) not in text]
    missing += [entry.body for entry in entries if entry.body and folded(entry.body) not in text]
    assert missing == []
    # None of the screen's frame and controls, and no addresses of links.
    assert [label for label in NOT_ON_PAPER if label in text] == []
    assert f"/cases/{case.id}" not in text and "http" not in text


def test_a_job_prints_on_a4_with_its_facts_and_who_took_it(staff_page, live_server, world, db):
    job = db.get_one(CareJob, world.ids["job"])
    case_number = db.scalar(select(Case.number).where(Case.id == job.case_id))
    staff_page.goto(f"{live_server}/jobs/{job.id}")
    staff_page.emulate_media(media="print")
    for hidden in ("header.top", "nav", "form", "button", "details"):
        for element in staff_page.locator(hidden).all():
            expect(element).to_be_hidden()
    staff_page.emulate_media(media="null")  # page.pdf() prints with the print styles unless told "screen"

    sheets, text = pdf_text(staff_page)
    assert (float(sheets[0].mediabox.width), float(sheets[0].mediabox.height)) == pytest.approx(A4, abs=1)
    assert "Vertraulich – enthält Gesundheitsdaten" in text
    for fact in (job.code, case_number, "Vahrenwald-List", folded(LONG_NAME)):
        assert fact in text, fact
    assert [label for label in ("Abmelden", "Dienst beenden", "Hauptnavigation", "Einteilen", "Gründe zeigen",
                                "Einteilung freigeben") if label in text] == []  # fmt: skip
    assert "http" not in text
