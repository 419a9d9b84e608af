"""The volunteer registry, matching, SMS outreach waves, reply handling and assignment."""
