"""Settings from the environment (prefix FLUXX_) or a .env file.

A wrong value stops start-up with one line naming the setting (see `load_settings`).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import opening_hours
import phonenumbers
from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.phone import HOTLINE_E164, HOTLINE_WRITTEN

HOTLINE_NUMBER = HOTLINE_E164
# The key signs CSRF tokens (and in simulation the simulator's webhooks): it must not be guessed.
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_VARIETY = 10  # different characters
# Published in this repository at some time (the old default key, the demo password, the fake Twilio
# token of the README): a key that contains one of them, however often, is guessed first.
PUBLISHED_SECRETS = ("dev-only-not-secret", "fluxx-demo-2026", "fake-token", "fake-auth-token")
MAKE_A_KEY = "z. B. aus „python3 -c 'import secrets; print(secrets.token_urlsafe(48))'“"


class SettingsError(Exception):
    """A setting has a value the service cannot run with."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLUXX_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./fluxx.db"
    public_base_url: str = "http://127.0.0.1:8000"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = HOTLINE_NUMBER
    twilio_api_url: str = "https://api.twilio.com"
    # Empty: in simulation mode a random key is made at the first start and kept in secret_key_file, so
    # no two installations share one (a published default would let anyone forge the simulator's
    # signed webhooks and CSRF tokens); with Twilio credentials it must be set.
    secret_key: str = ""
    secret_key_file: str = ".fluxx-secret"
    timezone: str = "Europe/Berlin"
    opening_hours: str = "Mo-Fr 08:00-18:00; PH off"
    hotline_number: str = HOTLINE_NUMBER
    fallback_number: str = ""
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    sms_per_second: float = 1.0
    retention_days: int = 730
    # Voicemails are deleted (here and at Twilio) this many days after they were left (retention/).
    voicemail_days: int = 30
    # Addresses of reverse proxies whose X-Forwarded-For is believed (comma-separated, "*" for any).
    # Empty: the connection's own address counts, whatever the header says.
    trusted_proxies: str = ""
    # Local hour of the evening before a job when the assigned volunteer gets a reminder SMS.
    reminder_hour: int = 18
    # Bills (billing/): who issues them, where families pay, the city's creditor id for SEPA direct
    # debits, the finance office's cost centre, the payment term and the note printed on every bill.
    # The defaults are the Fluxx office's address and the examples of the Bundesbank (a valid IBAN and
    # creditor id that belong to nobody): a real installation sets its own.
    billing_issuer: str = "Landeshauptstadt Hannover – Fluxx-Notfallbetreuung"
    billing_address: str = "Trammplatz 2, 30159 Hannover"
    billing_iban: str = "DE02120300000000202051"
    billing_bic: str = ""
    billing_creditor_id: str = "DE98ZZZ09999999999"
    billing_cost_centre: str = "51.1-FLUXX"
    billing_payment_days: int = 14
    billing_note: str = (
        "Die Betreuung wird nach der Entgeltordnung der Fluxx-Notfallbetreuung berechnet. "
        f"Fragen zur Rechnung: {HOTLINE_WRITTEN}."
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("keine gültige Datenbank-URL (z. B. sqlite:///./fluxx.db)") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("nur sqlite:/// oder postgresql+psycopg:// werden unterstützt")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _public_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or value[-3:] == "://":
            raise ValueError("muss mit http:// oder https:// beginnen, z. B. https://fluxx.example.de")
        return value.rstrip("/")

    @field_validator("reminder_hour")
    @classmethod
    def _reminder_hour(cls, value: int) -> int:
        if not 0 <= value <= 23:
            raise ValueError("eine Stunde von 0 bis 23, z. B. 18")
        return value

    @field_validator("billing_iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        try:
            return str(IBAN(value).compact)
        except SchwiftyException:
            raise ValueError("keine gültige IBAN (z. B. DE02 1203 0000 0000 2020 51)") from None

    @field_validator("billing_bic")
    @classmethod
    def _bic(cls, value: str) -> str:
        if not value:
            return value
        try:
            return str(BIC(value).compact)
        except SchwiftyException:
            raise ValueError("keine gültige BIC (z. B. BYLADEM1001)") from None

    @field_validator("billing_payment_days")
    @classmethod
    def _payment_days(cls, value: int) -> int:
        if not 1 <= value <= 90:
            raise ValueError("ein Zahlungsziel von 1 bis 90 Tagen, z. B. 14")
        return value

    @field_validator("twilio_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("muss mit http:// oder https:// beginnen")
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unbekannte Zeitzone {value!r} (z. B. Europe/Berlin)") from None
        return value

    @field_validator("opening_hours")
    @classmethod
    def _opening_hours(cls, value: str) -> str:
        try:
            opening_hours.OpeningHours(value)
        except (opening_hours.ParserError, SyntaxError) as exc:  # type: ignore[attr-defined]  # not in its stub
            position = re.search(r"-->\s*\d+:(\d+)", str(exc))
            where = f" bei Zeichen {position.group(1)}" if position else ""
            raise ValueError(
                f"kein gültiger opening_hours-Ausdruck{where}, z. B. „Mo-Fr 08:00-18:00; PH off“"
            ) from None
        return value

    @field_validator("twilio_from", "hotline_number", "fallback_number")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not value or value.startswith("MG"):  # a messaging service SID is fine as sender
            return value
        try:
            parsed = phonenumbers.parse(value, "DE")
        except phonenumbers.NumberParseException:
            raise ValueError(f"keine gültige Telefonnummer: {value!r}") from None
        if not phonenumbers.is_valid_number(parsed):
            raise ValueError(f"keine gültige Telefonnummer: {value!r}")
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    @property
    def simulation(self) -> bool:
        """Without Twilio credentials, SMS go to the simulator and the phone simulator page exists."""
        return not (self.twilio_account_sid and self.twilio_auth_token)

    @property
    def secure_cookies(self) -> bool:
        return self.public_base_url.startswith("https://")

    @cached_property
    def trusted_proxy_set(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.trusted_proxies.split(",") if part.strip())

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def webhook_auth_token(self) -> str:
        """The token that signs /twilio/* requests: Twilio's, or in simulation the simulator's own.

        An empty token would verify signatures that anyone can forge, so simulation derives one.
        """
        if self.twilio_auth_token:
            return self.twilio_auth_token
        return hashlib.sha256(f"simulator:{self.secret_key}".encode()).hexdigest()[:32]

    def check_production_secrets(self) -> None:
        if bool(self.twilio_account_sid) != bool(self.twilio_auth_token):
            # One without the other used to mean simulation mode without a word: refuse instead.
            missing = "FLUXX_TWILIO_AUTH_TOKEN" if self.twilio_account_sid else "FLUXX_TWILIO_ACCOUNT_SID"
            raise SettingsError(
                f"{missing}: fehlt – für Twilio beide Zugangsdaten setzen, für den Simulationsmodus keine"
            )
        if not self.secret_key:
            if self.simulation:
                return  # load_settings makes this installation's own random key
            raise SettingsError(
                "FLUXX_SECRET_KEY: mit echten Twilio-Zugangsdaten muss ein eigener geheimer Schlüssel gesetzt sein"
            )
        # A key given explicitly is checked in simulation too: it signs the simulator's webhooks.
        problem = secret_key_problem(self.secret_key, twilio_auth_token=self.twilio_auth_token)
        if problem is not None:
            raise SettingsError(f"FLUXX_SECRET_KEY: {problem}")


def secret_key_problem(key: str, *, twilio_auth_token: str = "") -> str | None:
    """Why `key` is guessable (a German phrase for the one-line error), or None for a good key."""
    lowered = key.lower()
    if any(published in lowered for published in PUBLISHED_SECRETS):
        return f"enthält einen veröffentlichten Schlüssel und ist damit bekannt – einen eigenen erzeugen, {MAKE_A_KEY}"
    token = twilio_auth_token.strip()
    # Twilio's tokens have 32 characters; a few letters of a test token may well occur in a random key.
    if token and (key == token or (len(token) >= 8 and token in key) or key in token):
        return f"darf nicht das Twilio-Auth-Token sein oder enthalten – einen eigenen erzeugen, {MAKE_A_KEY}"
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_VARIETY or _repeats(key):
        return f"zu schwach – mindestens {MIN_SECRET_KEY_LENGTH} zufällige Zeichen, {MAKE_A_KEY}"
    return None


def _repeats(key: str) -> bool:
    """Whether the key is one shorter pattern written again and again (the end may stop inside it)."""
    # The shortest period p with key[i] == key[i - p] for every i (Knuth-Morris-Pratt's failure function).
    border = [0] * len(key)
    for index in range(1, len(key)):
        length = border[index - 1]
        while length and key[index] != key[length]:
            length = border[length - 1]
        border[index] = length + 1 if key[index] == key[length] else 0
    period = len(key) - (border[-1] if key else 0)
    return period <= len(key) // 2


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise SettingsError with one line naming the first wrong setting."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = "FLUXX_" + str(error["loc"][0]).upper() if error["loc"] else "FLUXX_?"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None
    settings.check_production_secrets()
    if not settings.secret_key:
        settings = settings.model_copy(update={"secret_key": install_secret(Path(settings.secret_key_file))})
    return settings


def install_secret(path: Path) -> str:
    """This installation's random key: read from `path`, or made and written there (owner-only) once."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise SettingsError(f"FLUXX_SECRET_KEY_FILE: {path} enthält keinen gültigen Schlüssel") from None
        if secret_key_problem(key) is not None:  # written by hand: a key made here is random
            raise SettingsError(
                f"FLUXX_SECRET_KEY_FILE: {path} enthält keinen sicheren Schlüssel – die Datei löschen, "
                "beim nächsten Start wird ein zufälliger angelegt"
            ) from None
        return key
    except OSError as exc:
        raise SettingsError(f"FLUXX_SECRET_KEY_FILE: {path} lässt sich nicht anlegen ({exc.strerror})") from None
    key = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key
