"""The sync client: this device against the untrusted server."""
