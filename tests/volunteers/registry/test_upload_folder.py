"""Uploaded lists (names and mobile numbers) wait in a private folder, readable by the service alone, and
are gone once confirmed or 30 minutes old."""

from __future__ import annotations

import os
import stat
import tempfile
from datetime import timedelta

import pytest

from core.models import StaffRole
from tests.factories import login, make_staff
from volunteers.imports import uploads

LIST = "Name;Mobil;Fähigkeiten;Gemeinden\r\nAnna Müller;0176 11111111;Kinder;Hannover\r\n".encode()


def mode(path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def system_temp(tmp_path, monkeypatch):
    """The system's temporary directory, as the service finds it (shared by every user of the machine)."""
    shared = tmp_path / "tmp"
    shared.mkdir(mode=0o777)
    shared.chmod(0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    return shared


def upload(client, token, data=LIST):
    return client.post("/volunteers/import", data={"csrf_token": token}, files={"file": ("liste.csv", data)})


def test_an_upload_waits_in_this_installations_private_folder_readable_by_the_service_alone(
    client, db, settings, system_temp
):
    token = login(client, make_staff(db, role=StaffRole.COORDINATOR))

    page = upload(client, token)

    assert page.status_code == 200
    folder = uploads.private_directory(settings.database_url)
    assert folder.parent == system_temp and str(os.getuid()) in folder.name
    assert folder != uploads.private_directory("sqlite:///andere-installation.db")
    assert mode(folder) == 0o700 and folder.lstat().st_uid == os.geteuid()
    files = sorted(folder.iterdir())
    assert [path.suffix for path in files] == [".bin", ".json"]
    assert [mode(path) for path in files] == [0o600, 0o600]
    assert files[0].read_bytes() == LIST


def test_a_confirmed_upload_is_deleted_and_old_ones_are_swept_on_upload_and_on_confirm(
    client, db, app, tmp_path, clock
):
    folder = tmp_path / "uploads"
    app.state.volunteer_uploads = folder
    token = login(client, make_staff(db, role=StaffRole.COORDINATOR))

    first = upload(client, token).text.split('name="token" value="')[1].split('"')[0]
    for minutes in (20, 11):
        clock.advance(minutes=minutes)
        client.get("/volunteers")  # stays logged in
    second = upload(client, token, LIST.replace(b"Anna", b"Anne")).text.split('name="token" value="')[1].split('"')[0]
    assert sorted(path.stem for path in folder.iterdir()) == [second, second]  # the first one swept

    third = upload(client, token, LIST.replace(b"0176 11111111", b"0176 22222222"))
    third_token = third.text.split('name="token" value="')[1].split('"')[0]
    clock.advance(minutes=29)
    client.get("/volunteers")
    confirmed = client.post("/volunteers/import/confirm", data={"csrf_token": token, "token": second, "mode": "all"})
    assert confirmed.status_code == 200 and "ehrenamtliche Person importiert." in confirmed.text  # the result page
    assert sorted(path.stem for path in folder.iterdir()) == [third_token, third_token]

    clock.advance(minutes=2)
    late = client.post("/volunteers/import/confirm", data={"csrf_token": token, "token": first, "mode": "all"})
    assert late.status_code == 410
    assert list(folder.iterdir()) == []  # the third one is 31 minutes old now: swept by the confirmation


def test_a_folder_open_to_others_is_closed_and_one_that_is_a_link_is_refused(tmp_path):
    folder = tmp_path / "offen"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    uploads.ensure_private(folder)
    assert mode(folder) == 0o700

    elsewhere = tmp_path / "woanders"
    elsewhere.mkdir()
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    with pytest.raises(uploads.NotPrivate):
        uploads.ensure_private(link)


def test_a_leftover_data_file_without_its_description_is_swept(tmp_path, clock):
    folder = tmp_path / "uploads"
    kept = uploads.keep(folder, staff_id=1, filename="liste.csv", data=LIST, now=clock())
    (folder / ("x" * 43 + ".bin")).write_bytes(b"Rest")

    uploads.sweep(folder, clock() + timedelta(minutes=1))

    assert sorted(path.name for path in folder.iterdir()) == [f"{kept.token}.bin", f"{kept.token}.json"]
