"""Cases, calls attached to cases, care jobs, hours, tariff, bills and statistics."""
