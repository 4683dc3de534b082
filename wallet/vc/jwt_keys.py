"""Which keys may verify a JWT, and whom each is shown to belong to.

A key is *bound* to a controller when the identifier itself carries it (did:key, did:jwk)
or when the injected `KeySource` (a cached DID document or JWKS) lists it for the issuer.
A `jwk` header alone binds nothing: anyone can put their own key there, so it verifies the
bytes but the issuer check then fails, unless the issuer's identifier or keys hold it.
"""

from __future__ import annotations

from dataclasses import dataclass

from wallet.vc import did_jwk, did_key
from wallet.vc.jose import Jws, KeySource
from wallet.vc.jwk import Jwk


@dataclass(frozen=True)
class Candidate:
    key: Jwk
    controller: str | None  # None: the key is not shown to belong to anyone


def self_describing(identifier: str) -> tuple[str, Jwk] | None:
    """(DID, key) for a did:key or did:jwk (with or without its fragment)."""
    if identifier.startswith(did_key.PREFIX):
        method = did_key.resolve(identifier)
        return (method.controller, Jwk.from_public_key(method.public_key)) if method else None
    return did_jwk.resolve(identifier)


def candidates(jws: Jws, issuer: str | None, keys: KeySource) -> list[Candidate]:
    kid = jws.kid
    if kid and kid.startswith("#") and issuer:  # a fragment relative to the issuer's DID
        kid = issuer + kid
    found: list[Candidate] = []
    if kid and (described := self_describing(kid)):
        found.append(Candidate(described[1], described[0]))
    elif issuer:
        found += [Candidate(key, issuer) for key in keys(issuer, kid)]
        if not kid and (described := self_describing(issuer)):
            found.append(Candidate(described[1], described[0]))
    header_key = jws.header_jwk()
    if header_key is not None and not any(c.key == header_key for c in found):
        bound = issuer is not None and (
            (self_describing(issuer) or (None, None))[1] == header_key
            or header_key in keys(issuer, None)
        )
        found.append(Candidate(header_key, issuer if bound else None))
    return found
