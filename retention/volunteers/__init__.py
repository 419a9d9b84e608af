"""Volunteers' share of retention: their SMS about a job go with its case; deactivated volunteers are anonymised."""
