"""The demo's calibrated history (`fluxx demo --from … --to … --seed-totals`): years of calls, cases, jobs,
hours and bills whose statistics are the seed's figures (DESIGN.md §1).

`network`: the partners and partner municipalities as they joined over the years; `plan`: the history as
pure data, its totals exact by construction; `rows`: the rows the real services would write for it;
`load`: writing it in short batches with a progress report.
"""
