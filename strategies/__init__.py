"""Hypothesis strategies: scenarios (app-level event sequences), faults, and schedules."""
