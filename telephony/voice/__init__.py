"""Calls at the edge: Twilio's voice webhooks, the TwiML they answer, what callers hear, the IVR's rules."""
