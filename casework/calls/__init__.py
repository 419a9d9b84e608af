"""Calls attached to cases: one per Twilio call, status history, accepting, voicemail, "no case"."""
