"""Insight beyond stepping: lint, occupancy, critical path, the source map, origin/uses and
trace export. Pure analyses over a program (and, for origin/uses and export, over a run's
history); the session and the views call them, they know nothing of either."""
