"""Post form bodies to our /twilio/* webhooks exactly as Twilio does: form-encoded and signed."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from core.settings import Settings
from telephony.webhooks import sign

ACCOUNT_SID = "AC" + "0" * 32
HOTLINE = "+4951116832110"


def post_signed(client: TestClient, settings: Settings, path: str, params: dict[str, str], *, query: str = "") -> Any:
    """POST `params` to `path` with a valid X-Twilio-Signature for FLUXX_PUBLIC_BASE_URL + path + query."""
    target = path + (f"?{query}" if query else "")
    signature = sign(settings.webhook_auth_token, settings.public_base_url + target, params)
    return client.post(target, data=params, headers={"X-Twilio-Signature": signature})


def voice_params(call_sid: str, **extra: str) -> dict[str, str]:
    """The parameters Twilio sends with every voice request, plus the step's own."""
    params = {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "CallStatus": "ringing",
        "Called": HOTLINE,
        "Caller": "+4951112345678",
        "Direction": "inbound",
        "From": "+4951112345678",
        "FromCountry": "DE",
        "To": HOTLINE,
        "ToCountry": "DE",
    }
    params.update(extra)
    return params
