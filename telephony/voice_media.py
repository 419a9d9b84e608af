"""Voicemails play in the staff browser through this authenticated route, never from Twilio's URL.

Twilio's media needs our account credentials, and a browser must never see them or a Twilio address.
"""

from __future__ import annotations

import io
import math
import re
import struct
import wave

import httpx
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from casework.models import Call
from casework.web_support import actor
from fluxx.core import audit
from fluxx.core.settings import Settings
from fluxx.core.web import DB, CurrentStaff

router = APIRouter()
RECORDING_SID = re.compile(r"^RE[0-9a-zA-Z]{32}$")


def recording_media_url(settings: Settings, recording_sid: str) -> str:
    """Built from our settings and the SID alone, so a forged RecordingUrl can never point us elsewhere."""
    return f"{settings.twilio_api_url}/2010-04-01/Accounts/{settings.twilio_account_sid}/Recordings/{recording_sid}.mp3"


def fetch_recording(settings: Settings, recording_sid: str) -> bytes:
    with httpx.Client(
        auth=(settings.twilio_account_sid, settings.twilio_auth_token), timeout=10, follow_redirects=True
    ) as client:
        response = client.get(recording_media_url(settings, recording_sid))
        response.raise_for_status()
        return response.content


def simulated_recording(seconds: float = 1.5, rate: int = 8000) -> bytes:
    """Simulation mode has no real audio: a short tone stands in for the caller's message."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate))) for n in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


@router.get("/calls/{call_id}/voicemail")
def play_voicemail(request: Request, db: DB, staff: CurrentStaff, call_id: int) -> Response:
    call = db.get(Call, call_id)
    if call is None or not call.recording_sid:
        raise HTTPException(status_code=404, detail="Zu diesem Anruf gibt es keine Sprachnachricht.")
    settings: Settings = request.app.state.settings
    audit.record(
        db, actor(request, staff), action="call.voicemail", object_type="call", object_id=call.id,
        case_id=call.case_id,
    )  # fmt: skip
    if settings.simulation:
        return Response(simulated_recording(), media_type="audio/wav")
    if not RECORDING_SID.match(call.recording_sid):
        raise HTTPException(status_code=404, detail="Diese Aufnahme ist nicht abrufbar.")
    try:
        audio = fetch_recording(settings, call.recording_sid)
    except httpx.HTTPError:
        raise HTTPException(
            status_code=502, detail="Die Aufnahme ist gerade nicht abrufbar. Bitte später noch einmal versuchen."
        ) from None
    return Response(audio, media_type="audio/mpeg")
