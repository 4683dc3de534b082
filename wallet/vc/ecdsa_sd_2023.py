"""ecdsa-sd-2023: selective disclosure with ECDSA P-256 (W3C VC-DI-ECDSA, section 3.4-3.6).

The issuer signs each non-mandatory statement with a proof-scoped key and binds that key,
the proof options and the mandatory statements with one base signature. The holder then
reveals any subset of statements by copying their signatures into a derived proof.

Blank node labels are HMAC'd (section 3.4.4) so a derived proof does not leak the shape of
what was withheld. Names of functions below follow the spec's algorithm names.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pyld.nquads import serialize_nquad

from wallet.vc import cbor, json_pointer, multibase
from wallet.vc.data_integrity import (
    DATA_INTEGRITY_PROOF,
    KeyResolver,
    ProofCode,
    ProofResult,
    Suite,
    check_created,
    proof_configuration,
    resolve_method,
)
from wallet.vc.did_key import VerificationMethod
from wallet.vc.errors import MalformedProof
from wallet.vc.jsonld import Dataset, compact, expand, to_rdf
from wallet.vc.multikey import KeyPair, KeyType, PublicKey
from wallet.vc.rdfc import DEFAULT_LIMITS, Limits, canonicalize

NAME = "ecdsa-sd-2023"
BASE_HEADER = b"\xd9\x5d\x00"
DERIVED_HEADER = b"\xd9\x5d\x01"
_SKOLEM_PREFIX = "urn:custom-scheme:"

LabelMapFactory = Callable[[dict[str, str]], dict[str, str]]


# --- selective disclosure primitives (section 3.4) ---------------------------------------


def create_hmac_label_map_factory(hmac_key: bytes) -> LabelMapFactory:
    """3.4.4: canonical label -> "u" + base64url(HMAC-SHA256(label))."""

    def factory(canonical_id_map: dict[str, str]) -> dict[str, str]:
        return {
            source: "u"
            + multibase.b64url_encode(hmac.new(hmac_key, label.encode(), hashlib.sha256).digest())
            for source, label in canonical_id_map.items()
        }

    return factory


def create_label_map_factory(label_map: dict[str, str]) -> LabelMapFactory:
    """3.4.3: canonical label -> the label the issuer signed, as the derived proof says."""

    def factory(canonical_id_map: dict[str, str]) -> dict[str, str]:
        try:
            return {source: label_map[label] for source, label in canonical_id_map.items()}
        except KeyError as exc:
            raise MalformedProof(f"derived proof has no label for blank node {exc}") from None

    return factory


def _quads(dataset: Dataset) -> list[dict[str, Any]]:
    quads = []
    for graph_name, triples in dataset.items():
        for triple in triples:
            quad = dict(triple)
            if graph_name != "@default":
                kind = "blank node" if graph_name.startswith("_:") else "IRI"
                quad["name"] = {"type": kind, "value": graph_name}
            quads.append(quad)
    return quads


def _nquads(quads: Iterable[dict[str, Any]], relabel: dict[str, str]) -> list[str]:
    """3.4.14 relabelBlankNodes, on parsed statements so literals are never touched."""
    lines = []
    for quad in quads:
        renamed = dict(quad)
        for position in ("subject", "object", "name"):
            component = quad.get(position)
            if component and component["type"] == "blank node":
                label = "_:" + relabel[component["value"][2:]]
                renamed[position] = {"type": "blank node", "value": label}
        lines.append(serialize_nquad(renamed))
    return lines


def label_replacement_canonicalize(
    dataset: Dataset, factory: LabelMapFactory, limits: Limits
) -> tuple[list[str], dict[str, str]]:
    """3.4.1: canonicalize, then swap canonical labels for the factory's labels."""
    canonical = canonicalize(dataset, limits)
    label_map = factory(canonical.id_map)
    by_canonical = {canonical.id_map[source]: label for source, label in label_map.items()}
    return sorted(_nquads(canonical.quads, by_canonical)), label_map


def skolemize_expanded(expanded: Any, random_string: str, counter: list[int]) -> Any:
    """3.4.7 skolemizeExpandedJsonLd: every node object gets an id we can find again."""
    result = []
    for element in expanded:
        if not isinstance(element, dict) or "@value" in element:
            result.append(copy.deepcopy(element))
            continue
        node: dict[str, Any] = {}
        for prop, value in element.items():
            if isinstance(value, list):
                node[prop] = skolemize_expanded(value, random_string, counter)
            else:
                node[prop] = skolemize_expanded([value], random_string, counter)[0]
        node_id = node.get("@id")
        if node_id is None:
            node["@id"] = f"{_SKOLEM_PREFIX}_{random_string}_{counter[0]}"
            counter[0] += 1
        elif isinstance(node_id, str) and node_id.startswith("_:"):
            node["@id"] = _SKOLEM_PREFIX + node_id[2:]
        result.append(node)
    return result


def to_deskolemized_dataset(document: dict[str, Any]) -> Dataset:
    """3.4.9 toDeskolemizedNQuads, on the parsed dataset rather than on text."""
    dataset = to_rdf(document)
    for triples in dataset.values():
        for triple in triples:
            for position in ("subject", "object"):
                component = triple[position]
                if component["type"] == "IRI" and component["value"].startswith(_SKOLEM_PREFIX):
                    triple[position] = {
                        "type": "blank node",
                        "value": "_:" + component["value"][len(_SKOLEM_PREFIX) :],
                    }
    return dataset


def _initial_selection(source: dict[str, Any]) -> dict[str, Any]:
    """3.4.11 createInitialSelection: keep non-blank ids and every type on the path."""
    selection: dict[str, Any] = {}
    source_id = source.get("id")
    if isinstance(source_id, str) and not source_id.startswith("_:"):
        selection["id"] = source_id
    if "type" in source:
        selection["type"] = source["type"]
    return selection


_HOLE = object()


def select_json_ld(pointers: Iterable[str], document: dict[str, Any]) -> dict[str, Any] | None:
    """3.4.13 selectJsonLd: the part of a compact document that the pointers reach."""
    pointers = list(pointers)
    if not pointers:
        return None
    arrays: list[list[Any]] = []
    selection = _initial_selection(document)
    selection["@context"] = copy.deepcopy(document["@context"])
    for pointer in pointers:
        _select_paths(json_pointer.parse(pointer), pointer, document, selection, arrays)
    for array in arrays:
        array[:] = [item for item in array if item is not _HOLE]
    return selection


def _select_paths(
    paths: list[str | int],
    pointer: str,
    document: dict[str, Any],
    selection: dict[str, Any],
    arrays: list[list[Any]],
) -> None:
    """3.4.12 selectPaths."""
    value: Any = document
    selected_parent: Any = selection
    selected_value: Any = selection
    for path in paths:
        selected_parent = selected_value
        value = json_pointer.step(value, path, pointer)
        selected_value = _get(selected_parent, path)
        if selected_value is _HOLE:
            if isinstance(value, list):
                selected_value = []
                arrays.append(selected_value)
            else:
                selected_value = _initial_selection(value) if isinstance(value, dict) else {}
            _set(selected_parent, path, selected_value)
    if isinstance(value, dict):
        selected_value = {**selected_value, **copy.deepcopy(value)}
    else:
        selected_value = copy.deepcopy(value)
    _set(selected_parent, paths[-1], selected_value)


def _get(container: Any, path: str | int) -> Any:
    if isinstance(container, list):
        return container[path] if isinstance(path, int) and path < len(container) else _HOLE
    return container.get(str(path), _HOLE)


def _set(container: Any, path: str | int, value: Any) -> None:
    if isinstance(container, list):
        assert isinstance(path, int)
        container.extend([_HOLE] * (path + 1 - len(container)))
        container[path] = value
    else:
        container[str(path)] = value


@dataclass(frozen=True)
class Group:
    matching: dict[int, str]
    non_matching: dict[int, str]
    deskolemized: Dataset | None


@dataclass(frozen=True)
class Grouped:
    groups: dict[str, Group]
    label_map: dict[str, str]
    nquads: list[str]


def canonicalize_and_group(
    document: dict[str, Any],
    factory: LabelMapFactory,
    group_definitions: dict[str, list[str]],
    limits: Limits = DEFAULT_LIMITS,
) -> Grouped:
    """3.4.15 canonicalizeAndGroup."""
    skolemized_expanded = skolemize_expanded(expand(document), secrets.token_hex(8), [0])
    skolemized_compact = compact(skolemized_expanded, document["@context"])
    nquads, label_map = label_replacement_canonicalize(
        to_deskolemized_dataset(skolemized_compact), factory, limits
    )
    groups = {}
    for name, pointers in group_definitions.items():
        selection = select_json_ld(pointers, skolemized_compact)
        deskolemized = to_deskolemized_dataset(selection) if selection is not None else None
        selected = set(_nquads(_quads(deskolemized), label_map)) if deskolemized else set()
        matching = {i: q for i, q in enumerate(nquads) if q in selected}
        non_matching = {i: q for i, q in enumerate(nquads) if q not in selected}
        groups[name] = Group(matching, non_matching, deskolemized)
    return Grouped(groups, label_map, nquads)


def hash_mandatory(mandatory: Iterable[str]) -> bytes:
    """3.4.16 hashMandatoryNQuads."""
    return hashlib.sha256("".join(mandatory).encode()).digest()


# --- proof values (section 3.5) ------------------------------------------------------------


@dataclass(frozen=True)
class BaseProofValue:
    base_signature: bytes
    public_key: bytes  # multikey bytes of the proof-scoped P-256 key
    hmac_key: bytes
    signatures: list[bytes]
    mandatory_pointers: list[str]

    def serialize(self) -> str:
        """3.5.2 serializeBaseProofValue."""
        components = [
            self.base_signature,
            self.public_key,
            self.hmac_key,
            self.signatures,
            self.mandatory_pointers,
        ]
        return multibase.encode_base64url(BASE_HEADER + cbor.encode(components))

    @classmethod
    def parse(cls, proof_value: Any) -> BaseProofValue:
        """3.5.3 parseBaseProofValue, checking the shapes the spec implies."""
        components = _decode_components(proof_value, BASE_HEADER, "base")
        base_signature, public_key, hmac_key, signatures, pointers = components
        if not (
            _is_bytes(base_signature, 64)
            and _is_bytes(public_key, 35)
            and _is_bytes(hmac_key, 32)
            and isinstance(signatures, list)
            and all(_is_bytes(s, 64) for s in signatures)
            and isinstance(pointers, list)
            and all(isinstance(p, str) for p in pointers)
        ):
            raise MalformedProof("ecdsa-sd-2023 base proof value has the wrong shape")
        return cls(base_signature, public_key, hmac_key, signatures, pointers)


@dataclass(frozen=True)
class DerivedProofValue:
    base_signature: bytes
    public_key: bytes
    signatures: list[bytes]
    label_map: dict[str, str]  # verifier's canonical label -> HMAC label, both without "_:"
    mandatory_indexes: list[int]

    def serialize(self) -> str:
        """3.5.7 serializeDerivedProofValue, with 3.5.5 compressLabelMap."""
        compressed = {
            int(k.removeprefix("c14n")): multibase.b64url_decode(v[1:])
            for k, v in self.label_map.items()
        }
        components = [
            self.base_signature,
            self.public_key,
            self.signatures,
            compressed,
            self.mandatory_indexes,
        ]
        return multibase.encode_base64url(DERIVED_HEADER + cbor.encode(components))

    @classmethod
    def parse(cls, proof_value: Any) -> DerivedProofValue:
        """3.5.8 parseDerivedProofValue, with 3.5.6 decompressLabelMap."""
        components = _decode_components(proof_value, DERIVED_HEADER, "derived")
        base_signature, public_key, signatures, compressed, indexes = components
        if not (
            _is_bytes(base_signature, 64)
            and _is_bytes(public_key, 35)
            and isinstance(signatures, list)
            and all(_is_bytes(s, 64) for s in signatures)
            and isinstance(compressed, dict)
            and all(isinstance(k, int) and _is_bytes(v, 32) for k, v in compressed.items())
            and isinstance(indexes, list)
            and all(isinstance(i, int) for i in indexes)
        ):
            raise MalformedProof("ecdsa-sd-2023 derived proof value has the wrong shape")
        label_map = {f"c14n{k}": "u" + multibase.b64url_encode(v) for k, v in compressed.items()}
        return cls(base_signature, public_key, signatures, label_map, indexes)


def _is_bytes(value: Any, length: int) -> bool:
    return isinstance(value, bytes) and len(value) == length


def _decode_components(proof_value: Any, header: bytes, kind: str) -> list[Any]:
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise MalformedProof("ecdsa-sd-2023 proofValue must be base64url multibase ('u')")
    raw = multibase.decode(proof_value)
    if not raw.startswith(header):
        raise MalformedProof(f"ecdsa-sd-2023 proofValue is not a {kind} proof")
    components = cbor.decode(raw[len(header) :])
    if not isinstance(components, list) or len(components) != 5:
        raise MalformedProof(f"ecdsa-sd-2023 {kind} proof value must hold five components")
    return components


def is_base_proof(proof: dict[str, Any]) -> bool:
    value = proof.get("proofValue")
    return isinstance(value, str) and multibase.decode(value).startswith(BASE_HEADER)


# --- the suite (section 3.6) ---------------------------------------------------------------


def proof_hash(document: dict[str, Any], proof: dict[str, Any], limits: Limits) -> bytes:
    config = proof_configuration(proof, document)
    text = canonicalize(to_rdf(config), limits).text()
    return hashlib.sha256(text.encode()).digest()


def create_base_proof_value(
    document: dict[str, Any],
    proof: dict[str, Any],
    key: KeyPair,
    mandatory_pointers: list[str],
    *,
    hmac_key: bytes,
    proof_scoped_key: KeyPair,
    limits: Limits = DEFAULT_LIMITS,
) -> BaseProofValue:
    """3.6.1-3.6.5 with every random input given, so the known-answer tests can pin them."""
    grouped = canonicalize_and_group(
        document,
        create_hmac_label_map_factory(hmac_key),
        {"mandatory": mandatory_pointers},
        limits,
    )
    mandatory = grouped.groups["mandatory"]
    public_key = proof_scoped_key.public.multicodec()
    to_sign = (
        proof_hash(document, proof, limits)
        + public_key
        + hash_mandatory(mandatory.matching.values())
    )
    return BaseProofValue(
        base_signature=key.sign(to_sign),
        public_key=public_key,
        hmac_key=hmac_key,
        signatures=[proof_scoped_key.sign(q.encode()) for q in mandatory.non_matching.values()],
        mandatory_pointers=list(mandatory_pointers),
    )


def sign(
    document: dict[str, Any],
    proof: dict[str, Any],
    key: KeyPair,
    mandatory_pointers: list[str],
) -> dict[str, Any]:
    """Add a base proof. The HMAC key and proof-scoped key are fresh and then forgotten."""
    if key.public.key_type is not KeyType.P256:
        raise MalformedProof("ecdsa-sd-2023 needs a P-256 issuer key")
    value = create_base_proof_value(
        document,
        proof,
        key,
        mandatory_pointers,
        hmac_key=secrets.token_bytes(32),
        proof_scoped_key=KeyPair.generate(KeyType.P256),
    )
    signed = copy.deepcopy(document)
    signed["proof"] = {**proof, "proofValue": value.serialize()}
    return signed


@dataclass(frozen=True)
class DisclosureData:
    value: DerivedProofValue
    reveal_document: dict[str, Any]


def create_disclosure_data(
    document: dict[str, Any],
    proof: dict[str, Any],
    selective_pointers: list[str],
    limits: Limits = DEFAULT_LIMITS,
) -> DisclosureData:
    """3.5.4 createDisclosureData."""
    base = BaseProofValue.parse(proof.get("proofValue"))
    combined_pointers = base.mandatory_pointers + list(selective_pointers)
    grouped = canonicalize_and_group(
        document,
        create_hmac_label_map_factory(base.hmac_key),
        {
            "mandatory": base.mandatory_pointers,
            "selective": list(selective_pointers),
            "combined": combined_pointers,
        },
        limits,
    )
    mandatory = grouped.groups["mandatory"].matching
    selective = grouped.groups["selective"].matching
    combined = grouped.groups["combined"]
    mandatory_indexes = [
        relative for relative, absolute in enumerate(combined.matching) if absolute in mandatory
    ]
    non_mandatory = [i for i in range(len(grouped.nquads)) if i not in mandatory]
    if len(non_mandatory) != len(base.signatures):
        raise MalformedProof("base proof signature count does not match the document")
    signatures = [
        signature
        for index, signature in zip(non_mandatory, base.signatures, strict=True)
        if index in selective
    ]
    reveal_document = select_json_ld(combined_pointers, document)
    if reveal_document is None or combined.deskolemized is None:
        raise MalformedProof("nothing to reveal: no mandatory or selective pointers")
    canonical_id_map = canonicalize(combined.deskolemized, limits).id_map
    verifier_label_map = {
        verifier_label: grouped.label_map[input_label]
        for input_label, verifier_label in canonical_id_map.items()
    }
    value = DerivedProofValue(
        base.base_signature, base.public_key, signatures, verifier_label_map, mandatory_indexes
    )
    return DisclosureData(value, reveal_document)


def derive(document: dict[str, Any], selective_pointers: list[str]) -> dict[str, Any]:
    """3.6.6 Add Derived Proof: reveal the mandatory statements plus the selected ones."""
    proofs = document.get("proof")
    proof = proofs if isinstance(proofs, dict) else None
    if proof is None or proof.get("cryptosuite") != NAME or not is_base_proof(proof):
        raise MalformedProof("the credential has no ecdsa-sd-2023 base proof to derive from")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    disclosure = create_disclosure_data(unsecured, proof, selective_pointers)
    derived = disclosure.reveal_document
    derived["proof"] = {**proof, "proofValue": disclosure.value.serialize()}
    return derived


def _verify_statements(
    method: VerificationMethod,
    proof_hash: bytes,
    public_key_bytes: bytes,
    base_signature: bytes,
    mandatory: Iterable[str],
    non_mandatory: list[str],
    signatures: list[bytes],
    success: ProofCode,
) -> ProofResult:
    """3.6.7 steps 4-8, shared by base and derived proofs."""
    if len(signatures) != len(non_mandatory):
        return ProofResult(False, ProofCode.COUNT_MISMATCH, method)
    scoped_key = PublicKey.from_multicodec(public_key_bytes)
    if scoped_key.key_type is not KeyType.P256:
        raise MalformedProof("ecdsa-sd-2023 proof-scoped key must be P-256")
    to_verify = proof_hash + public_key_bytes + hash_mandatory(mandatory)
    if not method.public_key.verify(base_signature, to_verify):
        return ProofResult(False, ProofCode.BASE_MISMATCH, method)
    for statement, signature in zip(non_mandatory, signatures, strict=True):
        if not scoped_key.verify(signature, statement.encode()):
            return ProofResult(False, ProofCode.ALTERED, method)
    return ProofResult(True, success, method)


def verify(
    document: dict[str, Any], proof: dict[str, Any], resolver: KeyResolver, limits: Limits
) -> ProofResult:
    """3.6.7 Verify Derived Proof. A base proof is checked too, so a holder can confirm a
    credential on receipt: it is the derivation that reveals everything."""
    check_created(proof)
    method = resolve_method(proof, resolver, {KeyType.P256})
    if isinstance(method, ProofResult):
        return method
    proof_value = proof.get("proofValue")
    if isinstance(proof_value, str) and multibase.decode(proof_value).startswith(BASE_HEADER):
        return _verify_base(document, proof, method, limits)
    derived = DerivedProofValue.parse(proof_value)
    nquads, _ = label_replacement_canonicalize(
        to_rdf(document), create_label_map_factory(derived.label_map), limits
    )
    wanted = set(derived.mandatory_indexes)
    if any(i < 0 or i >= len(nquads) for i in wanted):
        raise MalformedProof("derived proof names a mandatory statement that does not exist")
    return _verify_statements(
        method,
        proof_hash(document, proof, limits),
        derived.public_key,
        derived.base_signature,
        [q for i, q in enumerate(nquads) if i in wanted],
        [q for i, q in enumerate(nquads) if i not in wanted],
        derived.signatures,
        ProofCode.DISCLOSED_VALID,
    )


def _verify_base(
    document: dict[str, Any], proof: dict[str, Any], method: VerificationMethod, limits: Limits
) -> ProofResult:
    base = BaseProofValue.parse(proof.get("proofValue"))
    grouped = canonicalize_and_group(
        document,
        create_hmac_label_map_factory(base.hmac_key),
        {"mandatory": base.mandatory_pointers},
        limits,
    )
    mandatory = grouped.groups["mandatory"]
    return _verify_statements(
        method,
        proof_hash(document, proof, limits),
        base.public_key,
        base.base_signature,
        mandatory.matching.values(),
        list(mandatory.non_matching.values()),
        base.signatures,
        ProofCode.BASE_VALID,
    )


# signs base proofs; verifies base and derived proofs
SUITE = Suite(DATA_INTEGRITY_PROOF, NAME, frozenset({KeyType.P256}), verify, sign)
