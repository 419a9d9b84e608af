"""Twilio at the edge: the voice and SMS webhooks (`voice`, `sms`, `webhooks`) and the phone simulator."""
