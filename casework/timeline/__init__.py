"""A case's timeline: everything that happened in it, newest first."""
