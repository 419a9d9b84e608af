"""Errors a service raises for the web layer to answer; no web framework here, the app maps them."""

from __future__ import annotations


class NotFound(LookupError):
    """The record a request names does not exist; answered 404 with this German message."""
