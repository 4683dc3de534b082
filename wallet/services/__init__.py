"""What a user does (issue, hold, verify). The CLI, the UI and the server call these."""
