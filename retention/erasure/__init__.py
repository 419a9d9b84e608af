"""Erasure on request (Art. 17 DSGVO): everything found about a person anonymised or deleted at once, except what
a kept bill needs."""
