"""Importing a volunteer list (CSV or Excel) in two steps: upload and preview, then confirm.

The preview lists every row of the file with its German errors; nothing is stored before the coordinator
confirms. The file waits on the server (`uploads`), and confirming checks that copy again, so the import
is exactly what the preview showed, or is refused with the reason.

Neither step holds the database while it works: the route lets go of its transaction once the login is
checked, reads and checks the file with none open (the registry is read through short read sessions),
and stores the volunteers in short batches (`service.import_in_batches`), so calls coming in meanwhile
are answered at once. The audit entry is written at the end, one per step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session, sessionmaker

from core import audit, web
from core.context import context_of
from core.db import let_go
from core.models import Staff, StaffRole
from core.phone import display
from core.spreadsheet import csv_bytes
from core.web import CSRF, DB, CurrentStaff, actor
from volunteers.imports import uploads
from volunteers.registry import service, texts, workbook
from volunteers.registry.columns import (
    FIELD_HELP,
    FIELD_LABELS,
    LIST_FIELDS,
    REQUIRED_FIELDS,
    column_name,
    optional_fields,
    required_sentence,
)
from volunteers.registry.drafts import ImportPreview, InvalidRow, ValidRow, VolunteerDraft
from volunteers.registry.importing import MAX_FILE_BYTES, MAX_ROWS, ImportFileError, read_table
from volunteers.registry.rules import Interpreted, interpret, validate_rows
from volunteers.registry.service import RegistryError

router = APIRouter(dependencies=[web.require_role(StaffRole.COORDINATOR)])


PREVIEW_LIMIT = 200
"""Rows the preview shows at most: rows with problems first, then the others in file order (a file of
5,000 rows is summed up above the table, not shown as 5,000 table rows)."""
RESULT_LIMIT = 100
"""Names the result page lists with a link; the rest are counted."""


@dataclass(frozen=True)
class PreviewRow:
    number: int
    name: str
    phone: str
    errors: tuple[str, ...]
    draft: VolunteerDraft | None = None
    """None when the row has errors of its own (nothing is stored from it)."""
    registered_as: str | None = None
    """The name under which the row's number is already registered (then it is not imported)."""
    understood: Interpreted | None = None
    """How the row was understood, filled in for the rows the table shows (`Checked.shown`)."""


@dataclass(frozen=True)
class Checked:
    """A file read and checked against the registry as it is now."""

    rows: list[PreviewRow]
    preview: ImportPreview
    clashes: list[str]
    municipality_names: Mapping[int, str] = field(default_factory=dict)
    today: date = date.min

    @property
    def importable(self) -> int:
        return len(self.preview.valid) - len(self.clashes)

    @property
    def clean(self) -> bool:
        return self.preview.importable and not self.clashes

    @property
    def registered(self) -> int:
        return len(self.clashes)

    @property
    def shown(self) -> list[PreviewRow]:
        """The rows the table shows, each with how it was understood: those with problems first, then the
        rest, up to PREVIEW_LIMIT (only these are interpreted: a long file costs no more than a short one)."""
        ordered = sorted(self.rows, key=lambda row: (not row.errors, row.number))[:PREVIEW_LIMIT]
        return [
            replace(row, understood=interpret(row.draft, self.municipality_names, today=self.today))
            if row.draft is not None
            else row
            for row in ordered
        ]


def directory(request: Request) -> Path:
    """Where uploads wait: the app's own setting (tests), else this installation's private directory."""
    configured = getattr(request.app.state, "volunteer_uploads", None)
    if configured is not None:
        return Path(configured)
    return uploads.private_directory(web.get_settings(request).database_url)


def _check(request: Request, data: bytes, filename: str) -> Checked:
    """Read and check a file with no transaction open; raises ImportFileError when it cannot be read at all."""
    raw = read_table(data, filename)
    factory: sessionmaker[Session] = context_of(request).sessionmaker
    with factory() as read:
        known = service.municipality_ids(read)
    today = web.now(request).astimezone(web.zone(request)).date()
    preview = validate_rows(raw, known, today=today)
    with factory() as read:
        taken = service.registered(read, [row.draft.phone for row in preview.valid])
    clashes = service.registered_clashes(preview, taken)
    names = {id: name for name, id in known.items()}
    problems: dict[int, list[str]] = {row.row_number: list(row.errors) for row in preview.invalid}
    clashing = [row.row_number for row in preview.valid if row.draft.phone in taken]
    for number, message in zip(clashing, clashes, strict=True):
        problems[number] = [message]
    rows = []
    numbered: list[ValidRow | InvalidRow] = sorted([*preview.valid, *preview.invalid], key=lambda r: r.row_number)
    for row in numbered:
        errors = tuple(m.split(": ", 1)[1] for m in problems.get(row.row_number, []))
        if isinstance(row, ValidRow):
            draft = row.draft
            rows.append(PreviewRow(row.row_number, draft.name, display(draft.phone), errors, draft,
                                   taken.get(draft.phone)))  # fmt: skip
            continue
        cells = raw[row.row_number - 2]
        name = cells.get("name") or f"{cells.get('first_name', '')} {cells.get('last_name', '')}".strip()
        rows.append(PreviewRow(row.row_number, name, cells.get("phone", ""), errors))
    return Checked(rows=rows, preview=preview, clashes=clashes, municipality_names=names, today=today)


def _import_page(request: Request, status_code: int = 200, **context: Any) -> Response:
    return web.render(
        request, "volunteers/import.html", status_code=status_code,
        required=[(column_name(field), FIELD_HELP[field]) for field in REQUIRED_FIELDS],
        required_sentence=required_sentence(),
        optional=[(column_name(field), FIELD_HELP[field]) for field in optional_fields()],
        max_mb=MAX_FILE_BYTES // (1024 * 1024), max_rows=MAX_ROWS,
        **{"error": None, **context},
    )  # fmt: skip


def _preview_page(request: Request, checked: Checked, upload: uploads.Upload, **context: Any) -> Response:
    return web.render(
        request, "volunteers/import_preview.html", status_code=context.pop("status_code", 200), checked=checked,
        token=upload.token, filename=upload.filename, limit=PREVIEW_LIMIT, **{"error": None, **context},
    )  # fmt: skip


@router.get("/volunteers/import")
def import_page(request: Request) -> Response:
    return _import_page(request)


@router.post("/volunteers/import", dependencies=[CSRF])
def import_upload(
    request: Request, db: DB, staff: CurrentStaff, file: Annotated[UploadFile | None, File()] = None
) -> Response:
    let_go(db)
    if file is None or not file.filename:
        return _import_page(request, 422, error=texts.UPLOAD_MISSING)
    data = file.file.read(MAX_FILE_BYTES + 1)  # read_table refuses anything bigger with a clear message
    try:
        checked = _check(request, data, file.filename)
    except ImportFileError as exc:
        return _import_page(request, 422, error=str(exc))
    upload = uploads.keep(directory(request), staff_id=staff.id, filename=file.filename, data=data,
                          now=web.now(request))  # fmt: skip
    _record(request, db, staff, "volunteer.import_preview", checked, upload.sha256)
    return _preview_page(request, checked, upload)


@router.post("/volunteers/import/confirm", dependencies=[CSRF])
def import_confirm(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    token: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "",
) -> Response:
    let_go(db)
    folder = directory(request)
    try:
        upload = uploads.take(folder, token=token, staff_id=staff.id, now=web.now(request))
        checked = _check(request, upload.data, upload.filename)
    except (uploads.UploadGone, ImportFileError):
        uploads.discard(folder, token)
        return _import_page(request, 410, error=texts.UPLOAD_GONE)
    try:
        result = service.import_in_batches(
            context_of(request).sessionmaker, preview=checked.preview, only_valid=mode == "valid", now=web.now(request)
        )
    except service.ImportInterrupted as exc:
        uploads.discard(folder, upload.token)
        _record(request, db, staff, "volunteer.import", checked, upload.sha256, created=exc.created)
        return _import_page(request, 503, error=exc.messages[0])
    except RegistryError:
        message = "Die Datei enthält Fehler. Es wurde nichts importiert."
        return _preview_page(request, checked, upload, status_code=409, error=message)
    created = len(result.created_ids)
    _record(request, db, staff, "volunteer.import", checked, upload.sha256, created=created)
    uploads.discard(folder, upload.token)
    return _result_page(request, checked, result, upload.filename)


def _result_page(request: Request, checked: Checked, result: service.BatchedImport, filename: str) -> Response:
    """What the import did: the new volunteers (up to RESULT_LIMIT by name, with links), the rows left out."""
    factory: sessionmaker[Session] = context_of(request).sessionmaker
    with factory() as read:
        new = service.names_of(read, result.created_ids[:RESULT_LIMIT])
    created = len(result.created_ids)
    return web.render(
        request, "volunteers/import_result.html", filename=filename, created=created, new=new,
        skipped=result.skipped, left_out=len(checked.rows) - created, limit=RESULT_LIMIT,
    )  # fmt: skip


@router.get("/volunteers/import/template.csv")
def template_csv() -> Response:
    """The blank list: the header row only. No example row: one left in by mistake would be imported as a
    person. UTF-8 with BOM and semicolons, as the office's Excel reads CSV."""
    return Response(
        csv_bytes([template_header()]), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ehrenamtliche-vorlage.csv"'},
    )  # fmt: skip


@router.get("/volunteers/import/template.xlsx")
def template_xlsx() -> Response:
    return Response(
        workbook.write_xlsx([template_header()], sheet="Ehrenamtliche"), media_type=XLSX_TYPE,
        headers={"Content-Disposition": 'attachment; filename="ehrenamtliche-vorlage.xlsx"'},
    )  # fmt: skip


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_header() -> list[str]:
    """The header row of the blank list: the columns of `LIST_FIELDS`, the importer's own German names."""
    return [FIELD_LABELS[field] for field in LIST_FIELDS]


def _record(
    request: Request, db: Session, staff: Staff, action: str, checked: Checked, sha256: str, **more: Any
) -> None:
    detail = {"rows": len(checked.rows), "valid": checked.importable, "invalid": len(checked.rows) - checked.importable,
              "file_sha256": sha256, **more}  # fmt: skip
    audit.record(db, actor(request, staff), action=action, object_type="volunteer", object_id=None, case_id=None,
                 detail=detail)  # fmt: skip
