"""Twilio at the edge (`voice`, `sms`, `simulator`, `webhooks`) and the SMS outbox beneath the domains (`outbox`)."""
