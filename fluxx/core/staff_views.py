"""Admins keep the staff accounts: list, create, activate/deactivate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from fluxx.core import auth, web
from fluxx.core.models import Staff, StaffRole, StaffSession
from fluxx.core.web import CSRF, DB

router = APIRouter(prefix="/admin/staff", dependencies=[web.require_role(StaffRole.ADMIN)])


def _page(request: Request, db: DB, status_code: int = 200, **context: object) -> Response:
    staff_list = db.scalars(select(Staff).order_by(Staff.is_active.desc(), Staff.name)).all()
    defaults = {"error": None, "form": {}, "roles": list(StaffRole)}
    return web.render(
        request, "shell/staff.html", status_code=status_code, staff_list=staff_list, **{**defaults, **context}
    )


@router.get("")
def staff_list(request: Request, db: DB) -> Response:
    return _page(request, db)


@router.post("", dependencies=[CSRF])
def staff_create(
    request: Request,
    db: DB,
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "counsellor",
    password: Annotated[str, Form()] = "",
) -> Response:
    form = {"name": name, "email": email, "phone": phone, "role": role}
    try:
        auth.create_staff(
            db,
            name=name,
            email=email,
            password=password,
            role=StaffRole(role),
            phone=phone or None,
            on_duty=False,
            now=web.now(request),
        )
    except (auth.AccountError, ValueError) as exc:
        return _page(request, db, status_code=422, error=str(exc), form=form)
    return RedirectResponse("/admin/staff?created=1", status_code=303)


@router.post("/{staff_id}/active", dependencies=[CSRF])
def staff_set_active(request: Request, db: DB, staff_id: int, active: Annotated[str, Form()] = "") -> Response:
    person = db.get(Staff, staff_id)
    if person is None:
        raise HTTPException(status_code=404, detail="Dieses Konto gibt es nicht.")
    if person.id == request.state.staff.id:
        raise HTTPException(status_code=403, detail="Das eigene Konto kann nicht deaktiviert werden.")
    person.is_active = active == "1"
    person.updated_at = web.now(request)
    if not person.is_active:
        # Disabling an account ends its sessions at once, not at their next expiry.
        person.on_duty = False
        for session in db.scalars(select(StaffSession).where(StaffSession.staff_id == person.id)):
            session.ended_at = session.ended_at or web.now(request)
    return RedirectResponse("/admin/staff", status_code=303)
