"""The user guide: Markdown pages the design site serves under ``guide/`` (package data)."""
