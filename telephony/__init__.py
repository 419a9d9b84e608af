"""Twilio webhooks, TwiML, the SMS gateway, opening hours and the simulator."""
