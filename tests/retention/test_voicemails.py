"""Voicemails are deleted FLUXX_VOICEMAIL_DAYS after they were left: at Twilio, through its API (the local
fake here), then our reference to them, with an audit entry in the case; Twilio refusing keeps the reference for
the next try; a case is not anonymised while its voicemail still lies at Twilio; the worker sweeps at night."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from casework.calls.models import Call
from casework.cases.models import Case
from casework.enums import CaseStatus
from core.clock import FrozenClock
from core.db import make_sessionmaker
from core.models import AuditEvent
from messaging.gateway import TwilioRecordings
from retention import service
from retention.rules import Kind
from retention.tasks import VoicemailSweeper
from tests.factories import T0, make_call
from tests.volunteers.builders import make_family_case

BERLIN = ZoneInfo("Europe/Berlin")


def _voicemail(db, *, days_ago: int, sid: str, case=None, **case_fields):
    case = case or make_family_case(db, **case_fields)
    left = T0 - timedelta(days=days_ago)
    call = make_call(db, case, recording_sid=sid, recording_url=f"https://api.twilio.com/{sid}", created_at=left,
                     recording_duration_seconds=42)  # fmt: skip
    db.commit()
    return call


def _recording(db, call_id: int) -> tuple[str | None, str | None, int | None]:
    db.expire_all()
    call = db.get_one(Call, call_id)
    return call.recording_sid, call.recording_url, call.recording_duration_seconds


def test_an_old_voicemail_is_deleted_at_twilio_then_here_and_the_deletion_is_audited(
    db, engine, prod_settings, fake_twilio
):
    old = _voicemail(db, days_ago=31, sid="RE" + "1" * 32)
    recent = _voicemail(db, days_ago=29, sid="RE" + "2" * 32)
    deleted, kept = service.delete_voicemails(
        make_sessionmaker(engine), TwilioRecordings(prod_settings), now=T0, days=30
    )
    assert (deleted, kept) == (1, 0)
    assert fake_twilio.deleted_recordings == ["RE" + "1" * 32]
    assert _recording(db, old.id) == (None, None, 42)  # the length stays: it says nothing about anyone
    assert _recording(db, recent.id)[0] == "RE" + "2" * 32
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "call.voicemail_deleted")).one()
    assert (event.case_id, event.object_id, event.detail) == (old.case_id, old.id, {"recording_sid": "RE" + "1" * 32})


def test_twilio_refusing_keeps_the_voicemail_for_the_next_run_and_one_already_gone_counts_as_deleted(
    db, engine, prod_settings, fake_twilio
):
    first = _voicemail(db, days_ago=40, sid="RE" + "3" * 32)
    second = _voicemail(db, days_ago=40, sid="RE" + "4" * 32)
    fake_twilio.fail_next(1, status=503)
    factory, recordings = make_sessionmaker(engine), TwilioRecordings(prod_settings, timeout=2)
    assert service.delete_voicemails(factory, recordings, now=T0, days=30) == (1, 1)
    assert _recording(db, first.id)[0] == "RE" + "3" * 32  # kept: Twilio still has it
    assert _recording(db, second.id)[0] is None

    fake_twilio.deleted_recordings.append("RE" + "3" * 32)  # meanwhile deleted in Twilio's console
    assert service.delete_voicemails(factory, recordings, now=T0, days=30) == (1, 0)  # 404: gone, fine
    assert _recording(db, first.id)[0] is None


def test_a_closed_case_waits_for_its_voicemail_to_be_deleted_at_twilio(db, engine, prod_settings, fake_twilio):
    case = make_family_case(db, caller_name="Familie Yılmaz", status=CaseStatus.CLOSED_NO_NEED)
    case.closed_at = T0 - timedelta(days=800)
    db.commit()
    call = _voicemail(db, days_ago=800, sid="RE" + "5" * 32, case=case)
    factory = make_sessionmaker(engine)
    fake_twilio.fail_next(1, status=503)
    report = service.purge(factory, now=T0, days=730, today=T0.date(), recordings=TwilioRecordings(prod_settings))
    assert report.counts[Kind.CASES] == 0  # its recording could not be deleted: the case keeps it and waits
    db.expire_all()
    assert db.get_one(Case, case.id).caller_name == "Familie Yılmaz"

    report = service.purge(factory, now=T0, days=730, today=T0.date(), recordings=TwilioRecordings(prod_settings))
    assert (report.counts[Kind.VOICEMAILS], report.counts[Kind.CASES]) == (1, 1)
    assert _recording(db, call.id)[0] is None and fake_twilio.deleted_recordings == ["RE" + "5" * 32]


def test_the_worker_sweeps_voicemails_from_three_in_the_morning(db, engine, prod_settings, fake_twilio):
    calls = [_voicemail(db, days_ago=60, sid=f"RE{n:032d}") for n in range(25)]
    clock = FrozenClock(T0)  # Thursday 09:30: the sweep waits for the night
    sweeper = VoicemailSweeper(make_sessionmaker(engine), TwilioRecordings(prod_settings), clock=clock, zone=BERLIN,
                               days=30)  # fmt: skip
    assert sweeper("worker-1") == 0 and fake_twilio.deleted_recordings == []
    clock.advance(hours=18)  # Friday 03:30
    assert sweeper("worker-1") == 20  # one batch per round ...
    assert sweeper("worker-1") == 5  # ... until none is left,
    assert sweeper("worker-1") == 0  # then the next night
    assert sweeper.next_at is not None and sweeper.next_at.astimezone(BERLIN).hour == 3
    assert len(fake_twilio.deleted_recordings) == 25
    assert all(_recording(db, call.id)[0] is None for call in calls)
