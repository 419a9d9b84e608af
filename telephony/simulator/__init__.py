"""The phone simulator ("Telefon-Simulator") for running without a Twilio account: calls and SMS inboxes."""
