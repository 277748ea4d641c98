"""The user project's own models (a name race-explorer's checkout uses too).

Invariant: ``OWNER`` names this project, so a test can tell whose ``models`` it imported.
"""

OWNER = "bank-user-project"
