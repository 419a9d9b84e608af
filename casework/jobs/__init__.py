"""Care jobs (Einsätze) of a case: the job form, short SMS codes, creating, editing, cancelling."""
