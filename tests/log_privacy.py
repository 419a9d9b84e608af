"""Nothing personal in a log line, at any level (issue 22, point 4).

A pytest plugin: while each test runs, every log record of every logger (the root at DEBUG, so nothing is
filtered before it is looked at) goes through `personal_data_in`; a test whose code logged a phone number, a
name or a message body fails at teardown with the lines found. SQLAlchemy's own loggers are left at WARNING
(statement logging would slow the suite): our engines are made with `hide_parameters=True`, so a statement's
values never reach a log (tests/core/test_log_privacy.py)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

# Public numbers of the hotline itself (the service's own numbers are no one's personal data).
PUBLIC_NUMBERS = frozenset({"+4951116832110", "0511 168-32110", "0511 16832110"})

PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)[1-9]\d{6,14}(?!\w)"  # E.164 or 0049…: +4915112345678
    r"|(?<![\w+.:/-])0[1-9]\d{1,4}(?:[ /-]?\d){5,}(?![\w.])"  # national: 0151 12345678, 0511/123-4567
)
# The people the tests make (factories and builders) and the words of the SMS they send and receive.
NAMES = re.compile(r"Testperson \d+|Ehrenamtliche \d+|Yılmaz|Familie \w+", re.I)
BODIES = re.compile(r"(?i:\b(?:ja|absage|stunden) \d{4}\b|kann doch nicht)|\bSTOPP\b|\bFluxx: [A-ZÄÖÜ]")


def personal_data_in(text: str) -> list[str]:
    """The phone numbers, names and message words found in `text` (the hotline's own numbers excepted)."""
    found = [m.group(0) for m in PHONE.finditer(text) if m.group(0) not in PUBLIC_NUMBERS]
    return found + [m.group(0) for m in NAMES.finditer(text)] + [m.group(0) for m in BODIES.finditer(text)]


class Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.findings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is a finding of its own
            line = f"{record.name}: unformattable record {record.msg!r} {record.args!r}"
        found = personal_data_in(line)
        if found:
            self.findings.append(f"{line[:300]}  <- {found}")


# SQLAlchemy: see the module's docstring. The HTTP clients log every URL they request: in tests mostly the tests'
# own requests (a search URL with a number in it is the test's input), and the service keeps them at WARNING
# (`fluxx.cli.QUIET_LOGGERS`, tests/core/test_log_privacy.py).
QUIET = ("sqlalchemy", "httpx", "httpcore", "urllib3", "httpx2")  # httpx2: the test client's own


@pytest.fixture(autouse=True)
def no_personal_data_in_logs() -> Iterator[Collector]:
    root = logging.getLogger()
    collector = Collector()
    before = root.level, {name: logging.getLogger(name).level for name in QUIET}
    root.setLevel(logging.DEBUG)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    root.addHandler(collector)
    try:
        yield collector
    finally:
        root.removeHandler(collector)
        root.setLevel(before[0])
        for name, level in before[1].items():
            logging.getLogger(name).setLevel(level)
    if collector.findings:
        pytest.fail("personal data in log lines:\n" + "\n".join(collector.findings[:20]), pytrace=False)
