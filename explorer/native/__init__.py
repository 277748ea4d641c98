"""Native Trio execution: unmodified Trio code explored through Trio's own batch seam."""
