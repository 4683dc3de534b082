"""Issue 13, trainers and verifiers: what a hostile trainer, presenter or look-alike issuer
can no longer do. Real organisation files, real trainer vaults and keys, the real server
for the log, and the fake clock; each test fails on c4f2b8d."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import sample_badge
from tests.support import (
    ISSUER_KEYS,
    ORG_NAME,
    PUMP,
    Clock,
    Server,
    english,
    holder_with,
    post,
    trainer_in,
    verifier_for,
)
from tests.support import ORGANISATION_NOW as NOW
from wallet import cli
from wallet.protocol import issuance_log
from wallet.qr import compact, frames
from wallet.services.issuer import signing as issuer
from wallet.services.issuer.organisation import Organisation, OrganisationError
from wallet.services.issuer.trainer import ISSUER_KEY, Trainer
from wallet.services.learner import presenter
from wallet.services.learner.backpack import load_key
from wallet.services.verifier.presentations import PresentationVerifier, Verdict
from wallet.store import kdf
from wallet.vc import bitstring_status_list, did_key, eddsa_rdfc_2022, trust_bundle
from wallet.vc.data_integrity import split_proofs
from wallet.vc.multikey import KeyPair, KeyType
from wallet.vc.proofs import proof_options
from wallet.vc.verification import verify_credential

OTHER_NAME = "River Clinic Trust"


@dataclass
class Two:
    """One organisation, two trainers: Amina (the victim) and Rogue."""

    organisation: Organisation
    amina: Trainer
    rogue: Trainer
    clock: Clock

    def bundle(self) -> trust_bundle.TrustBundle:
        published = self.organisation.publish(datetime.fromtimestamp(self.clock.now, UTC))
        return trust_bundle.TrustBundle.read(
            trust_bundle.apply(None, published, self.organisation.did)
        )


def new_organisation(path: Path, name: str) -> Organisation:
    return Organisation.create(path, "org pass", name=name, kdf_params=kdf.KdfParams.minimum())


def authorised(organisation: Organisation, trainer: Trainer) -> dict[str, Any]:
    granted = organisation.authorize(
        trainer.profile()["did"], [PUMP], NOW + timedelta(days=30), NOW
    )
    trainer.accept_authorization(granted)
    trainer.save_template("Borehole pump care", "Services a pump.", "Seen.", template_id=PUMP)
    return granted


@pytest.fixture
def two(tmp_path: Path) -> Two:
    clock = Clock()
    clock.now = NOW.timestamp()
    organisation = new_organisation(tmp_path / "org.json", ORG_NAME)
    amina = trainer_in(tmp_path / "amina", clock, "Amina")
    rogue = trainer_in(tmp_path / "rogue", clock, "Rogue")
    authorised(organisation, amina)
    authorised(organisation, rogue)
    return Two(organisation, amina, rogue, clock)


def rogue_entry(trainer: Trainer, **fields: Any) -> list[dict[str, Any]]:
    """The trainer's whole chain plus one more entry it signs: what a tampered device can
    upload, since the chain only proves who said it."""
    key = load_key(trainer.vault, ISSUER_KEY, trainer.profile()["did"])
    entries = trainer.chain_after(0)
    values = {"at": "2026-11-01T10:00:00Z", "kind": issuance_log.EntryKind.REVOKED, "sealed": "x"}
    values.update(fields)
    entries.append(issuance_log.append(entries[-1] if entries else None, key, **values))
    return entries


def status_of(credential: dict[str, Any]) -> tuple[str, int]:
    status = credential["credentialStatus"]
    return status["statusListCredential"], int(status["statusListIndex"])


def revoked(bundle: trust_bundle.TrustBundle, credential: dict[str, Any]) -> bool:
    checks = verify_credential(credential, now=NOW, status_lists=bundle.status_lists.get).checks
    [status] = [c for c in checks if c.id == "status"]
    return not status.ok


# --- H3: a rogue trainer's revocation requests ----------------------------------------------


def test_h3_a_trainer_cannot_revoke_another_trainers_badge(two: Two) -> None:
    victim = two.amina.issue(PUMP, "Learner").credential
    two.organisation.read_log(two.amina.profile()["did"], two.amina.chain_after(0))
    two.rogue.issue(PUMP, "Someone")
    victim_list, victim_index = status_of(victim)  # public: GET /v1/logs shows every index
    entries = rogue_entry(two.rogue, status_list=victim_list, status_index=victim_index)
    read = two.organisation.read_log(two.rogue.profile()["did"], entries)
    assert not revoked(two.bundle(), victim)
    assert read.new == 2
    assert [(s.seq, s.kind, s.reason) for s in read.skipped] == [(2, "revoked", "outside-block")]


@pytest.mark.parametrize(
    "where",
    [
        {"status_index": 10**9},  # past the end of every list
        {"status_index": -1},
        {"status_list": "urn:uuid:a-list-nobody-reserved"},
    ],
)
def test_h3_an_entry_outside_the_block_is_skipped_and_bundles_keep_working(
    two: Two, where: dict[str, Any]
) -> None:
    own = two.rogue.issue(PUMP, "Someone").credential
    own_list, own_index = status_of(own)
    entries = rogue_entry(
        two.rogue, **{"status_list": own_list, "status_index": own_index, **where}
    )
    read = two.organisation.read_log(two.rogue.profile()["did"], entries)
    assert two.bundle().status_lists  # publishes, again and again
    assert two.bundle().status_lists
    assert two.organisation.data["revoked"] == []
    assert [s.reason for s in read.skipped] == ["outside-block"]


def test_h3_a_trainer_cannot_take_over_another_trainers_credential(two: Two) -> None:
    """An "issued" entry naming a credential id already placed would redirect the
    organisation's `org revoke` of that badge to the rogue's own index."""
    victim = two.amina.issue(PUMP, "Learner").credential
    two.organisation.read_log(two.amina.profile()["did"], two.amina.chain_after(0))
    allocation = two.rogue.authorizations()[0]["credentialSubject"]["statusAllocation"]
    sealed = issuance_log.seal(
        two.organisation.data["logKey"], {"credential": victim["id"], "achievement": PUMP}
    )
    entries = rogue_entry(
        two.rogue,
        kind=issuance_log.EntryKind.ISSUED,
        status_list=allocation["statusListCredential"],
        status_index=allocation["statusListIndexStart"],
        sealed=sealed,
    )
    read = two.organisation.read_log(two.rogue.profile()["did"], entries)
    two.organisation.revoke(victim["id"])
    assert revoked(two.bundle(), victim)
    assert [s.reason for s in read.skipped] == ["claimed"]


def test_h3_a_bad_revocation_already_in_org_json_does_not_break_bundles(
    two: Two, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What c4f2b8d stored from a rogue entry: `wallet org bundle` must still run."""
    kept = two.amina.issue(PUMP, "Learner").credential
    two.organisation.read_log(two.amina.profile()["did"], two.amina.chain_after(0))
    two.organisation.revoke(kept["id"])
    kept_list, _ = status_of(kept)
    bad = [{"list": kept_list, "index": 10**9}, {"list": kept_list, "index": "12"}]
    data = json.loads(two.organisation.path.read_text())
    data["revoked"] += bad
    data["issued"]["urn:uuid:misplaced"] = bad[0]
    two.organisation.path.write_text(json.dumps(data))

    monkeypatch.setenv("WALLET_PASSPHRASE", "org pass")
    out = tmp_path / "bundle.json"
    assert cli.main(["org", "bundle", "--org", str(two.organisation.path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("ignored a stored revocation outside every trainer's block") == 2
    bundle = json.loads(out.read_text())
    read = trust_bundle.TrustBundle.read(trust_bundle.apply(None, bundle, two.organisation.did))
    assert revoked(read, kept)  # the good revocation is published
    assert cli.main(["org", "bundle", "--org", str(two.organisation.path), "--out", str(out)]) == 0
    reopened = Organisation.open(two.organisation.path, "org pass")
    assert len(reopened.data["revoked"]) == 3  # nothing stored is lost
    with pytest.raises(OrganisationError, match="outside every trainer's block"):
        reopened.revoke("urn:uuid:misplaced")


def test_h3_org_bundle_reports_what_it_skipped_from_the_servers_log(
    two: Two, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = Server(tmp_path / "server")
    server.start()
    try:
        url = f"http://127.0.0.1:{server.port}"
        victim = two.amina.issue(PUMP, "Learner").credential
        two.rogue.issue(PUMP, "Someone")
        rogue = two.rogue.profile()["did"]
        victim_list, victim_index = status_of(victim)
        entries = rogue_entry(two.rogue, status_list=victim_list, status_index=victim_index)
        assert post(f"{url}/v1/logs/{rogue}", {"entries": entries}) == (200, {"added": 2})
        monkeypatch.setenv("WALLET_PASSPHRASE", "org pass")
        out = tmp_path / "bundle.json"
        org = str(two.organisation.path)
        assert cli.main(["org", "bundle", "--org", org, "--out", str(out), "--server", url]) == 0
        printed = capsys.readouterr().out
        assert f"read 2 log entries from {rogue}" in printed
        assert f"skipped {rogue}'s entry 2 (revoked): outside-block" in printed
        bundle = json.loads(out.read_text())
        read = trust_bundle.TrustBundle.read(trust_bundle.apply(None, bundle, two.organisation.did))
        assert not revoked(read, victim)
    finally:
        server.kill()


# --- M8: badges their organisation could never revoke ----------------------------------------


def without_status(credential: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in credential.items() if k not in ("proof", "credentialStatus")}


def with_status(credential: dict[str, Any], status_list: str, index: int) -> dict[str, Any]:
    document = {k: v for k, v in credential.items() if k != "proof"}
    document["credentialStatus"] = revocation_entry(status_list, index)
    return document


def revocation_entry(status_list: str, index: int) -> dict[str, Any]:
    return bitstring_status_list.StatusEntry("revocation", index, 1, status_list).to_json()


def resigned(trainer: Trainer, document: dict[str, Any]) -> dict[str, Any]:
    from wallet.vc import ecdsa_sd_2023

    key = load_key(trainer.vault, ISSUER_KEY, trainer.profile()["did"])
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    return issuer.issue(unsigned, key, ecdsa_sd_2023.NAME, created=NOW)


def test_m8_a_trainers_badge_without_a_status_is_not_valid(two: Two) -> None:
    real = two.rogue.issue(PUMP, "Learner").credential
    bare = resigned(two.rogue, without_status(real))  # a tampered device leaves it out
    assert "credentialStatus" not in bare and verify_credential(bare, now=NOW).verified
    verdict = two.bundle().judge(bare, NOW)
    assert verdict is not None and not verdict.ok
    assert (verdict.code, verdict.check) == ("not-revocable", "revocable")
    assert "could never revoke it" in english(verdict)


def test_m8_a_status_outside_the_trainers_block_is_not_valid(two: Two) -> None:
    victim = two.amina.issue(PUMP, "Learner").credential
    amina_list, amina_index = status_of(victim)
    rogue_allocation = two.rogue.authorizations()[0]["credentialSubject"]["statusAllocation"]
    end = rogue_allocation["statusListIndexEnd"]
    document = two.rogue.issue(PUMP, "Learner").credential
    for status_list, index in (
        (amina_list, amina_index),  # another trainer's block
        (rogue_allocation["statusListCredential"], end),  # one past its own block
        ("urn:uuid:another-list", rogue_allocation["statusListIndexStart"]),
    ):
        badge = resigned(two.rogue, with_status(document, status_list, index))
        verdict = two.bundle().judge(badge, NOW)
        assert verdict is not None and not verdict.ok, (status_list, index)
        assert (verdict.code, verdict.check) == ("status-outside-block", "revocable")
    inside = resigned(two.rogue, with_status(document, rogue_allocation["statusListCredential"],
                                             end - 1))  # fmt: skip
    verdict = two.bundle().judge(inside, NOW)
    assert verdict is not None and verdict.ok and verdict.code == "trusted-trainer"


def test_m8_the_presentation_names_the_revocable_check(two: Two, tmp_path: Path) -> None:
    from wallet.services.verifier.trust import add_bundle
    from wallet.store.verifier_store import VerifierStore

    store = VerifierStore(tmp_path / "verifier")
    add_bundle(store, json.dumps(two.organisation.publish(NOW)).encode())
    holder = KeyPair.generate(KeyType.ED25519)
    real = two.rogue.issue(PUMP, did_key.did_for(holder.public)).credential
    bare = resigned(two.rogue, without_status(real))
    clock = Clock()
    clock.now = NOW.timestamp()
    verdict = scan(PresentationVerifier(store, clock=clock), [bare], [holder], NOW)
    assert verdict.verdict == "invalid"
    assert "could never revoke it" in failed(verdict)["credential.revocable"]


# --- M6: a list of subjects ------------------------------------------------------------------


def scan(
    checker: PresentationVerifier,
    credentials: list[dict[str, Any]],
    keys: list[KeyPair],
    now: datetime,
) -> Verdict:
    document = presenter.sign_presentation(credentials, keys, now=now)
    return checker.verify_texts(frames.split(compact.encode(document), 40))


def failed(verdict: Verdict) -> dict[str, str]:
    return {c.id: english(c) for c in verdict.checks if not c.ok}


def badge_for(*subject_ids: str) -> dict[str, Any]:
    """A credential about a list of subjects: a plain VC, since an Open Badge has one."""
    badge = {**sample_badge(), "type": ["VerifiableCredential"]}
    subject = badge["credentialSubject"]
    badge["credentialSubject"] = [{**subject, "id": i} for i in subject_ids]
    return issuer.issue(badge, ISSUER_KEYS["eddsa-rdfc-2022"], "eddsa-rdfc-2022")


def holder_check(verdict: Verdict) -> Any:
    return next(c for c in verdict.checks if c.id == "credential.holder")


@pytest.mark.parametrize("subjects", ["victim", "victim+stranger", "stranger+victim"])
def test_m6_every_subject_must_be_the_presenters(tmp_path: Path, subjects: str) -> None:
    victim = did_key.did_for(KeyPair.generate(KeyType.ED25519).public)
    stranger = KeyPair.generate(KeyType.ED25519)
    ids = {"victim": victim, "stranger": did_key.did_for(stranger.public)}
    credential = badge_for(*(ids[name] for name in subjects.split("+")))
    verdict = scan(verifier_for(tmp_path), [credential], [stranger], datetime.now(UTC))
    check = holder_check(verdict)
    assert not check.ok and "someone other than" in english(check)
    assert verdict.verdict == "invalid"


def test_m6_a_list_of_subjects_all_held_by_the_presenter_is_bound(tmp_path: Path) -> None:
    first, second = KeyPair.generate(KeyType.ED25519), KeyPair.generate(KeyType.ED25519)
    credential = badge_for(did_key.did_for(first.public), did_key.did_for(second.public))
    verdict = scan(verifier_for(tmp_path), [credential], [first, second], datetime.now(UTC))
    check = holder_check(verdict)
    assert check.ok and not check.warning


# --- M7: extra proofs around a one-way presentation ------------------------------------------


def extra_proof(document: dict[str, Any], key: KeyPair) -> dict[str, Any]:
    unsecured, _ = split_proofs(document)
    options = proof_options(
        key, eddsa_rdfc_2022.NAME, created=datetime.now(UTC), purpose="authentication"
    )
    return eddsa_rdfc_2022.sign(unsecured, options, key)["proof"]


def with_proofs(document: dict[str, Any], proofs: list[dict[str, Any]]) -> dict[str, Any]:
    return {**copy.deepcopy(document), "proof": proofs}


def texts(document: dict[str, Any]) -> list[str]:
    return frames.split(compact.encode(document), 40)


def test_m7_extra_proofs_do_not_make_a_replay_new(tmp_path: Path) -> None:
    pack, [record_id] = holder_with(tmp_path, "eddsa-rdfc-2022")
    shown = pack.present([record_id], []).document
    checker = verifier_for(tmp_path)
    assert checker.verify_texts(texts(shown)).verdict == "valid"
    [holder_proof] = split_proofs(shown)[1]
    attacker = KeyPair.generate(KeyType.ED25519)
    extra = extra_proof(shown, attacker)
    for proofs in ([holder_proof, extra], [extra, holder_proof]):
        verdict = checker.verify_texts(texts(with_proofs(shown, proofs)))
        assert "holder-signature" not in failed(verdict)  # every proof is valid
        assert "already shown" in failed(verdict)["replay"], proofs


def test_m7_dropping_a_proof_of_a_proof_set_is_still_a_replay(tmp_path: Path) -> None:
    pack, ids = holder_with(tmp_path, "eddsa-rdfc-2022", count=2)  # two holder DIDs
    shown = pack.present(ids, []).document
    checker = verifier_for(tmp_path)
    assert checker.verify_texts(texts(shown)).verdict == "valid"
    first, second = split_proofs(shown)[1]
    for proofs in ([second, first], [first], [second]):
        verdict = checker.verify_texts(texts(with_proofs(shown, proofs)))
        assert "already shown" in failed(verdict)["replay"], proofs


def test_m7_a_fresh_presentation_of_the_same_badge_is_not_a_replay(tmp_path: Path) -> None:
    clock = Clock()
    pack, [record_id] = holder_with(tmp_path, "eddsa-rdfc-2022", clock=clock)
    checker = verifier_for(tmp_path, clock)
    assert checker.verify_texts(texts(pack.present([record_id], []).document)).verdict == "valid"
    clock.now += 1
    assert checker.verify_texts(texts(pack.present([record_id], []).document)).verdict == "valid"


# --- L3 / L4: look-alike names ---------------------------------------------------------------


@dataclass
class Registry:
    """Two organisations in one registry's bundle, each with a trainer."""

    bundle: trust_bundle.TrustBundle
    ours: Trainer  # authorised by ORG_NAME
    theirs: Trainer  # authorised by OTHER_NAME
    ours_allocation: dict[str, Any]


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    clock = Clock()
    clock.now = NOW.timestamp()
    ours = new_organisation(tmp_path / "ours.json", ORG_NAME)
    theirs = new_organisation(tmp_path / "theirs.json", OTHER_NAME)
    ours_trainer = trainer_in(tmp_path / "ours-trainer", clock, "Amina")
    theirs_trainer = trainer_in(tmp_path / "theirs-trainer", clock, "Bo")
    granted = authorised(ours, ours_trainer)
    authorised(theirs, theirs_trainer)
    entries = {**ours.bundle_entries(NOW), **theirs.bundle_entries(NOW)}
    key = KeyPair.generate(KeyType.ED25519)
    signed = trust_bundle.sign_bundle(entries, key, 1, NOW, NOW + timedelta(days=90))
    read = trust_bundle.TrustBundle.read(
        trust_bundle.apply(None, signed, did_key.did_for(key.public))
    )
    return Registry(
        read, ours_trainer, theirs_trainer, granted["credentialSubject"]["statusAllocation"]
    )


UNAUTHORISED = did_key.did_for(KeyPair.generate(KeyType.P256).public)


def claiming(name: Any, issuer_did: str = UNAUTHORISED) -> dict[str, Any]:
    """Only the issuer and achievement matter to `judge`; signatures are the engine's."""
    return {
        "issuer": {"id": issuer_did, "type": ["Profile"], "name": name},
        "validFrom": "2026-11-01T09:00:00Z",
        "credentialSubject": {"achievement": {"id": PUMP}},
    }


LOOKALIKES = [
    ORG_NAME + " ",  # a trailing space
    " " + ORG_NAME,
    ORG_NAME.replace(" ", "  "),
    ORG_NAME.replace(" ", "\u00a0"),  # no-break spaces
    ORG_NAME.replace("Skills", "Sk\u200bills"),  # a zero-width space
    ORG_NAME.replace("Guild", "Gu\u00adild"),  # a soft hyphen
    "\u202d" + ORG_NAME,  # a bidi override
    ORG_NAME.replace("Water", "Wat\u034fer"),  # the combining grapheme joiner
    ORG_NAME.upper(),
    ORG_NAME.replace("a", "\u0430"),  # Cyrillic a
    ORG_NAME.replace("e", "\u0435"),  # Cyrillic e
    ORG_NAME.replace("i", "\u0456"),  # Cyrillic i
    ORG_NAME.replace("a", "\u03b1"),  # Greek alpha
    ORG_NAME.replace("W", "\U0001d416"),  # mathematical bold W
    "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in ORG_NAME),  # fullwidth
    {"@value": ORG_NAME, "@language": "en"},  # a language value
    [OTHER_NAME + "x", ORG_NAME],  # one name of several
]


@pytest.mark.parametrize("name", LOOKALIKES, ids=range(len(LOOKALIKES)))
def test_l3_a_lookalike_name_is_an_impostor(registry: Registry, name: Any) -> None:
    verdict = registry.bundle.judge(claiming(name), NOW)
    assert verdict is not None and not verdict.ok and verdict.code == "impostor", name
    assert "never authorised" in english(verdict)


def test_l3_an_unrelated_name_is_not_the_bundles_business(registry: Registry) -> None:
    assert registry.bundle.judge(claiming("Water Skills Guilds"), NOW) is None
    assert registry.bundle.judge(claiming(None), NOW) is None


def test_l4_a_trainer_cannot_claim_another_organisations_name(registry: Registry) -> None:
    """Our trainer's real badge, but with the other organisation's name: a tampered
    device signs whatever name it likes."""
    real = registry.ours.issue(PUMP, "Learner").credential
    for name in (OTHER_NAME, OTHER_NAME.upper() + " ", OTHER_NAME.replace("i", "\u0456")):
        document = {**real, "issuer": {**real["issuer"], "name": name}}
        verdict = registry.bundle.judge(resigned(registry.ours, document), NOW)
        assert verdict is not None and not verdict.ok, name
        assert verdict.code == "name-mismatch"
        assert f"the key belongs to {ORG_NAME}" in english(verdict)
    assert registry.bundle.judge(real, NOW).code == "trusted-trainer"
    cosmetic = {**real, "issuer": {**real["issuer"], "name": ORG_NAME + " "}}
    assert registry.bundle.judge(resigned(registry.ours, cosmetic), NOW).ok


def test_l4_an_organisation_cannot_claim_another_organisations_name(registry: Registry) -> None:
    ours = next(o for o in registry.bundle.organisations.values() if o["name"] == ORG_NAME)
    verdict = registry.bundle.judge(claiming(OTHER_NAME, ours["id"]), NOW)
    assert verdict is not None and not verdict.ok
    assert verdict.code == "name-mismatch"
    assert registry.bundle.judge(claiming(ORG_NAME, ours["id"]), NOW).ok


FORMAT_CHARACTERS = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e",
                     "\u2066", "\u180e", "\U000e0041"]  # fmt: skip
SPACES = [" ", "  ", "\u00a0", "\u2003", "\u3000", "\t"]


@st.composite
def disguised(draw: st.DrawFn, name: str) -> str:
    """The name with format characters, extra spaces and case changes put in."""
    out = []
    for character in name:
        if character == " ":
            character = draw(st.sampled_from(SPACES))
        elif draw(st.booleans()):
            character = character.swapcase()
        out.append(character)
        if draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(FORMAT_CHARACTERS)))
    edge = st.lists(st.sampled_from(FORMAT_CHARACTERS + SPACES), max_size=3).map("".join)
    return draw(edge) + "".join(out) + draw(edge)


@settings(max_examples=200, deadline=None)
@given(disguised(ORG_NAME))
def test_l3_property_disguised_names_compare_equal(name: str) -> None:
    from wallet.vc.names import comparable

    assert comparable(name) == comparable(ORG_NAME)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ours=disguised(ORG_NAME), theirs=disguised(OTHER_NAME))
def test_l3_l4_property_disguises_never_get_past_the_impostor_check(
    registry: Registry, ours: str, theirs: str
) -> None:
    impostor = registry.bundle.judge(claiming(ours), NOW)
    assert impostor is not None and not impostor.ok
    assert impostor.code == "impostor"
    trainer = registry.ours.profile()["did"]
    misnamed = claiming(theirs, trainer)
    misnamed["credentialStatus"] = revocation_entry(
        registry.ours_allocation["statusListCredential"],
        registry.ours_allocation["statusListIndexStart"],
    )
    verdict = registry.bundle.judge(misnamed, NOW)
    assert verdict is not None and not verdict.ok
    assert verdict.code == "name-mismatch"
