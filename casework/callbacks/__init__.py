"""Call-back work: who calls a family back ("Ich rufe zurück") and how it went."""
