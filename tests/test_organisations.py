"""Organisations, trainer authorisations, the issuance log and the trust bundle, piece by
piece: the invalid cases a verifier must name, a tampered log refused by the real server
with the position of the break, and bundles and their updates that cannot be forged."""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import (
    ORG_NAME,
    PUMP,
    Clock,
    chain,
    english,
    new_backpack,
    post,
    trainer_in,
)
from tests.support import ORGANISATION_NOW as NOW
from wallet.protocol import issuance_log
from wallet.services.issuer import signing as issuer
from wallet.services.issuer.organisation import Organisation, OrganisationError
from wallet.services.issuer.trainer import ISSUER_KEY, Template, Trainer, open_badge
from wallet.services.learner.backpack import load_key
from wallet.store import kdf
from wallet.vc import did_key, ecdsa_sd_2023, trust_bundle
from wallet.vc.errors import MalformedInput
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.vc_data_model import NonConformingCredential, Rule, problem
from wallet.vc.verification import verify_credential

LATRINE = "urn:example:achievement:latrine-siting"


@dataclass
class Field:
    organisation: Organisation
    trainer: Trainer
    clock: Clock

    def bundle(self) -> trust_bundle.TrustBundle:
        published = self.organisation.publish(datetime.fromtimestamp(self.clock.now, UTC))
        checked = trust_bundle.apply(None, published, self.organisation.did)
        return trust_bundle.TrustBundle.read(checked)


@pytest.fixture
def field(tmp_path: Path) -> Field:
    clock = Clock()
    clock.now = NOW.timestamp()
    organisation = Organisation.create(
        tmp_path / "org.json", "org pass", name=ORG_NAME, kdf_params=kdf.KdfParams.minimum()
    )
    trainer = trainer_in(tmp_path / "trainer", clock, "Amina")
    granted = organisation.authorize(
        trainer.profile()["did"], [PUMP], NOW + timedelta(days=30), NOW
    )
    trainer.accept_authorization(granted)
    trainer.save_template(
        "Borehole pump care", "Services a hand pump.", "Observed.", template_id=PUMP
    )
    trainer.save_template("Latrine siting", "Sites a latrine.", "Observed.", template_id=LATRINE)
    return Field(organisation, trainer, clock)


def signed_by(trainer: Trainer, achievement: str, valid_from: datetime) -> dict[str, Any]:
    """What a tampered device could sign, bypassing its own checks: the verifier must not
    rely on the trainer's app to keep to its authorisation."""
    document = open_badge(
        issuer_name=ORG_NAME,
        template=Template(achievement, "Some badge", "What it is", "What it takes"),
        recipient="Learner",
        now=valid_from,
    )
    key = load_key(trainer.vault, ISSUER_KEY, trainer.profile()["did"])
    return issuer.issue(document, key, ecdsa_sd_2023.NAME, created=valid_from)


def test_a_trainers_badge_chains_to_the_organisation(field: Field) -> None:
    issued = field.trainer.issue(PUMP, "Learner One")
    verdict = field.bundle().judge(issued.credential, NOW + timedelta(days=1))
    assert verdict is not None and verdict.ok and not verdict.warning
    assert ORG_NAME in english(verdict) and "trust bundle issued 1 day ago" in english(verdict)
    assert issued.credential["issuer"]["name"] == ORG_NAME
    assert issued.credential["credentialStatus"]["statusListCredential"].startswith("urn:uuid:")


def test_an_unauthorised_key_claiming_the_organisations_name_is_invalid(
    field: Field, tmp_path: Path
) -> None:
    impostor = trainer_in(tmp_path / "impostor", field.clock, ORG_NAME)
    impostor.save_template("Borehole pump care", "Services a pump.", "Seen.", template_id=PUMP)
    forged = impostor.issue(PUMP, "Learner").credential
    assert forged["issuer"]["name"] == ORG_NAME
    assert verify_credential(forged, now=NOW).verified  # the signature itself is fine
    verdict = field.bundle().judge(forged, NOW)
    assert verdict is not None and not verdict.ok
    assert f"Claims to be from {ORG_NAME}" in english(verdict) and "never authorised" in (
        english(verdict)
    )


def test_an_authorisation_used_after_its_date_is_invalid(field: Field) -> None:
    late = NOW + timedelta(days=31)
    field.clock.now = late.timestamp()
    with pytest.raises(MalformedInput, match="not authorised you"):
        field.trainer.issue(PUMP, "Learner")  # the device refuses
    verdict = field.bundle().judge(signed_by(field.trainer, PUMP, late), late)
    assert verdict is not None and not verdict.ok
    assert "after the trainer's authorisation ended (1 Dec 2026)" in english(verdict)


def test_an_achievement_outside_the_scope_is_invalid(field: Field) -> None:
    with pytest.raises(MalformedInput, match="not authorised you"):
        field.trainer.issue(LATRINE, "Learner")
    verdict = field.bundle().judge(signed_by(field.trainer, LATRINE, NOW), NOW)
    assert verdict is not None and not verdict.ok
    assert f"not authorised to issue the achievement {LATRINE}" in english(verdict)


def test_revocation_reaches_the_status_check_and_a_late_bundle_warns(field: Field) -> None:
    kept = field.trainer.issue(PUMP, "Learner One").credential
    gone = field.trainer.issue(PUMP, "Learner Two").credential
    head = field.trainer.chain_head()
    field.organisation.read_log(head["trainer"], field.trainer.chain_after(0))
    field.organisation.revoke(gone["id"])
    bundle = field.bundle()
    lists = bundle.status_lists.get
    [status] = [c for c in verify_credential(gone, now=NOW, status_lists=lists).checks
                if c.id == "status"]  # fmt: skip
    assert not status.ok and english(status).startswith("Revoked by the issuer")
    assert verify_credential(kept, now=NOW, status_lists=lists).verified

    late = bundle.expires + timedelta(days=2)
    verdict = bundle.judge(kept, late)
    assert verdict is not None and verdict.ok and verdict.warning
    assert "expired 2 days ago" in english(verdict) and "issued 92 days ago" in english(verdict)


def test_the_trainer_queues_a_revocation_the_organisation_publishes(field: Field) -> None:
    issued = field.trainer.issue(PUMP, "Learner")
    field.trainer.revoke(issued.entry.id)
    entries = field.trainer.chain_after(0)
    assert [e["kind"] for e in entries] == ["issued", "revoked"]
    assert field.organisation.read_log(entries[0]["trainer"], entries).new == 2
    lists = field.bundle().status_lists.get
    assert not verify_credential(issued.credential, now=NOW, status_lists=lists).verified


def test_the_log_hides_what_was_issued_from_the_server(field: Field) -> None:
    field.trainer.issue(PUMP, "Zanele Okonkwo-Marsh")
    text = json.dumps(field.trainer.chain_after(0))
    assert "Zanele" not in text and "Borehole" not in text and PUMP not in text


def test_a_wrong_passphrase_and_a_bad_trainer_are_clear_errors(
    field: Field, tmp_path: Path
) -> None:
    with pytest.raises(OrganisationError, match="passphrase does not open"):
        Organisation.open(field.organisation.path, "not it")
    with pytest.raises(OrganisationError, match="not a did:key"):
        field.organisation.authorize("did:web:example.org", [PUMP], NOW + timedelta(1), NOW)
    other = trainer_in(tmp_path / "other", field.clock, "Other")
    granted = field.organisation.authorize(
        field.trainer.profile()["did"], [PUMP], NOW + timedelta(days=3), NOW
    )
    with pytest.raises(MalformedInput, match="another trainer"):
        other.accept_authorization(granted)


# --- the issuance log on the real server --------------------------------------------------


def test_a_tampered_log_is_refused_with_the_position_of_the_break(sqlite_server: str) -> None:
    key = KeyPair.generate(KeyType.P256)
    target = f"{sqlite_server}/v1/logs/{did_key.did_for(key.public)}"
    good = chain(key, 5)
    edited = copy.deepcopy(good)
    edited[2]["statusListIndex"] = 99
    unreadable = copy.deepcopy(good)
    unreadable[2]["signature"] = "not a signature"
    removed = good[:2] + good[3:]
    reordered = [good[0], good[1], good[3], good[2], good[4]]
    for tampered, reason in (
        (edited, "signature"),
        (unreadable, "signature"),
        (removed, "expected entry 3, got 4"),
        (reordered, "expected entry 3, got 4"),
    ):
        status, body = post(target, {"entries": tampered})
        assert (status, body["error"], body["position"]) == (409, "log-broken", 3)
        assert reason in body["message"]
    assert post(target, {"entries": good}) == (200, {"added": 5})
    assert post(target, {"entries": good}) == (200, {"added": 0})  # a retry is a no-op
    rewritten = chain(
        key, 5, "2026-11-02T09:00:00Z"
    )  # the trainer itself rewriting history it already uploaded
    rewritten_status, body = post(target, {"entries": rewritten[:1]})
    assert (rewritten_status, body["position"]) == (409, 1)
    assert "differs from the entry already held" in body["message"]
    status, body = post(target, {"entries": chain(key, 7)[6:]})  # a gap after 5
    assert (status, body["position"]) == (409, 6)
    assert post(target, {"entries": "nope"})[0] == 400
    huge = {**good[0], "seq": 10**30}
    assert post(target, {"entries": [huge]})[1]["position"] == 6  # a break, never a crash


# --- bundles ------------------------------------------------------------------------------


def test_bundle_updates_are_small_deltas_from_the_server(field: Field, sqlite_server: str) -> None:
    publisher = field.organisation.did
    target = f"{sqlite_server}/v1/bundles/{publisher}"
    first = field.organisation.publish(NOW)
    assert post(target, first, "PUT") == (200, {"sequence": 1})
    assert post(target, first, "PUT")[0] == 409  # not newer
    issued = field.trainer.issue(PUMP, "Learner")
    field.organisation.read_log(field.trainer.chain_head()["trainer"], field.trainer.chain_after(0))
    field.organisation.revoke(issued.credential["id"])
    second = field.organisation.publish(NOW + timedelta(hours=1))
    assert post(target, second, "PUT") == (200, {"sequence": 2})
    with urllib.request.urlopen(f"{target}?since=1", timeout=10) as response:
        update = response.read()
    assert len(update) < 2048
    applied = trust_bundle.apply(trust_bundle.apply(None, first, publisher), json.loads(update),
                                 publisher)  # fmt: skip
    assert applied == trust_bundle.apply(None, second, publisher)
    with pytest.raises(urllib.error.HTTPError) as unchanged:
        urllib.request.urlopen(f"{target}?since=2", timeout=10)
    assert unchanged.value.code == 304
    forged = copy.deepcopy(second)
    forged["header"]["publisher"] = did_key.did_for(KeyPair.generate(KeyType.ED25519).public)
    assert (
        post(f"{sqlite_server}/v1/bundles/{forged['header']['publisher']}", forged, "PUT")[0] == 400
    )


def test_a_held_bundle_without_dates_is_refused_when_read(field: Field) -> None:
    """mypy: TrustBundle.issued and .expires returned None for a header without dates,
    typed as datetimes, and judging a badge then failed with a TypeError."""
    held = trust_bundle.apply(None, field.organisation.publish(NOW), field.organisation.did)
    held["header"]["expires"] = "next year"  # the verifier's stored copy, changed on disk
    with pytest.raises(trust_bundle.BundleError, match="must be dates"):
        trust_bundle.TrustBundle.read(held)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_change_to_a_bundle_or_its_header_is_refused(field: Field, data: st.DataObject) -> None:
    bundle = field.organisation.publish(NOW)
    publisher = field.organisation.did
    tampered = copy.deepcopy(bundle)
    if data.draw(st.booleans(), "in the header"):
        key = data.draw(st.sampled_from(["sequence", "issued", "expires", "root"]))
        tampered["header"][key] = data.draw(st.sampled_from([7, "2030-01-01T00:00:00Z", "00"]))
    else:
        key = data.draw(st.sampled_from(sorted(tampered["entries"])))
        tampered["entries"][key] = {**tampered["entries"][key], "tampered": True}
    if tampered == bundle:
        return
    with pytest.raises(trust_bundle.BundleError):
        trust_bundle.apply(None, tampered, publisher)
    with pytest.raises(trust_bundle.BundleError, match="not published by"):
        trust_bundle.apply(None, bundle, did_key.did_for(KeyPair.generate(KeyType.ED25519).public))


def test_a_verifier_sync_brings_a_whole_bundle_compressed(
    field: Field, sqlite_server: str, tmp_path: Path
) -> None:
    from wallet.services.sync import client as sync
    from wallet.services.verifier.trust import add_bundle
    from wallet.store.verifier_store import VerifierStore

    store = VerifierStore(tmp_path / "verifier")
    add_bundle(store, json.dumps(field.organisation.publish(NOW)).encode())  # from a file
    newer = field.organisation.publish(NOW + timedelta(days=1))
    sync.publish_bundle(sqlite_server, newer)  # the server cannot make an update from version 1
    pack, _ = new_backpack(tmp_path / "verifier-wallet")
    result = sync.SyncClient(pack, sqlite_server, trust=store).sync()
    [held] = store.bundles()
    assert held["header"]["sequence"] == 2
    assert result.bytes_received < len(json.dumps(newer)) / 2  # gzip on the wire


def test_an_authorisation_arrives_as_qr_pictures_face_to_face(field: Field, tmp_path: Path) -> None:
    from wallet.qr import frames, images

    newcomer = trainer_in(tmp_path / "newcomer", field.clock, "Newcomer")
    granted = field.organisation.authorize(
        newcomer.profile()["did"], [PUMP, LATRINE], NOW + timedelta(days=10), NOW
    )
    [texts] = frames.texts_for(granted)[:1]
    pictures = [(f"frame{n}.png", images.render_png(text)[0]) for n, text in enumerate(texts)]
    accepted = newcomer.accept_authorization_files(pictures)
    assert accepted.achievements == {PUMP, LATRINE}
    assert {t.id for t in newcomer.templates()} == {PUMP, LATRINE}  # ready to fill in
    with pytest.raises(NonConformingCredential) as refused:  # says what to fill in
        newcomer.issue(LATRINE, "Learner")
    assert problem(Rule.REQUIRED, field="achievement.description") in refused.value.problems
    newcomer.save_template("Latrine siting", "Sites a latrine.", "Seen.", template_id=LATRINE)
    assert newcomer.issue(LATRINE, "Learner").entry.status_index is not None


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_logs_and_bundles_on_both_engines(field: Field, tmp_path: Path, engine: str) -> None:
    from tests.support import postgres_database
    from wallet.server.storage import ServerStore, StorageError

    databases = postgres_database() if engine == "postgresql" else None
    store = ServerStore(next(databases) if databases else f"sqlite:///{tmp_path / 's.db'}")
    try:
        key = KeyPair.generate(KeyType.P256)
        trainer = did_key.did_for(key.public)
        good = chain(key, 4)
        with pytest.raises(issuance_log.LogBroken) as broken:
            store.append_log(trainer, [good[0], good[2]])
        assert broken.value.position == 2
        assert store.append_log(trainer, good[:2]) == 2
        assert store.append_log(trainer, good) == 2  # the first two are already held
        assert store.log_entries(trainer, 1, 10) == good[1:]
        publisher = field.organisation.did
        first = field.organisation.publish(NOW)
        assert store.put_bundle(publisher, first) == 1
        with pytest.raises(StorageError):
            store.put_bundle(publisher, first)
        assert store.bundle_since(publisher, 1) == 1
        second = field.organisation.publish(NOW + timedelta(hours=1))
        store.put_bundle(publisher, second)
        update = store.bundle_since(publisher, 1)
        assert isinstance(update, dict) and update["changed"] == {}  # nothing but the header
        assert store.bundle_since(publisher, None) == trust_bundle.apply(None, second, publisher)
    finally:
        if databases:
            next(databases, None)


@given(st.dictionaries(st.sampled_from(["header", "base", "changed", "removed", "entries"]),
                       st.none() | st.integers() | st.text(max_size=5) | st.lists(st.integers())
                       | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)))  # fmt: skip
def test_garbage_updates_are_refused_by_name(garbage: dict[str, Any]) -> None:
    publisher = did_key.did_for(KeyPair.generate(KeyType.ED25519).public)
    held = {"header": {"sequence": 1}, "entries": {}}
    with pytest.raises(trust_bundle.BundleError):
        trust_bundle.apply(held, garbage, publisher)
