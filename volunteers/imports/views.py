"""Importing a volunteer list (CSV or Excel) in two steps: upload and preview, then confirm.

The preview lists every row of the file with its German errors; nothing is stored before the coordinator
confirms. The file waits on the server (`uploads`), and confirming checks that copy again, so the import
is exactly what the preview showed, or is refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from fluxx.core import audit, web
from fluxx.core.models import Staff, StaffRole
from fluxx.core.phone import display
from fluxx.core.web import CSRF, DB, CurrentStaff, actor
from volunteers.imports import uploads
from volunteers.registry import service, texts
from volunteers.registry.availability import AVAILABILITY_HELP
from volunteers.registry.columns import FIELD_LABELS
from volunteers.registry.drafts import ImportPreview, InvalidRow, ValidRow
from volunteers.registry.importing import MAX_FILE_BYTES, MAX_ROWS, ImportFileError, read_table
from volunteers.registry.rules import validate_rows
from volunteers.registry.service import RegistryError

router = APIRouter(dependencies=[web.require_role(StaffRole.COORDINATOR)])


@dataclass(frozen=True)
class PreviewRow:
    number: int
    name: str
    phone: str
    errors: tuple[str, ...]


@dataclass(frozen=True)
class Checked:
    """A file read and checked against the registry as it is now."""

    rows: list[PreviewRow]
    preview: ImportPreview
    clashes: list[str]

    @property
    def importable(self) -> int:
        return len(self.preview.valid) - len(self.clashes)

    @property
    def clean(self) -> bool:
        return self.preview.importable and not self.clashes


def directory(request: Request) -> Path:
    return getattr(request.app.state, "volunteer_uploads", uploads.DEFAULT_DIRECTORY)  # type: ignore[no-any-return]


def _check(request: Request, db: Session, data: bytes, filename: str) -> Checked:
    """Read and check a file; raises ImportFileError when it cannot be read at all."""
    raw = read_table(data, filename)
    preview = validate_rows(
        raw, service.municipality_ids(db), today=web.now(request).astimezone(web.zone(request)).date()
    )
    taken = service.registered(db, [row.draft.phone for row in preview.valid])
    clashes = service.registered_clashes(preview, taken)
    problems: dict[int, list[str]] = {row.row_number: list(row.errors) for row in preview.invalid}
    clashing = [row.row_number for row in preview.valid if row.draft.phone in taken]
    for number, message in zip(clashing, clashes, strict=True):
        problems[number] = [message]
    rows = []
    numbered: list[ValidRow | InvalidRow] = sorted([*preview.valid, *preview.invalid], key=lambda r: r.row_number)
    for row in numbered:
        cells = raw[row.row_number - 2]
        name = cells.get("name") or f"{cells.get('first_name', '')} {cells.get('last_name', '')}".strip()
        phone = display(row.draft.phone) if isinstance(row, ValidRow) else cells.get("phone", "")
        errors = tuple(m.split(": ", 1)[1] for m in problems.get(row.row_number, []))
        rows.append(PreviewRow(row.row_number, name, phone, errors))
    return Checked(rows=rows, preview=preview, clashes=clashes)


def _import_page(request: Request, status_code: int = 200, **context: Any) -> Response:
    return web.render(
        request, "volunteers/import.html", status_code=status_code, labels=FIELD_LABELS,
        availability_help=AVAILABILITY_HELP, max_mb=MAX_FILE_BYTES // (1024 * 1024), max_rows=MAX_ROWS,
        **{"error": None, **context},
    )  # fmt: skip


def _preview_page(request: Request, checked: Checked, upload: uploads.Upload, **context: Any) -> Response:
    return web.render(
        request, "volunteers/import_preview.html", status_code=context.pop("status_code", 200), checked=checked,
        token=upload.token, filename=upload.filename, **{"error": None, **context},
    )  # fmt: skip


@router.get("/volunteers/import")
def import_page(request: Request) -> Response:
    return _import_page(request)


@router.post("/volunteers/import", dependencies=[CSRF])
def import_upload(
    request: Request, db: DB, staff: CurrentStaff, file: Annotated[UploadFile | None, File()] = None
) -> Response:
    if file is None or not file.filename:
        return _import_page(request, 422, error=texts.UPLOAD_MISSING)
    data = file.file.read(MAX_FILE_BYTES + 1)  # read_table refuses anything bigger with a clear message
    try:
        checked = _check(request, db, data, file.filename)
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
    try:
        upload = uploads.take(directory(request), token=token, staff_id=staff.id, now=web.now(request))
        checked = _check(request, db, upload.data, upload.filename)
    except (uploads.UploadGone, ImportFileError):
        return _import_page(request, 410, error=texts.UPLOAD_GONE)
    try:
        result = service.import_preview(db, preview=checked.preview, only_valid=mode == "valid", now=web.now(request))
    except RegistryError:
        db.rollback()
        message = "Die Datei enthält Fehler. Es wurde nichts importiert."
        return _preview_page(request, checked, upload, status_code=409, error=message)
    _record(request, db, staff, "volunteer.import", checked, upload.sha256, created=len(result.created))
    uploads.discard(directory(request), upload.token)
    return RedirectResponse(f"/volunteers?imported={len(result.created)}", status_code=303)


def _record(
    request: Request, db: Session, staff: Staff, action: str, checked: Checked, sha256: str, **more: Any
) -> None:
    detail = {"rows": len(checked.rows), "valid": checked.importable, "invalid": len(checked.rows) - checked.importable,
              "file_sha256": sha256, **more}  # fmt: skip
    audit.record(db, actor(request, staff), action=action, object_type="volunteer", object_id=None, case_id=None,
                 detail=detail)  # fmt: skip
