"""Counselling cases: opening with a yearly number, the status machine, documenting, notes, the case pages."""
