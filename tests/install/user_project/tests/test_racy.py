"""The racy account: a known race, so the search is a strict xfail and writes its report."""

import explorer
from models import bank
from strategies import deposits


@explorer.search(bank.MODEL, "racy", scenarios=deposits, max_examples=800,
                 expect={"violation:no_lost_deposit": "read and write are not atomic"})
def test_racy_deposits_are_lost(exploration: explorer.Exploration) -> None:
    pass
