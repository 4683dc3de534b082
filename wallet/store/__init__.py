"""The encrypted vault: SQLite records under a data key the user holds."""
