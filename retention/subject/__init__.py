"""Requests of a data subject (DSGVO Art. 15 and 17): everything held about a phone number, an e-mail address or a
name on one page, exported as PDF and JSON, and erased on request except what a kept bill needs."""
