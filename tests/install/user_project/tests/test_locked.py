"""The locked account: a search that finds nothing, so it writes nothing."""

import explorer
from models import bank
from strategies import deposits


@explorer.search(bank.MODEL, "locked", scenarios=deposits, max_examples=100)
def test_locked_deposits_are_never_lost(exploration: explorer.Exploration) -> None:
    assert exploration.examples == 13  # the project's profile: 13 of 100 examples
