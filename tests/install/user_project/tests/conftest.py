"""The project's own Hypothesis profile, loaded as projects usually do."""

from hypothesis import settings

settings.register_profile("bank", max_examples=13)
settings.load_profile("bank")
