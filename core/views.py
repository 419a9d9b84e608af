"""The core's pages: the health check, login (with its confirmation code), logout, the on-duty switch, and the
staff accounts admins keep (list, create, activate/deactivate)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import func, select, text

from core import audit, auth, confirm, flash, formats, notices, web
from core.context import context_of
from core.models import Staff, StaffRole, StaffSession
from core.phone import InvalidPhoneNumber, to_e164
from core.web import CSRF, DB, CurrentStaff, FormFields

router = APIRouter()

# The browser's pending login while it waits for its confirmation code (see auth.LoginChallenge).
CHALLENGE_COOKIE = "fluxx_login_code"
WRONG_LOGIN = "E-Mail-Adresse oder Passwort stimmen nicht."
EMAIL_TOO_LONG = f"Die E-Mail-Adresse ist zu lang. Sie kann höchstens {auth.MAX_EMAIL_LENGTH} Zeichen haben."
PASSWORD_TOO_LONG = f"Das Passwort ist zu lang. Es kann höchstens {auth.MAX_LOGIN_PASSWORD_LENGTH} Zeichen haben."
NO_PHONE = (
    "Für dieses Konto gab es in den letzten Minuten viele fehlgeschlagene Anmeldungen von anderen Adressen. "
    "Von hier aus ist die Anmeldung deshalb nur mit einem Bestätigungscode per SMS möglich, aber für das Konto "
    "ist keine Handynummer hinterlegt. Bitte melden Sie sich von einem Gerät oder Netz aus an, von dem aus Sie "
    "schon angemeldet waren (zum Beispiel im Büro), oder wenden Sie sich an die Verwaltung."
)
CODE_ENDED = "Die Anmeldung mit Bestätigungscode ist abgelaufen oder wurde abgebrochen. Bitte melden Sie sich neu an."
CODE_USED_UP = (
    f"Der Bestätigungscode war {auth.CODE_TRIES}-mal falsch. Die Anmeldung wurde abgebrochen. "
    "Bitte melden Sie sich neu an."
)


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request) -> Response:
    try:
        with context_of(request).engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any driver error means: not healthy
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def _logout_notice(request: Request, db: DB, grund: str) -> tuple[str | None, str | None]:
    """Why the person sees the login page, and whether the hotline still rings their phone: their session
    ended by itself (known from its cookie, or from the reason in the address when the cookie is gone)."""
    check = web.check_login(request, db, touch=False)
    if check.session is not None:  # still logged in: nothing ended
        return None, None
    ended = check.ended or {reason: end for end, reason in web.LOGIN_REASONS.items()}.get(grund)
    if ended is None:
        return None, None
    message = auth.logout_message(ended, max_hours=context_of(request).settings.session_max_hours)
    on_duty = check.staff is not None and check.staff.on_duty
    return message, auth.ON_DUTY_NOTE if on_duty else None


@router.get("/login")
def login_page(request: Request, db: DB, next: str = "/", grund: str = "") -> Response:
    message, duty_note = _logout_notice(request, db, grund)
    return web.render(
        request,
        "shell/login.html",
        next=web.safe_next(next),
        email="",
        error=None,
        logout_message=message,
        duty_note=duty_note,
    )


def _session_state(request: Request, check: auth.SessionCheck) -> Response:
    """Seconds until the session ends by itself, for the warning box; 401 with the reason when it has."""
    settings = context_of(request).settings
    if check.session is None:
        return JSONResponse(web.logged_out_body(request, web.logged_out(check)), status_code=401)
    time = auth.session_time(
        check.session,
        now=web.now(request),
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_max_hours),
    )
    return JSONResponse(
        {
            "seconds_left": time.seconds_left,
            "warn": time.warn,
            "warn_seconds": int(auth.IDLE_WARNING.total_seconds()),
            "renewable": time.ends_by is auth.SessionEnd.IDLE,
            "message": auth.warning_text(time, max_hours=settings.session_max_hours),
        }
    )


@router.get("/session")
def session_status(request: Request, db: DB) -> Response:
    """Polled by every staff page (static/session.js); looking never counts as activity."""
    return _session_state(request, web.check_login(request, db, touch=False))


@router.post("/session/keep-alive", dependencies=[CSRF])
def session_keep_alive(request: Request, db: DB) -> Response:
    """The button "Angemeldet bleiben": counts as activity, in every tab of this browser."""
    check = web.check_login(request, db, touch=False)
    if check.session is not None:
        auth.keep_alive(check.session, now=web.now(request))
    return _session_state(request, check)


def _cookie(request: Request, response: Response, base: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        web.cookie_name(request, base), value, max_age=max_age, httponly=True, samesite="lax",
        secure=context_of(request).settings.secure_cookies, path="/",
    )  # fmt: skip


def _drop_challenge(request: Request, response: Response) -> None:
    secure = context_of(request).settings.secure_cookies
    response.delete_cookie(
        web.cookie_name(request, CHALLENGE_COOKIE), path="/", secure=secure, httponly=True, samesite="lax"
    )


def _logged_in(request: Request, db: DB, staff: Staff, next_path: str) -> Response:
    """A new session for `staff` and the page to go to: the end of every successful login."""
    token = auth.start_session(db, staff=staff, ip=web.client_ip(request), now=web.now(request))
    response = RedirectResponse(web.safe_next(next_path), status_code=303)
    _cookie(request, response, web.SESSION_COOKIE, token)
    # A fresh CSRF seed at login: a token planted before the login is worthless afterwards.
    _cookie(request, response, web.CSRF_COOKIE, web.new_csrf_seed())
    if request.cookies.get(web.cookie_name(request, CHALLENGE_COOKIE)):
        _drop_challenge(request, response)
    return response


def _login_refused(request: Request, *, status_code: int, next_path: str, email: str, error: str) -> Response:
    return web.render(
        request,
        "shell/login.html",
        status_code=status_code,
        next=web.safe_next(next_path),
        # What was typed comes back only while it can be an address at all.
        email=email if len(email) <= auth.MAX_EMAIL_LENGTH else "",
        error=error,
    )


@router.post("/login", dependencies=[CSRF])
def login(
    request: Request,
    db: DB,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    result = auth.authenticate(
        db, email=email, password=password, ip=web.client_ip(request), now=web.now(request),
        send_code=context_of(request).send_code,
    )  # fmt: skip
    if result.staff is not None:
        return _logged_in(request, db, result.staff, next)
    if result.challenge is not None:
        response = RedirectResponse("/login/code?next=" + quote(web.safe_next(next), safe=""), status_code=303)
        _cookie(request, response, CHALLENGE_COOKIE, result.challenge, int(auth.CODE_VALID_FOR.total_seconds()))
        return response
    if result.wait_seconds:
        wait = f"Zu viele Fehlversuche. Bitte warten Sie {result.wait_seconds} Sekunden und versuchen Sie es dann "
        status_code, error = 429, wait + "noch einmal."
    elif result.too_long:
        too_long_email = len(auth.normalize_email(email)) > auth.MAX_EMAIL_LENGTH
        status_code, error = 422, EMAIL_TOO_LONG if too_long_email else PASSWORD_TOO_LONG
    elif result.no_phone:
        status_code, error = 403, NO_PHONE
    else:
        status_code, error = 401, WRONG_LOGIN
    return _login_refused(request, status_code=status_code, next_path=next, email=email, error=error)


def _challenge_token(request: Request) -> str:
    return request.cookies.get(web.cookie_name(request, CHALLENGE_COOKIE), "")


def _code_page(request: Request, *, next_path: str, error: str | None = None, status_code: int = 200) -> Response:
    return web.render(
        request,
        "shell/login_code.html",
        status_code=status_code,
        next=web.safe_next(next_path),
        error=error,
        digits=auth.CODE_DIGITS,
        minutes=int(auth.CODE_VALID_FOR.total_seconds() // 60),
    )


@router.get("/login/code")
def login_code_page(request: Request, db: DB, next: str = "/") -> Response:
    """The second step of a login from a new address while the account is under attack: the code from the SMS."""
    challenge = auth.pending_challenge(db, token=_challenge_token(request), ip=web.client_ip(request),
                                       now=web.now(request))  # fmt: skip
    if challenge is None:
        return RedirectResponse(web.login_url(web.safe_next(next)), status_code=303)
    return _code_page(request, next_path=next)


@router.post("/login/code", dependencies=[CSRF])
def login_code(
    request: Request,
    db: DB,
    code: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    result = auth.confirm_code(
        db, token=_challenge_token(request), code=code, ip=web.client_ip(request), now=web.now(request)
    )
    if result.outcome is auth.CodeOutcome.LOGGED_IN and result.staff is not None:
        return _logged_in(request, db, result.staff, next)
    if result.outcome is auth.CodeOutcome.WRONG:
        left = formats.count_de(result.tries_left, "Versuch", "Versuche")
        error = f"Der Bestätigungscode stimmt nicht. Sie haben noch {left}."
        return _code_page(request, next_path=next, error=error, status_code=401)
    error = CODE_USED_UP if result.outcome is auth.CodeOutcome.USED_UP else CODE_ENDED
    response = _login_refused(request, status_code=401, next_path=next, email="", error=error)
    _drop_challenge(request, response)
    return response


@router.post("/logout", dependencies=[CSRF])
def logout(request: Request, db: DB) -> Response:
    token = request.cookies.get(web.cookie_name(request, web.SESSION_COOKIE))
    if token:
        auth.end_session(db, token=token, now=web.now(request))
    response = RedirectResponse("/login?logged_out=1", status_code=303)
    # The deletion carries the cookie's attributes: browsers ignore it for a `__Host-` cookie without Secure.
    secure = context_of(request).settings.secure_cookies
    response.delete_cookie(
        web.cookie_name(request, web.SESSION_COOKIE), path="/", secure=secure, httponly=True, samesite="lax"
    )
    return response


@router.post("/duty", dependencies=[CSRF])
def toggle_duty(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    posted: FormFields,
    on_duty: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/",
    confirmed: Annotated[str, Form()] = "",
) -> Response:
    """Start or end one's duty; ending it asks first (calls then no longer ring on this phone)."""
    starting = on_duty == "1"
    if staff.on_duty and not starting and not confirm.given(posted):
        others = db.scalar(
            select(func.count()).where(Staff.on_duty.is_(True), Staff.is_active.is_(True), Staff.id != staff.id)
        )
        details = ["Anrufe der Hotline werden dann nicht mehr zu Ihnen durchgestellt."]
        if not others:
            details.append("Danach ist niemand mehr im Dienst: Anrufe gehen auf die Sprachbox.")
        return confirm.ask(
            request, posted, title="Dienst beenden?", text="Sie beenden Ihren Dienst.", details=details,
            button="Ja, Dienst beenden", back=web.safe_next(back),
        )  # fmt: skip
    auth.set_on_duty(staff, on_duty=starting, now=web.now(request))
    response = RedirectResponse(web.safe_next(back), status_code=303)
    return flash.add(response, request, "Dienst begonnen." if starting else "Dienst beendet.")


staff_admin = APIRouter(prefix="/admin/staff", dependencies=[web.require_role(StaffRole.ADMIN)])


def _page(request: Request, db: DB, status_code: int = 200, **context: object) -> Response:
    staff_list = db.scalars(select(Staff).order_by(Staff.is_active.desc(), Staff.name)).all()
    defaults: dict[str, object] = {
        "error": None,
        "errors": {},
        "form": {},
        "roles": list(StaffRole),
        "failures": auth.recent_failures(db, now=web.now(request)),
    }
    return web.render(
        request, "shell/staff.html", status_code=status_code, staff_list=staff_list, **{**defaults, **context}
    )


@staff_admin.get("")
def staff_list(request: Request, db: DB, staff: CurrentStaff) -> Response:
    # An audited view: every account's e-mail and phone number, and the recent failed logins with addresses.
    audit.viewed(db, web.actor(request, staff), action="staff.list", object_type="staff")
    return _page(request, db)


def _new_account_errors(db: DB, *, name: str, email: str, phone: str, role: str, password: str) -> dict[str, str]:
    """Every problem of the new-account form at once, per field (the account rules of core.auth)."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Bitte einen Namen angeben."
    address = auth.normalize_email(email)
    if not address:
        errors["email"] = "Bitte eine E-Mail-Adresse angeben."
    elif "@" not in address or address.startswith("@") or address.endswith("@"):
        errors["email"] = f"„{address}“ ist keine gültige E-Mail-Adresse."
    elif db.scalar(select(Staff.id).where(Staff.email == address)) is not None:
        errors["email"] = f"Es gibt schon ein Konto mit der E-Mail-Adresse {address}."
    if phone.strip():
        try:
            to_e164(phone)
        except InvalidPhoneNumber as exc:
            errors["phone"] = f"{exc} Beispiel: 0511 123456."
    if role not in StaffRole._value2member_map_:
        errors["role"] = "Bitte eine Rolle aus der Liste wählen."
    if problem := auth.password_problem(password):
        errors["password"] = problem
    return errors


@staff_admin.post("", dependencies=[CSRF])
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
    errors = _new_account_errors(db, name=name, email=email, phone=phone, role=role, password=password)
    if errors:
        return _page(request, db, status_code=422, errors=errors, form=form)
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
    except (auth.AccountError, ValueError) as exc:  # e.g. the same address saved by someone a moment ago
        return _page(request, db, status_code=422, errors={"email": str(exc)}, form=form)
    response = RedirectResponse("/admin/staff", status_code=303)
    return flash.add(response, request, f"Das Konto für {name.strip()} wurde angelegt.")


@staff_admin.post("/{staff_id}/active", dependencies=[CSRF])
def staff_set_active(
    request: Request, db: DB, staff_id: int, posted: FormFields, active: Annotated[str, Form()] = "",
    confirmed: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    person = db.get(Staff, staff_id)
    if person is None:
        raise HTTPException(status_code=404, detail="Dieses Konto gibt es nicht.")
    if person.id == request.state.staff.id:
        raise HTTPException(status_code=403, detail="Das eigene Konto kann nicht deaktiviert werden.")
    if person.is_active and active != "1" and not confirm.given(posted):
        return confirm.ask(
            request, posted, title=f"Konto von {person.name} deaktivieren?",
            text=f"{person.name} wird sofort abgemeldet und kann sich danach nicht mehr anmelden.",
            details=["Anrufe werden nicht mehr zu dieser Person durchgestellt.",
                     "Sie können das Konto später wieder aktivieren."],
            button=f"Ja, {person.name} deaktivieren", back="/admin/staff",
        )  # fmt: skip
    person.is_active = active == "1"
    person.updated_at = web.now(request)
    if not person.is_active:
        # Disabling an account ends its sessions at once, not at their next expiry.
        person.on_duty = False
        for session in db.scalars(select(StaffSession).where(StaffSession.staff_id == person.id)):
            session.ended_at = session.ended_at or web.now(request)
    done = "aktiviert" if person.is_active else "deaktiviert"
    return flash.add(RedirectResponse("/admin/staff", status_code=303), request, f"Konto von {person.name} {done}.")


def _edit_form(person: Staff) -> dict[str, str]:
    return {"name": person.name, "role": person.role.value, "phone": person.phone or "",
            "active": "1" if person.is_active else ""}  # fmt: skip


def _edit_page(
    request: Request, person: Staff, *, status_code: int = 200, errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None, temporary: str | None = None,
) -> Response:  # fmt: skip
    # Every page is sent "no-store" (web.security_headers): the temporary password is kept by no cache.
    return web.render(
        request, "shell/staff_edit.html", status_code=status_code, person=person, roles=list(StaffRole),
        errors=errors or {}, form=form or _edit_form(person), temporary=temporary,
    )  # fmt: skip


def _staff_or_404(db: DB, staff_id: int) -> Staff:
    person = db.get(Staff, staff_id)
    if person is None:
        raise HTTPException(status_code=404, detail="Dieses Konto gibt es nicht.")
    return person


@staff_admin.get("/{staff_id}")
def staff_edit_page(request: Request, db: DB, staff: CurrentStaff, staff_id: int) -> Response:
    person = _staff_or_404(db, staff_id)
    audit.viewed(db, web.actor(request, staff), action="staff.view", object_type="staff", object_id=person.id)
    return _edit_page(request, person)


@staff_admin.post("/{staff_id}", dependencies=[CSRF])
def staff_update(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    staff_id: int,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    """An admin changes a colleague's (or their own) name, role, mobile number and whether the account is active."""
    person = _staff_or_404(db, staff_id)
    form = {"name": name, "role": role, "phone": phone, "active": active}
    errors: dict[str, str] = {}
    changes: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = "Bitte einen Namen angeben."
    elif len(name.strip()) > 120:
        errors["name"] = "Der Name ist zu lang. Er kann höchstens 120 Zeichen haben."
    if phone.strip():
        try:
            to_e164(phone)
        except InvalidPhoneNumber as exc:
            errors["phone"] = f"{exc} Beispiel: 0151 12345678."
    if role not in StaffRole._value2member_map_:
        errors["role"] = "Bitte eine Rolle aus der Liste wählen."
    if not errors:
        try:
            changes = auth.update_staff(
                db, person, name=name, role=StaffRole(role), phone=phone, active=active == "1", by=staff,
                now=web.now(request),
            )  # fmt: skip
        except auth.AccountError as exc:
            field = "active" if str(exc) == auth.OWN_ACCOUNT_INACTIVE else "role"
            if str(exc) == auth.LAST_ADMIN and role == StaffRole.ADMIN.value:
                field = "active"
            errors[field] = str(exc)
    if errors:
        return _edit_page(request, person, status_code=422, errors=errors, form=form)
    if changes:
        audit.record(db, web.actor(request, staff), action="staff.update", object_type="staff",
                     object_id=person.id, case_id=None, detail={"changes": changes})  # fmt: skip
    text = f"Konto von {person.name} gespeichert." if changes else "Keine Änderungen."
    return flash.add(RedirectResponse("/admin/staff", status_code=303), request, text)


@staff_admin.post("/{staff_id}/password", dependencies=[CSRF])
def staff_reset_password(
    request: Request, db: DB, staff: CurrentStaff, staff_id: int, posted: FormFields,
    confirmed: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """An admin resets a colleague's password: a temporary one, shown once, to be changed at the next login."""
    person = _staff_or_404(db, staff_id)
    if person.id == staff.id:
        raise HTTPException(status_code=403, detail="Ihr eigenes Passwort ändern Sie unter „Passwort ändern“.")
    if not confirm.given(posted):
        return confirm.ask(
            request, posted, title=f"Passwort von {person.name} zurücksetzen?",
            text=f"{person.name} bekommt ein vorläufiges Passwort, das Sie gleich einmalig sehen.",
            details=[f"{person.name} wird auf allen Geräten abgemeldet; das bisherige Passwort gilt nicht mehr.",
                     "Bei der nächsten Anmeldung muss das vorläufige Passwort durch ein eigenes ersetzt werden."],
            button="Ja, Passwort zurücksetzen", back=f"/admin/staff/{person.id}",
        )  # fmt: skip
    temporary = auth.reset_password(db, person, now=web.now(request))
    audit.record(db, web.actor(request, staff), action="staff.password_reset", object_type="staff",
                 object_id=person.id, case_id=None)  # fmt: skip
    return _edit_page(request, person, temporary=temporary)


def _password_page(
    request: Request, staff: Staff, *, status_code: int = 200, errors: dict[str, str] | None = None
) -> Response:
    return web.render(
        request, "shell/password_change.html", status_code=status_code, errors=errors or {},
        must_change=staff.must_change_password, min_length=auth.MIN_PASSWORD_LENGTH,
    )  # fmt: skip


@router.get(web.PASSWORD_PAGE)
def password_change_page(request: Request, staff: CurrentStaff) -> Response:
    return _password_page(request, staff)


@router.post(web.PASSWORD_PAGE, dependencies=[CSRF])
def password_change(
    request: Request,
    db: DB,
    staff: CurrentStaff,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    new_password_repeat: Annotated[str, Form()] = "",
) -> Response:
    """Staff change their own password; their sessions on other devices end."""
    check = web.check_login(request, db, touch=False)
    errors = auth.change_password(
        db, staff, current=current_password, new=new_password, repeated=new_password_repeat,
        session=check.session, ip=web.client_ip(request), now=web.now(request),
    )  # fmt: skip
    if errors:
        # A wrong current password is recorded as a failed login: kept although the answer is an error.
        db.commit()
        return _password_page(request, staff, status_code=422, errors=errors)
    audit.record(db, web.actor(request, staff), action="staff.password_change", object_type="staff",
                 object_id=staff.id, case_id=None)  # fmt: skip
    request.state.staff = web.StaffView.of(staff)
    return flash.add(RedirectResponse("/", status_code=303), request, "Ihr Passwort wurde geändert.")


FORGOT_ANSWER = (
    "Wenn zu dieser E-Mail-Adresse ein aktives Konto mit Handynummer gehört, bekommt diese Handynummer jetzt "
    "eine SMS mit einem Link zum Festlegen eines neuen Passworts. Der Link gilt 30 Minuten und nur einmal. "
    "Ist im Konto keine Handynummer hinterlegt, kommt keine SMS: Bitte wenden Sie sich dann an die Verwaltung, "
    "dort kann Ihr Passwort zurückgesetzt werden."
)
FORGOT_WAIT = (
    "Für diese E-Mail-Adresse oder von diesem Netz aus wurde in der letzten Stunde schon mehrmals ein neues "
    "Passwort angefordert. Bitte warten Sie auf die SMS oder versuchen Sie es später noch einmal."
)
RESET_LINK_ENDED = (
    "Dieser Link funktioniert nicht (mehr): Er ist abgelaufen, wurde schon benutzt oder ist unvollständig. "
    "Sie können einen neuen anfordern."
)


@router.get("/login/passwort-vergessen")
def password_forgot_page(request: Request) -> Response:
    return web.render(request, "shell/password_forgot.html", answer=None, error=None, email="")


@router.post("/login/passwort-vergessen", dependencies=[CSRF])
def password_forgot(request: Request, db: DB, email: Annotated[str, Form()] = "") -> Response:
    """The same answer whether the address belongs to an account or not; limited per address and per IP."""
    now = web.now(request)
    outcome, person = auth.request_reset(
        db, email=email, ip=web.client_ip(request), now=now, send_code=context_of(request).send_code,
        base_url=context_of(request).settings.public_base_url,
    )  # fmt: skip
    if person is not None:
        audit.record(db, audit.Actor(staff_id=person.id, ip=web.client_ip(request), now=now),
                     action="staff.reset_request", object_type="staff", object_id=person.id, case_id=None)  # fmt: skip
    if outcome is auth.ResetRequest.WAIT:
        return web.render(request, "shell/password_forgot.html", status_code=429, answer=None, error=FORGOT_WAIT,
                          email=email[: auth.MAX_EMAIL_LENGTH])  # fmt: skip
    return web.render(request, "shell/password_forgot.html", answer=FORGOT_ANSWER, error=None, email="")


def _reset_page(request: Request, *, token: str, status_code: int = 200, errors: dict[str, str] | None = None,
                ended: bool = False) -> Response:  # fmt: skip
    return web.render(
        request, "shell/password_reset.html", status_code=status_code, token=token if not ended else "",
        errors=errors or {}, ended=RESET_LINK_ENDED if ended else None, min_length=auth.MIN_PASSWORD_LENGTH,
    )  # fmt: skip


@router.get(auth.RESET_PATH)
def password_reset_page(request: Request, db: DB, token: str = "") -> Response:
    if auth.pending_reset(db, token=token, now=web.now(request)) is None:
        return _reset_page(request, token="", status_code=410, ended=True)
    return _reset_page(request, token=token)


@router.post(auth.RESET_PATH, dependencies=[CSRF])
def password_reset(
    request: Request,
    db: DB,
    token: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    new_password_repeat: Annotated[str, Form()] = "",
) -> Response:
    now = web.now(request)
    person, errors = auth.complete_reset(db, token=token, new=new_password, repeated=new_password_repeat, now=now)
    if person is None:
        return _reset_page(request, token="", status_code=410, ended=True)
    if errors:
        return _reset_page(request, token=token, status_code=422, errors=errors)
    audit.record(db, audit.Actor(staff_id=person.id, ip=web.client_ip(request), now=now),
                 action="staff.reset_done", object_type="staff", object_id=person.id, case_id=None)  # fmt: skip
    return RedirectResponse("/login?passwort_neu=1", status_code=303)


@router.post("/notices/{notice_id}/dismiss", dependencies=[CSRF])
def notice_dismiss(
    request: Request, db: DB, staff: CurrentStaff, notice_id: int, back: Annotated[str, Form()] = "/"
) -> Response:
    """Take a notice off one's own dashboard ("Ausblenden")."""
    notices.dismiss(db, notice_id=notice_id, staff_id=staff.id, now=web.now(request))
    return RedirectResponse(web.safe_next(back), status_code=303)
