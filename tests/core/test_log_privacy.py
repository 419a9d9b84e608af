"""The log detector (tests/log_privacy.py), which every test runs under, finds what it must and nothing else;
and the database engine never writes a statement's values to a log, even with SQL logging switched on."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from core.db import make_engine
from tests.log_privacy import personal_data_in


@pytest.mark.parametrize(
    "line",
    [
        "sms to +4915112345678 queued",
        "caller 0151 12345678 hung up",
        "caller 0511/123-4567 hung up",
        "from 004915112345678",
        "assigned Testperson 12",
        "volunteer Ehrenamtliche 7 withdrew",
        "case of Familie Yılmaz",
        "reply 'Ja 4821' parsed",
        "reply 'ABSAGE 4821' parsed",
        "body STUNDEN 4821 3,5",
        "sent Fluxx: Danke, Einsatz 4821 ist Ihrer!",
        "reply said kann doch nicht",
        "reply STOPP",
    ],
)
def test_the_detector_finds_numbers_names_and_message_words(line):
    assert personal_data_in(line)


@pytest.mark.parametrize(
    "line",
    [
        "ERROR fluxx: database error on /twilio/voice/incoming: OperationalError: database is locked",
        "INFO fluxx.worker: worker host-1234 started",
        "WARNING fluxx.sms: sms 42 not sent (attempt 3): error 21610",
        "case 2026-000123 opened at 2026-12-04 16:23:01",
        "status 'delivered' for unknown message SM0123456789abcdef0123456789abcdef; checking again later",
        "call CA01511234567890abcdef0123456789ab",
        "hotline +4951116832110",
        "HTTP Request: POST http://127.0.0.1:43121/2010-04-01/Accounts/AC123/Messages.json",
        "refused POST /twilio/sms/incoming: bad signature",
    ],
)
def test_the_detector_leaves_technical_lines_alone(line):
    assert personal_data_in(line) == []


def test_statement_values_never_reach_the_log_even_with_sql_logging_on(tmp_path, caplog):
    engine = make_engine(f"sqlite:///{tmp_path / 'log.db'}", echo=True)
    with caplog.at_level(logging.INFO, logger="sqlalchemy.engine"), engine.begin() as connection:
        connection.execute(text("CREATE TABLE person (name TEXT, phone TEXT)"))
        connection.execute(
            text("INSERT INTO person VALUES (:name, :phone)"), {"name": "Elif", "phone": "+4915112345678"}
        )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "INSERT INTO person" in logged  # the statement is logged ...
    assert "+4915112345678" not in logged and "Elif" not in logged  # ... its values are not
    assert "hidden" in logged
    engine.dispose()


def test_every_test_runs_under_the_detector_which_sees_every_level(no_personal_data_in_logs):
    logging.getLogger("fluxx.anything").debug("called back %s", "+4915112345678")
    logging.getLogger("some.library").warning("Testperson 3 said Ja 4821")
    findings = list(no_personal_data_in_logs.findings)
    no_personal_data_in_logs.findings.clear()  # else this test would fail at teardown, as it must for others
    assert len(findings) == 2
    assert "+4915112345678" in findings[0] and "Testperson 3" in findings[1]


def test_the_service_keeps_the_http_clients_url_logs_quiet():
    import tests.log_privacy
    from fluxx import cli

    assert set(cli.QUIET_LOGGERS) <= set(tests.log_privacy.QUIET)
    before = {name: logging.getLogger(name).level for name in cli.QUIET_LOGGERS}
    try:
        cli._configure_logging()
        assert all(logging.getLogger(name).level == logging.WARNING for name in cli.QUIET_LOGGERS)
    finally:
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)
