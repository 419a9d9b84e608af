"""Case work: cases, calls, call-backs, care jobs, search, reference data, the timeline and the staff pages.

One sub-package per sub-domain, each with the same module names: `rules` (pure), `service`, `forms`,
`models`, `views` (routes). `enums` is the shared vocabulary with the German labels.
"""
