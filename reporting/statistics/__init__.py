"""What the yearly statistics count: the rules, and their SQL twins."""
