"""Executable models of systems under test, written against the ``explorer`` runtime API."""
