"""W3C Verifiable Credential Data Integrity 1.0: what every proof suite shares.

Proof configuration, proof sets and chains, verification-method lookup, and the
"hash the canonical proof config, hash the canonical document, sign both" shape that the
RDFC suites (eddsa-rdfc-2022, ecdsa-rdfc-2019, Ed25519Signature2020) have in common.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from wallet.vc import did_key, jcs, multibase
from wallet.vc.did_key import VerificationMethod
from wallet.vc.errors import MalformedInput, MalformedProof
from wallet.vc.jsonld import to_rdf
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.rdfc import DEFAULT_LIMITS, Canonical, Limits, canonicalize

DATA_INTEGRITY_PROOF = "DataIntegrityProof"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
# The contexts that define DataIntegrityProof and the proof terms (created, cryptosuite...)
_PROOF_TERM_CONTEXTS = frozenset(
    {
        "https://www.w3.org/ns/credentials/v2",
        "https://w3id.org/security/data-integrity/v1",
        DATA_INTEGRITY_V2,
    }
)

KeyResolver = Callable[[str], VerificationMethod | None]


class ProofCode(StrEnum):
    """What verifying one proof found (catalog keys `reason.<code>`)."""

    VALID = "proof.valid"
    MISMATCH = "proof.mismatch"
    UNKNOWN_KEY = "proof.unknown-key"
    KEY_TYPE = "proof.key-type"
    PURPOSE = "proof.purpose"
    COUNT_MISMATCH = "proof.count-mismatch"
    BASE_MISMATCH = "proof.base-mismatch"
    ALTERED = "proof.altered"
    DISCLOSED_VALID = "proof.disclosed-valid"
    BASE_VALID = "proof.base-valid"
    JWS_FORM = "proof.jws-form"  # Ed25519Signature2018: not a detached, unencoded EdDSA JWS
    JWS_B64_CRITICAL = "proof.jws-b64-critical"  # RFC 7797: b64 must be marked critical


@dataclass(frozen=True)
class ProofResult:
    ok: bool
    code: ProofCode
    method: VerificationMethod | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def reason(self) -> dict[str, Any]:
        """As a nested message in a check's params."""
        return {"code": self.code.value, "params": self.params}


def resolve_offline(extra: dict[str, VerificationMethod] | None = None) -> KeyResolver:
    """did:key from the identifier itself; anything else only from keys we already hold
    (a trust bundle's cache, a test vector). Never the network."""
    known = dict(extra or {})

    def resolve(method_id: str) -> VerificationMethod | None:
        return known.get(method_id) or did_key.resolve(method_id)

    return resolve


def split_proofs(document: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The unsecured document and its proof set (a single proof is a set of one)."""
    if not isinstance(document, dict):
        raise MalformedInput("a credential must be a JSON object")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    proofs = document.get("proof", [])
    proofs = proofs if isinstance(proofs, list) else [proofs]
    if not all(isinstance(p, dict) for p in proofs):
        raise MalformedProof("each proof must be a JSON object")
    return unsecured, proofs


def document_for_proof(
    unsecured: dict[str, Any], proof: dict[str, Any], proof_set: list[dict[str, Any]]
) -> dict[str, Any]:
    """Data Integrity 4.3 step 5: a chained proof also signs the proofs it names."""
    previous = proof.get("previousProof")
    if previous is None:
        return unsecured
    wanted = previous if isinstance(previous, list) else [previous]
    matching = [p for p in proof_set if p.get("id") in wanted]
    if len(matching) != len(wanted):
        raise MalformedProof("previousProof names a proof that is not in the proof set")
    return {**unsecured, "proof": matching}


def proof_configuration(proof: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """The proof without its value, in the document's context (suite spec 3.x.5)."""
    if "@context" not in document:
        raise MalformedInput("the document has no @context")
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = document["@context"]
    return config


def with_proof_context(document: dict[str, Any]) -> dict[str, Any]:
    """VC-DI 1.0 section 2.4.1 (context injection): a document whose contexts do not map
    the Data Integrity terms (a VC 1.1 credential) is signed with the Data Integrity
    context appended, so the proof it carries means what its signer meant."""
    contexts = document.get("@context")
    listed = contexts if isinstance(contexts, list) else [contexts]
    if contexts is None or any(isinstance(c, str) and c in _PROOF_TERM_CONTEXTS for c in listed):
        return document
    return {**document, "@context": [*listed, DATA_INTEGRITY_V2]}


def check_created(proof: dict[str, Any]) -> None:
    created = proof.get("created")
    if created is not None and parse_datetime(created) is None:
        raise MalformedProof(f"proof 'created' is not an XML Schema dateTime: {created!r}")


_DATE_TIME_STAMP = re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def parse_datetime(value: Any) -> datetime | None:
    """xsd:dateTimeStamp (a timezone is required, VC 2.0 section 4.9); None if not one."""
    if not isinstance(value, str) or not _DATE_TIME_STAMP.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def format_datetime(moment: datetime) -> str:
    """xsd:dateTimeStamp in UTC to the second, the form credentials and proofs carry."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def canonical(document: dict[str, Any], limits: Limits = DEFAULT_LIMITS) -> Canonical:
    return canonicalize(to_rdf(document), limits)


def rdfc_hash_data(
    document: dict[str, Any], config: dict[str, Any], hash_name: str, limits: Limits
) -> bytes:
    """Suite spec "Hashing": H(canonical proof config) || H(canonical document)."""
    config_hash = hashlib.new(hash_name, canonical(config, limits).text().encode()).digest()
    document_hash = hashlib.new(hash_name, canonical(document, limits).text().encode()).digest()
    return config_hash + document_hash


def resolve_method(
    proof: dict[str, Any], resolver: KeyResolver, key_types: set[KeyType]
) -> VerificationMethod | ProofResult:
    method_id = proof.get("verificationMethod")
    if not isinstance(method_id, str):
        raise MalformedProof("proof has no verificationMethod")
    method = resolver(method_id)
    if method is None:
        return ProofResult(False, ProofCode.UNKNOWN_KEY, params={"key": method_id})
    if method.public_key.key_type not in key_types:
        key_type = str(method.public_key.key_type)
        return ProofResult(False, ProofCode.KEY_TYPE, params={"key_type": key_type})
    return method


Verifier = Callable[[dict[str, Any], dict[str, Any], KeyResolver, Limits], ProofResult]
# (unsecured document, proof options, key, mandatory pointers) -> the signed document
Signer = Callable[[dict[str, Any], dict[str, Any], KeyPair, list[str]], dict[str, Any]]


@dataclass(frozen=True)
class Suite:
    """One proof suite as the registry in `proofs` knows it: what proofs it answers for
    (type, and cryptosuite for a DataIntegrityProof), the keys it signs with, and how.
    `sign` is None for a suite this wallet only verifies."""

    proof_type: str
    cryptosuite: str | None
    key_types: frozenset[KeyType]
    verify: Verifier
    sign: Signer | None = None

    @property
    def name(self) -> str:
        return self.cryptosuite or self.proof_type


def whole_document(name: str, sign: Callable[..., dict[str, Any]]) -> Signer:
    """A suite that signs the whole document refuses mandatory pointers rather than
    silently ignore them: they belong to ecdsa-sd-2023."""

    def signer(
        document: dict[str, Any], proof: dict[str, Any], key: KeyPair, mandatory: list[str]
    ) -> dict[str, Any]:
        if mandatory:
            raise MalformedProof(f"{name} has no mandatory pointers; they belong to ecdsa-sd-2023")
        return sign(document, proof, key)

    return signer


@dataclass(frozen=True)
class RdfcSuite:
    """The RDFC suites differ only in key types, hash, and whether we may sign with them.
    Suite spec sections 3.x: transformation = RDFC-1.0, hashing = H(config) || H(document),
    proofValue = base58btc multibase of the signature."""

    key_types: frozenset[KeyType]
    hash_for: Callable[[KeyType], str]

    def verify(
        self,
        document: dict[str, Any],
        proof: dict[str, Any],
        resolver: KeyResolver,
        limits: Limits,
    ) -> ProofResult:
        check_created(proof)
        proof_value = proof.get("proofValue")
        if not isinstance(proof_value, str) or not proof_value.startswith("z"):
            raise MalformedProof("proofValue must be a base58btc multibase string ('z...')")
        signature = multibase.decode(proof_value)
        method = resolve_method(proof, resolver, set(self.key_types))
        if isinstance(method, ProofResult):
            return method
        hash_name = self.hash_for(method.public_key.key_type)
        data = rdfc_hash_data(document, proof_configuration(proof, document), hash_name, limits)
        if method.public_key.verify(signature, data):
            return ProofResult(True, ProofCode.VALID, method)
        return ProofResult(False, ProofCode.MISMATCH, method)

    def sign(
        self,
        document: dict[str, Any],
        proof: dict[str, Any],
        key: KeyPair,
        limits: Limits = DEFAULT_LIMITS,
    ) -> dict[str, Any]:
        """Add a proof whose options are already filled in; returns a new document."""
        hash_name = self.hash_for(key.public.key_type)
        data = rdfc_hash_data(document, proof_configuration(proof, document), hash_name, limits)
        signed = copy.deepcopy(document)
        signed["proof"] = {**proof, "proofValue": multibase.encode_base58btc(key.sign(data))}
        return signed


def jcs_hash_data(document: dict[str, Any], proof: dict[str, Any], hash_name: str) -> bytes:
    """The JCS suites' hashing (VC-DI-EdDSA 3.3.4-3.3.5, VC-DI-ECDSA 3.4.4-3.4.5): the proof
    configuration, in the document's @context, and the document, each JCS-canonicalized
    and hashed, configuration first."""
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in document:
        config["@context"] = document["@context"]
    return (
        hashlib.new(hash_name, jcs.canonicalize(config)).digest()
        + hashlib.new(hash_name, jcs.canonicalize(document)).digest()
    )


@dataclass(frozen=True)
class JcsSuite:
    """The JCS suites (eddsa-jcs-2022, ecdsa-jcs-2019) differ only in key types and hash:
    no JSON-LD processing, so plain signed JSON needs no bundled context."""

    name: str
    key_types: frozenset[KeyType]
    hash_for: Callable[[KeyType], str]

    def verify(
        self, document: dict[str, Any], proof: dict[str, Any], resolver: KeyResolver, _: Limits
    ) -> ProofResult:
        check_created(proof)
        proof_value = proof.get("proofValue")
        if not isinstance(proof_value, str) or not proof_value.startswith("z"):
            raise MalformedProof("proofValue must be a base58btc multibase string ('z...')")
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        if "@context" in options:
            # Verify Proof step 4: the proof's @context must open the document's, and is
            # the one the configuration was signed in
            signed_in = options["@context"]
            signed_in = signed_in if isinstance(signed_in, list) else [signed_in]
            held = document.get("@context")
            held = held if isinstance(held, list) else [held]
            if held[: len(signed_in)] != signed_in:
                return ProofResult(False, ProofCode.MISMATCH)
            document = {**document, "@context": options["@context"]}
        method = resolve_method(proof, resolver, set(self.key_types))
        if isinstance(method, ProofResult):
            return method
        data = jcs_hash_data(document, options, self.hash_for(method.public_key.key_type))
        if method.public_key.verify(multibase.decode(proof_value), data):
            return ProofResult(True, ProofCode.VALID, method)
        return ProofResult(False, ProofCode.MISMATCH, method)

    def sign(self, document: dict[str, Any], proof: dict[str, Any], key: KeyPair) -> dict[str, Any]:
        if key.public.key_type not in self.key_types:
            raise MalformedProof(f"{self.name} cannot sign with a {key.public.key_type} key")
        if "@context" in document:
            # VC-DI-ECDSA "Create Proof (ecdsa-jcs-2019)" step 2, eddsa-jcs-2022 alike: the proof
            # carries the context it was signed in, so a later proof in a set may add contexts
            proof = {**proof, "@context": copy.deepcopy(document["@context"])}
        signature = key.sign(jcs_hash_data(document, proof, self.hash_for(key.public.key_type)))
        signed = copy.deepcopy(document)
        signed["proof"] = {**proof, "proofValue": multibase.encode_base58btc(signature)}
        return signed

    def suite(self) -> Suite:
        return Suite(
            DATA_INTEGRITY_PROOF,
            self.name,
            self.key_types,
            self.verify,
            whole_document(self.name, self.sign),
        )
