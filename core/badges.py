"""Status badges: one colour means one thing on every page (issue 18, point 4).

A status is shown as a KERN badge, `<span class="kern-badge kern-badge--success"><span class="kern-label">Bestätigt
</span></span>`. Its colour is its *tone*, and a tone means the same everywhere:

- info (blue): in progress — someone is on it, nothing to do yet;
- success (green): done, confirmed, paid, taken;
- warning (amber): needs someone — a person has to act;
- danger (red): a problem — overdue, failed, nobody found;
- neutral (grey): closed or ended, nothing more will happen.

The tone of every value of every status enum is set in one table, `fluxx.badges.TONES` (the app floor: it sees
every domain's enums), handed to `connect()` at start-up like the other wiring. `tests/fluxx/test_badges.py`
finds every status enum in the code and fails when a value has no tone.

In templates (filters registered in `core.web.make_templates`):

- `{{ case.status|badge }}` — the value's `.label` in its tone's badge;
- `{{ assignment.status|badge("zugesagt") }}` — another text (enums without a label, or a longer wording);
- `{{ volunteer.active|active_badge }}` — "aktiv" (success) / "deaktiviert" (neutral);
- `{{ Tone.DANGER|badge("Überfällig") }}` — a state that is no enum value names its tone directly (`Tone` is a
  template global).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup


class Tone(enum.StrEnum):
    INFO = "info"  # in progress
    SUCCESS = "success"  # done, confirmed, paid
    WARNING = "warning"  # needs someone
    DANGER = "danger"  # a problem: overdue, failed
    NEUTRAL = "neutral"  # closed, ended


# KERN 2.7.2 has badges for the four feedback colours; "neutral" is ours (pages.css, KERN's grey tokens).
CLASSES: Mapping[Tone, str] = {
    Tone.INFO: "kern-badge kern-badge--info",
    Tone.SUCCESS: "kern-badge kern-badge--success",
    Tone.WARNING: "kern-badge kern-badge--warning",
    Tone.DANGER: "kern-badge kern-badge--danger",
    Tone.NEUTRAL: "kern-badge fx-badge--neutral",
}

ToneTable = Mapping[type[enum.Enum], Mapping[Any, Tone]]

_tones: dict[type[enum.Enum], Mapping[Any, Tone]] = {}


class MissingTone(LookupError):
    """A status value without a tone: add it to fluxx.badges.TONES."""


def connect(table: ToneTable) -> None:
    """Take the tone of every status value (idempotent; called at every start). Refuses a gap."""
    for kind, tones in table.items():
        missing = [member for member in kind if member not in tones]
        if missing:
            raise MissingTone(f"{kind.__name__}: no tone for {', '.join(str(m.value) for m in missing)}")
    _tones.clear()
    _tones.update(table)


def tone_of(value: enum.Enum | Tone) -> Tone:
    if isinstance(value, Tone):
        return value
    tones = _tones.get(type(value))
    if tones is None or value not in tones:
        raise MissingTone(f"no tone for {type(value).__name__}.{value.name} (fluxx.badges.TONES)")
    return tones[value]


def badge(value: enum.Enum | Tone, text: str | None = None, *, id: str | None = None) -> Markup:
    """The KERN badge of a status value (or of a tone with its text)."""
    tone = tone_of(value)
    if text is None:
        label = getattr(value, "label", None)
        if not isinstance(label, str) or isinstance(value, Tone):
            raise MissingTone(f"{value!r} has no label: give the badge its text")
        text = label
    id_attr = Markup(' id="{}"').format(id) if id else Markup("")
    return Markup('<span class="{}"{}><span class="kern-label">{}</span></span>').format(CLASSES[tone], id_attr, text)


def active_badge(active: bool, *, id: str | None = None) -> Markup:
    """Whether a person (a volunteer, a staff member) is active: "aktiv" or "deaktiviert"."""
    return badge(Tone.SUCCESS if active else Tone.NEUTRAL, "aktiv" if active else "deaktiviert", id=id)
