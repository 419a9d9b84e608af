"""Hostile input, fuzzed: every webhook, every staff form and the volunteer import answer cleanly.

Signed webhooks with random, emoji, huge, empty, missing and extra parameters get valid TwiML and never
a 5xx; an inbound SMS is stored with its body exactly as sent. Staff forms with random values get no
5xx and show back only escaped text. The volunteer import turns random bytes into ImportFileError or a
preview, never another exception. (The SMS reply parser has its own property tests in tests/volunteers.)
"""

from __future__ import annotations

import io
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from billing.models import Bill
from casework.reference.models import Partner
from core import notices
from core.limits import limit_for
from core.models import StaffRole
from messaging.models import Message, MessageDirection, MessageStatus
from tests.factories import T0, login, make_call, make_case, make_job, make_staff, make_volunteer
from tests.twilio_helpers import post_signed, voice_params
from tests.volunteers.outreach.helpers import carers, laatzen_id
from tests.volunteers.test_importing import xlsx_file
from volunteers.assignments.models import Assignment, AssignmentSource, HoursReport
from volunteers.outreach.models import LateYes
from volunteers.registry.importing import ImportFileError, read_table
from volunteers.registry.models import VolunteerAbsence
from volunteers.registry.rules import validate_rows

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text as it may arrive: anything printable or not, emoji, right-to-left marks, NUL, long runs.
hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "0",
            "-1",
            "²",
            "٣",
            "1e9",
            "99999999999999999999",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\u202e\u200f",
            "😀" * 40,
            "\r\n",
            "%00",
            "&amp;",
            "]]>",
        ]
    ),  # fmt: skip
    st.builds(lambda ch, n: ch * n, st.sampled_from(["x", "ä", "😀", "\x00"]), st.integers(500, 3000)),
)

VOICE_KEYS = ["CallSid", "From", "To", "Caller", "Called", "CallStatus", "Digits", "SpeechResult", "DialCallStatus",
              "DialCallSid", "DialCallDuration", "RecordingUrl", "RecordingSid", "RecordingDuration", "RecordingStatus",
              "CallDuration", "Confidence"]  # fmt: skip
SMS_KEYS = ["MessageSid", "SmsSid", "From", "To", "Body", "MessageStatus", "SmsStatus", "ErrorCode", "NumMedia"]
VOICE_PATHS = ["/twilio/voice/incoming", "/twilio/voice/menu", "/twilio/voice/screen", "/twilio/voice/screen/answer",
               "/twilio/voice/dial-result", "/twilio/voice/voicemail", "/twilio/voice/recording",
               "/twilio/voice/status", "/twilio/voice/fallback", "/twilio/voice/fallback/voicemail"]  # fmt: skip
SMS_PATHS = ["/twilio/sms/incoming", "/twilio/sms/status"]


def mangled(base: dict[str, str], keys: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """`base` with some keys dropped, some overwritten with hostile text, and some unknown ones added."""
    return st.builds(
        lambda dropped, changed, extra: {k: v for k, v in (base | changed | extra).items() if k not in dropped},
        st.sets(st.sampled_from(sorted(set(base) | set(keys)))),
        st.dictionaries(st.sampled_from(keys), hostile_text, max_size=6),
        st.dictionaries(st.text(min_size=1, max_size=12), hostile_text, max_size=3),
    )


def signed(client: Any, settings: Any, path: str, params: dict[str, str], query: str = "") -> Any:
    """Post signed; a body above the webhooks' size limit must be refused with 413 (Twilio sends a few KB)."""
    response = post_signed(client, settings, path, params, query=query)
    if len(urlencode(params)) > limit_for(path):
        assert response.status_code == 413
        return None
    return response


def assert_twiml(response: Any) -> ET.Element | None:
    if response is None:  # refused as too large
        return None
    assert response.status_code < 500, response.text[:300]
    assert response.status_code == 200, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.startswith("<?xml")
    root = ET.fromstring(response.text)
    assert root.tag == "Response"
    return root


@pytest.mark.parametrize("path", VOICE_PATHS)
@FUZZ
@given(
    params=mangled(voice_params("CA" + "1" * 32, Digits="1"), VOICE_KEYS),
    query=st.one_of(
        st.just(""),
        # Percent-encoded as Twilio requests (and signs) our own URLs.
        st.builds(
            lambda c, s: urlencode(({"call": "CA" + "1" * 32} if c else {}) | {"staff": s}),
            st.booleans(),
            st.sampled_from(["1", "0", "-1", "x", "²", "99999999999999999999999", ""]),
        ),  # fmt: skip
        st.sampled_from(["attempt=2", "attempt=x", "attempt=99999999999999999999999", "attempt=-5"]),
    ),
)
def test_every_voice_webhook_answers_hostile_parameters_with_twiml(client, settings, path, params, query):
    assert_twiml(signed(client, settings, path, params, query))


@pytest.mark.parametrize("path", SMS_PATHS)
@FUZZ
@given(params=mangled({"MessageSid": "SM" + "2" * 32, "From": "+4917612345678", "To": "+4951116832110",
                       "Body": "JA 4821", "MessageStatus": "delivered"}, SMS_KEYS))  # fmt: skip
def test_every_sms_webhook_answers_hostile_parameters_with_twiml(client, settings, path, params):
    assert_twiml(signed(client, settings, path, params))


@FUZZ
@given(body=hostile_text, sender=st.one_of(hostile_text, st.just("+4917612345678")), to=hostile_text)
def test_an_inbound_sms_is_stored_with_its_body_intact_whatever_it_holds(client, settings, db, body, sender, to):
    sid = "SM" + uuid.uuid4().hex
    params = {"MessageSid": sid, "SmsSid": sid, "From": sender, "To": to, "Body": body, "AccountSid": "AC" + "0" * 32}
    if assert_twiml(signed(client, settings, "/twilio/sms/incoming", params)) is None:
        return  # over the webhooks' size limit: refused before it is read (Twilio never sends that much)
    db.expire_all()
    stored = db.scalar(select(Message).where(Message.twilio_sid == sid))
    assert stored is not None, "the SMS was lost"
    assert stored.direction == MessageDirection.INBOUND
    assert stored.body == body.replace("\x00", "\ufffd")


# --- staff forms -------------------------------------------------------------------------------------

MARKER = '<script>alert("fx")</script>'
# Routes that read their form as a whole (FormFields) name their fields only in their page's form.
FORM_PAGES = {
    "/cases/{case_id}/edit": "/cases/{case_id}/edit",
    "/cases/{case_id}/jobs": "/cases/{case_id}/jobs/new",
    "/jobs/{job_id}/edit": "/jobs/{job_id}/edit",
    "/jobs/{job_id}/cancel": "/jobs/{job_id}/edit",
    "/cases/{case_id}/callback/claim": "/cases/{case_id}",
    "/cases/{case_id}/assign": "/cases/{case_id}",
    "/volunteers/new": "/volunteers/new",
    "/volunteers/{volunteer_id}/edit": "/volunteers/{volunteer_id}/edit",
    "/volunteers/{volunteer_id}/absences": "/volunteers/{volunteer_id}",
    "/volunteers/{volunteer_id}/deactivate": "/volunteers/{volunteer_id}",
    "/jobs/{job_id}/outreach": "/jobs/{job_id}",
    "/jobs/{job_id}/outreach/widen": "/jobs/{job_id}",
    "/jobs/{job_id}/assign": "/jobs/{job_id}",
    "/jobs/{job_id}/assignments/{assignment_id}/release": "/jobs/{job_id}",
    "/jobs/{job_id}/hours/{assignment_id}": "/jobs/{job_id}/hours",
    "/jobs/{job_id}/hours/reports/{report_id}/confirm": "/jobs/{job_id}/hours",
    "/jobs/{job_id}/hours/reports/{report_id}/correct": "/jobs/{job_id}/hours",
    "/bills/issue": "/bills",
    "/bills/{bill_id}/cancel": "/bills/{bill_id}",
    "/bills/{bill_id}/paid": "/bills/{bill_id}",
    "/admin/tariff": "/admin/tariff",
    "/cases/{case_id}/mandate": "/cases/{case_id}/mandate",
    "/admin/partners/{partner_id}/period": "/admin/partners",
    "/admin/partners/municipalities/{municipality_id}/period": "/admin/partners",
    "/admin/partners/{partner_id}": "/admin/partners/{partner_id}",
    "/admin/partners/municipalities/{municipality_id}": "/admin/partners/municipalities/{municipality_id}",
    "/admin/staff/{staff_id}": "/admin/staff/{staff_id}",
    "/admin/staff/{staff_id}/password": "/admin/staff/{staff_id}",
    "/konto/passwort": "/konto/passwort",
    "/login/passwort-vergessen": "/login/passwort-vergessen",
    "/admin/auskunft": "/admin/auskunft",
    "/jobs/{job_id}/near-misses/ask": "/jobs/{job_id}",
}
STAFF_POSTS = [
    "/login", "/logout", "/duty", "/admin/staff", "/admin/staff/{staff_id}/active", "/admin/partners", "/cases/new",
    "/cases/{case_id}/notes", "/cases/{case_id}/status", "/cases/{case_id}/assign", "/cases/{case_id}/callback/claim",
    "/cases/{case_id}/callback/outcome", "/cases/{case_id}/edit", "/calls/{call_id}/no-case", "/cases/{case_id}/jobs",
    "/jobs/{job_id}/edit", "/jobs/{job_id}/cancel", "/messages/{message_id}/handled", "/simulator/sms",
    "/simulator/call/start", "/simulator/call/{sid}/menu", "/simulator/call/{sid}/pickup",
    "/simulator/call/{sid}/nobody", "/simulator/call/{sid}/end", "/simulator/call/{sid}/voicemail",
    "/simulator/call/{sid}/hangup", "/volunteers/new", "/volunteers/{volunteer_id}/edit",
    "/volunteers/{volunteer_id}/deactivate", "/volunteers/{volunteer_id}/reactivate",
    "/volunteers/{volunteer_id}/absences", "/volunteers/{volunteer_id}/absences/{absence_id}/delete",
    "/volunteers/import", "/volunteers/import/confirm", "/jobs/{job_id}/outreach", "/jobs/{job_id}/outreach/cancel",
    "/jobs/{job_id}/outreach/widen", "/jobs/{job_id}/assign", "/jobs/{job_id}/assignments/{assignment_id}/release",
    "/session/keep-alive", "/login/code",
    "/undo", "/notices/{notice_id}/dismiss",
    "/calls/{call_id}/add-to-open-case", "/cases/{case_id}/merge",
    "/jobs/{job_id}/hours/{assignment_id}", "/jobs/{job_id}/hours/reports/{report_id}/confirm",
    "/jobs/{job_id}/hours/reports/{report_id}/correct", "/bills/issue", "/bills/{bill_id}/cancel",
    "/bills/{bill_id}/paid", "/admin/tariff", "/cases/{case_id}/mandate", "/cases/{case_id}/mandate/revoke",
    "/admin/partners/{partner_id}/period", "/admin/partners/municipalities/{municipality_id}/period",
    "/admin/staff/{staff_id}", "/admin/staff/{staff_id}/password", "/konto/passwort", "/login/passwort-vergessen",
    "/login/neues-passwort", "/admin/partners/{partner_id}", "/admin/partners/municipalities/{municipality_id}",
    "/admin/auskunft", "/admin/auskunft/export.pdf", "/admin/auskunft/export.json", "/admin/auskunft/loeschen",
    "/jobs/{job_id}/late/{late_yes_id}/assign", "/assignments/{assignment_id}/family-informed",
    "/jobs/{job_id}/near-misses/ask",
]  # fmt: skip


def post_routes(app: Any) -> dict[str, list[str]]:
    """Every POST route outside /twilio with the form fields it declares."""
    found: dict[str, list[str]] = {}
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for context in contexts:
            methods = getattr(context, "methods", None) or set()
            if "POST" in methods and not context.path.startswith("/twilio/"):
                found[context.path] = [field.name for field in context.dependant.body_params]
    return found


class World:
    """One of everything a staff route can name, and a logged-in admin to post as."""

    def __init__(self, client: Any, db: Any) -> None:
        self.client, self.db = client, db
        self.admin = make_staff(db, role=StaffRole.ADMIN, on_duty=True)
        self.other = make_staff(db, role=StaffRole.COUNSELLOR)
        self.case = make_case(db, caller_name="Erika Muster", caller_phone="+4951112345678")
        self.call = make_call(db, self.case, recording_sid=None)
        # In Laatzen for two carers: Karl Winter fits and can be assigned, Petra Sommer is assigned already.
        self.job = make_job(db, self.case, municipality_id=laatzen_id(db), carers_needed=2)
        self.message = Message(direction=MessageDirection.INBOUND, from_number="+4917612345678",
                               to_number="+4951116832110", body="Hallo", status=MessageStatus.RECEIVED, attempts=0,
                               created_at=T0, updated_at=T0)  # fmt: skip
        db.add(self.message)
        self.volunteer = make_volunteer(db, name="Petra Sommer")
        self.absence = VolunteerAbsence(volunteer_id=self.volunteer.id, starts_on=date(2026, 12, 1),
                                        ends_on=date(2026, 12, 12), note="Urlaub")  # fmt: skip
        db.add(self.absence)
        carers(db, 1, name="Karl Winter")
        self.assignment = Assignment(job_id=self.job.id, volunteer_id=self.volunteer.id, assigned_at=T0,
                                     source=AssignmentSource.STAFF)  # fmt: skip
        db.add(self.assignment)
        self.notice = notices.tell(db, staff_id=self.admin.id, text="Hinweis", case_id=self.case.id, now=T0)
        db.flush()
        # Hours reported for the assignment, a bill of the case and a partner: the billing forms name them.
        self.report = HoursReport(assignment_id=self.assignment.id, hours=Decimal("3.5"), source="sms", reported_at=T0)
        self.bill = Bill(number="R-2026-00001", year=2026, seq=1, case_id=self.case.id, period_month=date(2026, 11, 1),
                         total=Decimal("17.50"), issued_at=T0, issue_date=date(2026, 11, 26),
                         due_date=date(2026, 12, 10), debtor_name="Erika Muster")  # fmt: skip
        self.partner = Partner(name="Leinewerke Hannover GmbH", active_from=date(2015, 3, 1))
        db.add_all([self.report, self.bill, self.partner])
        self.late_yes = LateYes(job_id=self.job.id, volunteer_id=self.volunteer.id, said_at=T0)
        db.add(self.late_yes)
        db.commit()
        self._fields: dict[str, list[str]] = {}
        self.csrf = login(client, self.admin)
        started = client.post("/simulator/call/start", data={"caller": "+4951199999999", "csrf_token": self.csrf})
        self.sid = parse_qs(urlsplit(started.headers.get("location", "")).query).get("sid", ["CA0"])[0]

    def path(self, template: str) -> str:
        ids = {"case_id": self.case.id, "call_id": self.call.id, "job_id": self.job.id, "staff_id": self.other.id,
               "message_id": self.message.id, "sid": self.sid, "volunteer_id": self.volunteer.id,
               "absence_id": self.absence.id, "assignment_id": self.assignment.id,
               "notice_id": self.notice.id, "report_id": self.report.id, "bill_id": self.bill.id,
               "partner_id": self.partner.id, "municipality_id": laatzen_id(self.db),
               "late_yes_id": self.late_yes.id}  # fmt: skip
        return template.format(**ids)

    def fields(self, template: str, declared: list[str]) -> list[str]:
        """The form's field names as first seen: a post that succeeds may take its form off the page (an
        assignment released, a search started), and hypothesis needs the same names in every example."""
        if template not in self._fields:
            self._fields[template] = self._read_fields(template, declared)
        return self._fields[template]

    def _read_fields(self, template: str, declared: list[str]) -> list[str]:
        names = set(declared)
        if template in FORM_PAGES:
            page = self.client.get(self.path(FORM_PAGES[template])).text
            action = self.path(template)
            for form in re.findall(r'<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>', page, re.S):
                if form[0] == action:
                    names |= set(re.findall(r'name="([^"]+)"', form[1]))
        return sorted(names - {"csrf_token"})

    def post(self, template: str, data: dict[str, str]) -> list[Any]:
        """Post as the admin (logged in again if an earlier example logged out) and follow a local redirect."""
        if not self._logged_in():
            self.csrf = login(self.client, self.admin)
        response = self.client.post(self.path(template), data=data | {"csrf_token": self.csrf})
        answers = [response]
        location = response.headers.get("location", "")
        if response.status_code in (302, 303) and location.startswith("/"):
            answers.append(self.client.get(location))
        return answers

    def _logged_in(self) -> bool:
        return self.client.get("/", headers={"accept": "text/html"}).status_code == 200


@pytest.fixture
def world(client, db) -> World:
    return World(client, db)


def test_every_staff_post_route_is_fuzzed(app):
    assert sorted(post_routes(app)) == sorted(STAFF_POSTS), "add the new route to STAFF_POSTS (and FORM_PAGES)"


def _assert_clean(answers: list[Any]) -> None:
    for response in answers:
        assert response.status_code < 500, (response.status_code, response.text[:500])
        assert MARKER not in response.text, "posted markup shown back unescaped"


@pytest.mark.parametrize("template", STAFF_POSTS)
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_staff_form_answers_random_values_without_a_server_error(app, world, template, data):
    declared = post_routes(app)[template]
    names = world.fields(template, declared)
    values = data.draw(st.dictionaries(st.sampled_from(names), hostile_text) if names else st.just({}))
    values |= data.draw(st.dictionaries(st.text(min_size=1, max_size=8), hostile_text, max_size=2))
    _assert_clean(world.post(template, values))


@pytest.mark.parametrize("template", STAFF_POSTS)
def test_markup_posted_into_any_staff_form_is_shown_back_only_escaped(app, world, template):
    names = world.fields(template, post_routes(app)[template])
    answers = world.post(template, dict.fromkeys(names, MARKER))
    _assert_clean(answers)
    _assert_clean([world.client.get(f"/cases/{world.case.id}"), world.client.get("/messages"),
                   world.client.get("/admin/staff"), world.client.get("/cases?q=x")])  # fmt: skip


# --- the volunteer import ----------------------------------------------------------------------------

HEADER = "Name;Mobil;Fähigkeiten;Sprachen;Gemeinden;Verfügbarkeit;Führungszeugnis;Erste Hilfe;SMS-Einwilligung"
MUNICIPALITIES = {"Hannover": 1, "Garbsen": 2, "Laatzen": 3}


def _import(data: bytes, filename: str) -> None:
    """Only a clear file error or a preview may come out of the importer."""
    try:
        rows = read_table(data, filename)
    except ImportFileError:
        return
    validate_rows(rows, MUNICIPALITIES, today=date(2026, 11, 26))


EXAMPLES = ["Hannover", "+4917612345678", "ja", "Kinderbetreuung", "Mo-Fr 8-18", "31.02.2026", "2026-13-01", "=1+1",
            "12", "-3", "de, tr"]  # fmt: skip
cells = st.one_of(hostile_text, st.sampled_from(EXAMPLES))


@FUZZ
@given(data=st.binary(max_size=2000), filename=st.sampled_from(["liste.csv", "liste.xlsx", "liste.txt", "liste", ""]))
def test_the_import_turns_random_bytes_into_a_file_error_or_a_preview(data, filename):
    _import(data, filename)


@FUZZ
@given(
    rows=st.lists(st.lists(cells, max_size=12), max_size=8),
    separator=st.sampled_from([";", ",", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
def test_the_import_reads_any_csv_into_a_file_error_or_a_preview(rows, separator, encoding):
    text = "\n".join([HEADER.replace(";", separator), *(separator.join(row) for row in rows)])
    _import(text.encode(encoding, errors="replace"), "liste.csv")


@FUZZ
@given(
    rows=st.lists(
        st.lists(
            st.one_of(cells, st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False), st.none()),
            max_size=9,
        ),
        max_size=6,
    ),
    mangle=st.sampled_from(["none", "truncate", "flip", "drop_sheet", "garbage_sheet"]),
    cut=st.integers(0, 4000),
)
def test_the_import_reads_a_mangled_xlsx_into_a_file_error_or_a_preview(rows, mangle, cut):
    data = xlsx_file([HEADER.split(";"), *rows])
    if mangle == "truncate":
        data = data[: cut % max(len(data), 1)]
    elif mangle == "flip":
        index = cut % len(data)
        data = data[:index] + bytes([data[index] ^ 0xFF]) + data[index + 1 :]
    elif mangle in ("drop_sheet", "garbage_sheet"):
        data = _rezipped(data, mangle)
    _import(data, "liste.xlsx")


def _rezipped(data: bytes, how: str) -> bytes:
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for item in source.infolist():
            if "worksheets/sheet" in item.filename:
                if how == "drop_sheet":
                    continue
                archive.writestr(item, b"<worksheet><sheetData><row><c t='s'><v>999</v></c></row></sheetData>")
                continue
            archive.writestr(item, source.read(item.filename))
    return target.getvalue()
