"""Undoing a closing or a "Kein Fall" shortly afterwards ("Fall 2026-000010 geschlossen — Rückgängig")."""
