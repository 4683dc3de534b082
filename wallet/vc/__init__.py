"""Standards, pure and offline: JSON-LD, RDF canonicalization, keys, proof suites, checks."""
