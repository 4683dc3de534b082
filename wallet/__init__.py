"""Offline-first learner wallet: Open Badges 3.0 / W3C Verifiable Credentials."""

__version__ = "0.1.0"
