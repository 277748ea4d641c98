"""The race searches that `pytest explorer` collects: one test per variant and invariant group."""
