"""The Flet app: one screen per module, over `wallet.services` only (no crypto, no SQL)."""
