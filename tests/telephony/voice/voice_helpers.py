"""Reading TwiML answers in tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any


def twiml_of(response: Any) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.text)
    assert root.tag == "Response"
    return root


def spoken(root: ET.Element) -> str:
    """All text the caller hears, in order."""
    return " ".join(say.text or "" for say in root.iter("Say"))


def verbs(root: ET.Element) -> list[str]:
    return [child.tag for child in root]
