"""Hours reported for assignments, effective-dated tariff rates, bills and their lines."""
