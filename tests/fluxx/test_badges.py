"""Status badges: every value of every status enum has a tone, and a tone is one KERN class everywhere."""

from __future__ import annotations

import enum
import importlib
import pkgutil
import re
import tomllib
from pathlib import Path

import pytest
from markupsafe import Markup

from core import badges
from core.badges import Tone
from fluxx.badges import TONES

# Our packages, as the import-linter contracts list them (a new floor is searched too).
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
PACKAGES = tuple(tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["root_packages"])
STATUS_NAME = re.compile(r"(Status|State)(Kind)?$")


def status_enums() -> set[type[enum.Enum]]:
    """Every enum in our code whose name says it is a status (…Status, …State, …StateKind)."""
    for name in PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)
    found: set[type[enum.Enum]] = set()
    todo: list[type] = [enum.Enum]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PACKAGES and STATUS_NAME.search(cls.__name__) and len(cls.__members__):
            found.add(cls)
    return found


def test_every_status_enum_found_in_the_code_has_a_tone_for_every_value() -> None:
    enums = status_enums()
    names = {e.__name__ for e in enums}
    assert names >= {"CaseStatus", "JobStatus", "HoursStatus", "BillStatus", "CallStatus", "MessageStatus"}
    assert names >= {"AssignmentStatus", "OfferStatus", "OutreachStatus", "LiveStateKind", "PaymentState"}
    untoned = sorted(e.__name__ for e in enums if e not in TONES)
    assert untoned == [], f"status enums without tones in fluxx/badges.py: {untoned}"
    for kind in enums:
        missing = [member.name for member in kind if member not in TONES[kind]]
        assert missing == [], f"{kind.__name__}: no tone for {missing}"


def test_a_gap_in_the_table_is_refused_at_start() -> None:
    class FakeStatus(enum.StrEnum):
        ONE = "one"
        TWO = "two"

    with pytest.raises(badges.MissingTone, match="FakeStatus: no tone for two"):
        badges.connect({**TONES, FakeStatus: {FakeStatus.ONE: Tone.INFO}})
    badges.connect(TONES)  # the real table is still in place
    with pytest.raises(badges.MissingTone):
        badges.badge(FakeStatus.ONE, "eins")


def classes(markup: Markup) -> str:
    found = re.match(r'<span class="([^"]+)"', str(markup))
    assert found is not None
    return found.group(1)


def test_the_same_tone_is_always_the_same_kern_class() -> None:
    badges.connect(TONES)
    seen: dict[Tone, set[str]] = {}
    for tones in TONES.values():
        for member, tone in tones.items():
            seen.setdefault(tone, set()).add(classes(badges.badge(member, "x")))
    assert {tone: sorted(c) for tone, c in seen.items()} == {
        Tone.INFO: ["kern-badge kern-badge--info"],
        Tone.SUCCESS: ["kern-badge kern-badge--success"],
        Tone.WARNING: ["kern-badge kern-badge--warning"],
        Tone.DANGER: ["kern-badge kern-badge--danger"],
        Tone.NEUTRAL: ["kern-badge fx-badge--neutral"],
    }
    # The table speaks one language: done is green, nobody found is red, closed is grey, wherever it is said.
    from casework.enums import CaseStatus, HoursStatus, JobStatus

    assert TONES[JobStatus][JobStatus.UNFILLED] == Tone.DANGER
    assert TONES[HoursStatus][HoursStatus.CONFIRMED] == TONES[JobStatus][JobStatus.FILLED] == Tone.SUCCESS
    assert TONES[CaseStatus][CaseStatus.CLOSED_NO_NEED] == TONES[JobStatus][JobStatus.CANCELLED] == Tone.NEUTRAL


def test_badge_markup_label_text_id_and_escaping() -> None:
    from casework.enums import CaseStatus

    badges.connect(TONES)
    assert badges.badge(CaseStatus.CARE_NEEDED, id="case-status") == Markup(
        '<span class="kern-badge kern-badge--warning" id="case-status">'
        '<span class="kern-label">Betreuung gesucht</span></span>'
    )
    assert "&lt;b&gt;" in badges.badge(Tone.DANGER, "<b>")
    assert badges.active_badge(False) == Markup(
        '<span class="kern-badge fx-badge--neutral"><span class="kern-label">deaktiviert</span></span>'
    )
    with pytest.raises(badges.MissingTone, match="give the badge its text"):
        badges.badge(Tone.INFO)
