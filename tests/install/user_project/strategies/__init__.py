"""The user project's own Hypothesis strategies (a name race-explorer's checkout uses too).

Invariant: every scenario drawn here is a list of at least two positive deposits.
"""

from hypothesis import strategies as st

OWNER = "bank-user-project"

deposits = st.lists(st.integers(min_value=1, max_value=9), min_size=2, max_size=4)
