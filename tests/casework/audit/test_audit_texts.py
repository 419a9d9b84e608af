"""Every action the code writes to the audit log reads as German; the details too."""

from __future__ import annotations

import ast
from pathlib import Path

from casework.audit import texts
from core import audit

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("fluxx", "telephony", "retention", "reporting", "billing", "volunteers", "casework", "messaging", "core")


def _writes_audit(function: ast.FunctionDef) -> bool:
    """`record` itself, and every function that calls it (`audit.record(...)`, or `record(...)` inside the
    audit module, as `audit.viewed` does)."""
    return function.name == "record" or any(
        isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "record")
            or (isinstance(node.func, ast.Name) and node.func.id == "record")
        )
        for node in ast.walk(function)
    )


def _functions_taking_action(trees: list[ast.Module]) -> dict[str, int | None]:
    """Audit writers (by name) with a parameter `action`, and its position (None when keyword-only)."""
    found: dict[str, int | None] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and _writes_audit(node):
                positional = [arg.arg for arg in node.args.posonlyargs + node.args.args]
                if "action" in positional:
                    found[node.name] = positional.index("action")
                elif "action" in [arg.arg for arg in node.args.kwonlyargs]:
                    found[node.name] = None
    return found


def actions_written_in_code() -> set[str]:
    """Every string literal passed as `action` to audit.record or to a helper that hands it on."""
    trees = [ast.parse(path.read_text()) for package in PACKAGES for path in (ROOT / package).rglob("*.py")]
    takers = _functions_taking_action(trees)
    actions: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in takers:
                continue
            values = [kw.value for kw in node.keywords if kw.arg == "action"]
            position = takers[name]
            if position is not None:
                # a method called on its object does not pass `self`
                index = position - 1 if isinstance(node.func, ast.Attribute) and position > 0 else position
                values += node.args[index : index + 1] if len(node.args) > index else []
            actions |= {v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)}
    return actions


def test_the_scan_finds_actions_written_directly_and_through_helpers():
    found = actions_written_in_code()
    assert {"case.view", "case.status", "outreach.start", "volunteer.import_preview", "volunteer.view"} <= found
    # through audit.viewed, the views of pages
    assert {"dashboard.view", "message.list", "case.merge_preview", "staff.list", "audit.case_view"} <= found


def test_every_action_written_in_code_has_a_german_label():
    missing = sorted(actions_written_in_code() - audit.ACTION_LABELS.keys())
    assert missing == []


def test_an_unknown_action_still_reads_as_german():
    assert audit.label("case.view") == "Fall angesehen"
    assert audit.label("case.something_new") == "Sonstige Aktion"


def test_a_status_change_names_both_statuses_in_german():
    assert texts.describe({"from": "new", "to": "in_counselling"}, {}) == "von: Neu; nach: In Beratung"


def test_changed_fields_are_named_in_german():
    shown = texts.describe({"fields": ["caller_name", "persons_or_windows", "consent"]}, {})
    assert shown == "Felder: Name, Personen oder Zeiten, Einwilligung"


def test_ids_of_staff_become_names_and_reasons_become_words():
    assert texts.describe({"counsellor_id": 7}, {7: "Jonas Becker"}) == "Beratung durch: Jonas Becker"
    assert texts.describe({"reason": "wrong_number"}, {}) == "Grund: Verwählt"
    assert texts.describe({"outcome": "not_reached"}, {}).startswith("Ergebnis: Nicht erreicht")
    assert texts.describe({"page": "edit"}, {}) == "Seite: Bearbeiten"
    assert texts.describe({"shown": [1, 2, 3]}, {}) == "angezeigte Fälle: 3 Fälle"
    assert texts.describe({"filters": ["q", "skill"], "page": 2}, {}) == "Filter: Suche, Fähigkeit; Seite: 2"


def test_no_detail_key_is_shown_as_a_code():
    detail = {"job_id": 4, "volunteer_id": 9, "source": "sms", "wave_size": 10, "file_sha256": "ab12"}
    shown = texts.describe(detail, {})
    assert "_" not in shown and "Einsatz Nr.: 4" in shown and "per SMS" in shown


def test_the_filter_offers_every_action_by_its_german_label():
    choices = texts.action_choices()
    assert ("case.view", "Fall angesehen") in choices
    assert len(choices) == len(audit.ACTION_LABELS)


def test_the_details_of_repeat_callers_and_call_backs_read_as_german():
    from casework.audit.texts import describe

    assert describe({"from_case_id": 12, "source_merged": True}, {}) == (
        "aus Fall Nr.: 12; leerer Fall zusammengeführt: ja"
    )
    assert describe({"source_case_id": 12, "target_case_id": 7, "other": 7}, {}) == (
        "zusammengeführter Fall Nr.: 12; in Fall Nr.: 7; anderer Fall Nr.: 7"
    )
    assert describe({"call_id": 5}, {}) == "Anruf Nr.: 5"
    assert describe({"outcome": "not_reached"}, {}) == "Ergebnis: Nicht erreicht"


def test_the_details_of_views_read_as_german():
    assert texts.describe({"shown": [1, 2], "volunteers": [4]}, {}) == (
        "angezeigte Fälle: 2 Fälle; angezeigte Ehrenamtliche: 1 Person"
    )
    assert texts.describe({"show": "open", "count": 3}, {}) == "Auswahl: offene Eingänge; Anzahl: 3"
    assert texts.describe({"page": "job_new"}, {}) == "Seite: Neuer Einsatz"
    assert texts.describe({"count": 60, "phone": "other"}, {}) == "Anzahl: 60; Telefon: andere Nummer"
    assert texts.describe({"previous": "24", "hours": "3.5"}, {}) == "bisher: 24; Stunden: 3,5"


def test_a_volunteer_or_colleague_the_entry_is_about_is_named():
    from core.models import AuditEvent

    seen = AuditEvent(action="volunteer.view", object_type="volunteer", object_id=7, detail={})
    assert texts.what(seen, staff_names={}, volunteer_names={7: "Olga Petrenko"}) == (
        "Ehrenamtliche Person angesehen: Olga Petrenko"
    )
    gone = AuditEvent(action="volunteer.view", object_type="volunteer", object_id=8, detail={})
    assert texts.what(gone, staff_names={}, volunteer_names={}) == "Ehrenamtliche Person angesehen: Nr. 8"
    log = AuditEvent(action="audit.staff_view", object_type="staff", object_id=3, detail={})
    assert texts.what(log, staff_names={3: "Jonas Becker"}, volunteer_names={}) == (
        "Protokoll einer mitarbeitenden Person angesehen: Jonas Becker"
    )
    assigned = {"job_id": 4, "volunteer_id": 7}
    assert texts.describe(assigned, {}, {7: "Olga Petrenko"}) == "Einsatz Nr.: 4; ehrenamtliche Person: Olga Petrenko"
