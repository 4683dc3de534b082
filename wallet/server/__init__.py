"""The sync server (ASGI): stores sealed records per account, never plaintext."""
