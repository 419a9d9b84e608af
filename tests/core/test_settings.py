import pytest
from typer.testing import CliRunner

from core.settings import Settings, SettingsError, load_settings
from fluxx.cli import app as cli


def test_defaults_follow_the_public_contract(monkeypatch):
    for name in ("DATABASE_URL", "OPENING_HOURS", "TIMEZONE", "TWILIO_FROM", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(f"FLUXX_{name}", raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_url == "sqlite:///./fluxx.db"
    assert settings.timezone == "Europe/Berlin"
    assert settings.opening_hours == "Mo-Fr 08:00-18:00; PH off"
    assert settings.twilio_from == "+4951116832110"
    assert settings.twilio_api_url == "https://api.twilio.com"
    assert settings.simulation is True


def test_settings_are_read_from_the_environment_with_the_fluxx_prefix(monkeypatch):
    monkeypatch.setenv("FLUXX_OPENING_HOURS", "24/7")
    monkeypatch.setenv("FLUXX_TWILIO_FROM", "0511 168-32110")
    settings = load_settings(_env_file=None)
    assert settings.opening_hours == "24/7"
    assert settings.twilio_from == "+4951116832110"


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("DATABASE_URL", "not a url", "FLUXX_DATABASE_URL: keine gültige Datenbank-URL"),
        ("DATABASE_URL", "mysql://root@localhost/x", "FLUXX_DATABASE_URL: nur sqlite"),
        (
            "OPENING_HOURS",
            "Mo-Fr 8-",
            "FLUXX_OPENING_HOURS: kein gültiger opening_hours-Ausdruck bei Zeichen 7",
        ),
        ("TIMEZONE", "Europe/Hannover", "FLUXX_TIMEZONE: unbekannte Zeitzone"),
        ("PUBLIC_BASE_URL", "fluxx.example.de", "FLUXX_PUBLIC_BASE_URL: muss mit http:// oder https://"),
        ("TWILIO_FROM", "12", "FLUXX_TWILIO_FROM: keine gültige Telefonnummer"),
    ],
)
def test_a_wrong_setting_names_itself_in_one_line(monkeypatch, name, value, fragment):
    monkeypatch.setenv(f"FLUXX_{name}", value)
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None)
    assert fragment in str(error.value)
    assert "\n" not in str(error.value)


def test_real_twilio_credentials_refuse_the_development_secret(monkeypatch):
    monkeypatch.setenv("FLUXX_TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("FLUXX_TWILIO_AUTH_TOKEN", "token")
    monkeypatch.delenv("FLUXX_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="FLUXX_SECRET_KEY"):
        load_settings(_env_file=None)


def test_the_cli_stops_with_one_clear_line_instead_of_a_traceback(monkeypatch):
    monkeypatch.setenv("FLUXX_OPENING_HOURS", "Mo-Fr 8-")
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "Fehler in den Einstellungen: FLUXX_OPENING_HOURS" in result.output
    assert "Traceback" not in result.output


def test_simulation_signs_webhooks_with_a_derived_token_never_an_empty_one():
    settings = Settings(_env_file=None, secret_key="abc")
    assert settings.simulation
    assert len(settings.webhook_auth_token) == 32
    assert Settings(_env_file=None, twilio_account_sid="AC1", twilio_auth_token="tok").webhook_auth_token == "tok"


@pytest.mark.parametrize("given", ["FLUXX_TWILIO_ACCOUNT_SID", "FLUXX_TWILIO_AUTH_TOKEN"])
def test_only_one_of_the_twilio_credentials_stops_start_up_instead_of_simulating(monkeypatch, given):
    monkeypatch.delenv("FLUXX_TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("FLUXX_TWILIO_AUTH_TOKEN", raising=False)
    monkeypatch.setenv(given, "AC" + "0" * 32)
    with pytest.raises(SettingsError, match="fehlt – für Twilio beide Zugangsdaten setzen"):
        load_settings(_env_file=None)


@pytest.mark.parametrize("key", ["x", "kurz-aber-eigen", "a" * 40])
def test_a_weak_secret_key_is_refused_with_real_credentials(monkeypatch, key):
    monkeypatch.setenv("FLUXX_TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("FLUXX_TWILIO_AUTH_TOKEN", "token")
    monkeypatch.setenv("FLUXX_SECRET_KEY", key)
    with pytest.raises(SettingsError, match="FLUXX_SECRET_KEY: zu schwach"):
        load_settings(_env_file=None)


def test_a_long_random_secret_key_with_real_credentials_starts(monkeypatch):
    monkeypatch.setenv("FLUXX_TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("FLUXX_TWILIO_AUTH_TOKEN", "token")
    monkeypatch.setenv("FLUXX_SECRET_KEY", "q8Vd2-LmZx7Pk3Ry9Tb4Nw6Hs1Jf5Gc0Ue8Ai2Ko")
    assert not load_settings(_env_file=None).simulation


def test_simulation_without_a_key_makes_one_random_key_per_installation_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.delenv("FLUXX_SECRET_KEY", raising=False)
    monkeypatch.setenv("FLUXX_SECRET_KEY_FILE", str(tmp_path / "one" / "secret"))
    (tmp_path / "one").mkdir()
    first = load_settings(_env_file=None)
    assert len(first.secret_key) >= 32 and first.simulation
    assert (tmp_path / "one" / "secret").stat().st_mode & 0o777 == 0o600
    assert load_settings(_env_file=None).webhook_auth_token == first.webhook_auth_token  # a restart keeps it
    monkeypatch.setenv("FLUXX_SECRET_KEY_FILE", str(tmp_path / "other-install"))
    assert load_settings(_env_file=None).webhook_auth_token != first.webhook_auth_token


def test_a_damaged_key_file_stops_start_up_with_a_clear_line(tmp_path, monkeypatch):
    monkeypatch.delenv("FLUXX_SECRET_KEY", raising=False)
    (tmp_path / "secret").write_text("kurz\n")
    monkeypatch.setenv("FLUXX_SECRET_KEY_FILE", str(tmp_path / "secret"))
    with pytest.raises(SettingsError, match="FLUXX_SECRET_KEY_FILE: .* enthält keinen gültigen Schlüssel"):
        load_settings(_env_file=None)


def test_the_reminder_hour_must_be_an_hour_of_the_day(monkeypatch):
    monkeypatch.setenv("FLUXX_REMINDER_HOUR", "24")
    with pytest.raises(SettingsError, match="FLUXX_REMINDER_HOUR: eine Stunde von 0 bis 23"):
        load_settings(_env_file=None)


GOOD_KEY = "q8Vd2-LmZx7Pk3Ry9Tb4Nw6Hs1Jf5Gc0Ue8Ai2Ko"
TWILIO_TOKEN = "0b5d7e3c9a1f4e6d8c2b0a9f7e5d3c1b"


def _production(monkeypatch, key):
    monkeypatch.setenv("FLUXX_TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("FLUXX_TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    monkeypatch.setenv("FLUXX_SECRET_KEY", key)


def _simulation(monkeypatch, key):
    monkeypatch.delenv("FLUXX_TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("FLUXX_TWILIO_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("FLUXX_SECRET_KEY", key)


PUBLISHED = "enthält einen veröffentlichten Schlüssel und ist damit bekannt – einen eigenen erzeugen"
WEAK = "zu schwach – mindestens 32 zufällige Zeichen"


@pytest.mark.parametrize("mode", [_production, _simulation])
@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("dev-only-not-secret" * 2, PUBLISHED),  # the old published default, written twice to be long enough
        ("dev-only-not-secret-" + GOOD_KEY, PUBLISHED),
        ("DEV-ONLY-NOT-SECRET" + GOOD_KEY, PUBLISHED),
        ("fluxx-demo-2026" * 3, PUBLISHED),  # the demo password
        ("abcdefghijk" * 3, WEAK),  # eleven different characters, but one short pattern again and again
        ("Xy7#kQ2!pL" * 4 + "Xy7", WEAK),  # the end may stop inside the pattern
    ],
)
def test_a_guessable_secret_key_is_refused_in_both_modes(monkeypatch, mode, key, why):
    mode(monkeypatch, key)
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None)
    assert str(error.value).startswith(f"FLUXX_SECRET_KEY: {why}")
    assert "secrets.token_urlsafe(48)" in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("key", [TWILIO_TOKEN, TWILIO_TOKEN + "-mein-schluessel", "Schlüssel:" + TWILIO_TOKEN])
def test_a_secret_key_made_of_the_twilio_token_is_refused(monkeypatch, key):
    _production(monkeypatch, key)
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None)
    assert str(error.value).startswith(
        "FLUXX_SECRET_KEY: darf nicht das Twilio-Auth-Token sein oder enthalten – einen eigenen erzeugen"
    )


@pytest.mark.parametrize("key", ["x", "kurz-aber-eigen", "a" * 40])
def test_an_explicit_weak_key_is_refused_in_simulation_too(monkeypatch, key):
    _simulation(monkeypatch, key)
    with pytest.raises(SettingsError, match="FLUXX_SECRET_KEY: zu schwach"):
        load_settings(_env_file=None)


def test_good_keys_start_in_both_modes_and_the_tests_own_key_is_one(monkeypatch):
    import secrets

    from tests.conftest import SECRET

    for key in (GOOD_KEY, SECRET, secrets.token_urlsafe(48), secrets.token_hex(16)):
        _production(monkeypatch, key)
        assert load_settings(_env_file=None).secret_key == key
        _simulation(monkeypatch, key)
        assert load_settings(_env_file=None).secret_key == key


def test_a_guessable_key_in_the_key_file_stops_start_up(tmp_path, monkeypatch):
    monkeypatch.delenv("FLUXX_SECRET_KEY", raising=False)
    (tmp_path / "secret").write_text("dev-only-not-secret" * 2 + "\n")
    monkeypatch.setenv("FLUXX_SECRET_KEY_FILE", str(tmp_path / "secret"))
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None)
    assert str(error.value) == (
        f"FLUXX_SECRET_KEY_FILE: {tmp_path / 'secret'} enthält keinen sicheren Schlüssel – die Datei löschen, "
        "beim nächsten Start wird ein zufälliger angelegt"
    )
