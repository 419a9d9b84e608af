"""SMS at the edge: Twilio's SMS webhooks, dispatching inbound texts to their domain, the staff message log."""
