"""Messaging infrastructure: the SMS outbox, the gateway to Twilio's REST API, delivery statuses, the texts.

Below the domains: volunteers and case work may queue SMS here; it imports none of them.
"""
