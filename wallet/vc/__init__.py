"""Standards, pure and offline: JSON-LD, RDF canonicalization, keys, proof suites, checks."""

from wallet.vc import pyld_offline

pyld_offline.install()  # before any module here imports pyld
