"""The Textual app: a thin view over the core's session (see app.py)."""
