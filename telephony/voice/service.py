"""Voicemail audio for the staff browser, fetched by us, never from Twilio's URL in the browser.

Twilio's media needs our account credentials, and a browser must never see them or a Twilio address.
The authenticated route that plays it is in `telephony.voice.views`.
"""

from __future__ import annotations

import io
import math
import re
import struct
import wave

import httpx

from core.settings import Settings

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
