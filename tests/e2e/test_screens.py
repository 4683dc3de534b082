"""The screens that decide things, at a phone's 360x640 and on a desktop: the verdict says
why first, risky actions ask, labels stay on screen (issue 15)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.conftest import PASSPHRASE, Wallet, running_wallet, unlock
from tests.support import employer_presentation, qr_pictures
from wallet.qr import compact, frames
from wallet.services.issuer.organisation import Organisation
from wallet.store import kdf
from wallet.vc import did_key
from wallet.vc.multikey import KeyPair, KeyType

PHONE = {"width": 360, "height": 640}


def _inside(wallet: Wallet, locator: object) -> dict[str, float]:
    """The element's box, asserted to lie within the viewport (the first screenful)."""
    box = locator.bounding_box()
    size = wallet.page.viewport_size
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 0.5, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"] + 0.5, box
    return box


def test_verdict_banner_wraps_and_the_reason_is_on_the_first_screen(
    wallet: Wallet, tmp_path: Path
) -> None:
    presentation, _ = employer_presentation(tmp_path)
    tampered = copy.deepcopy(presentation)
    tampered["verifiableCredential"][0]["credentialSubject"]["name"] = "Someone Else"
    wallet.create_wallet()
    wallet.page.set_viewport_size(PHONE)
    wallet.tab("Verify")

    wallet.choose_files("Open QR image", *qr_pictures(presentation, tmp_path, "untrusted"))
    wallet.see("Valid, with warnings", exact=True)
    banner = _inside(wallet, wallet.page.get_by_text("Valid, with warnings", exact=True).first)
    assert banner["height"] > 60, banner  # two lines: the words wrap, none is cut off
    _inside(wallet, wallet.page.get_by_text("Trusted issuer: warning").first)
    wallet.screenshot("verdict-warnings-360")

    wallet.click("Back")
    wallet.choose_files("Open QR image", *qr_pictures(tampered, tmp_path, "tampered"))
    wallet.see("Not valid", exact=True)
    _inside(wallet, wallet.page.get_by_text("Issuer's signature: failed").first)
    wallet.see("Not verified")  # the claims are labelled, not shown as facts
    wallet.screenshot("verdict-invalid-360")


def _open_share(wallet: Wallet) -> None:
    wallet.create_wallet()
    wallet.click("Try with sample badges")
    wallet.see("Showing 3 of 3")
    wallet.click("Teamwork (sample)", exact=False)
    wallet.click("Share")
    wallet.see("Choose what to show")


def _claims_stay_clear(wallet: Wallet, name: str, *, rtl: bool = False) -> None:
    """Every claim's box on screen and clear of its lock icon; nothing painted in the
    margins either side of the claims (a label or box pushed off the edge is)."""
    size = wallet.page.viewport_size
    claims = wallet.page.get_by_role("checkbox")
    boxes = [_inside(wallet, claims.nth(n)) for n in range(claims.count())]
    assert len(boxes) >= 4
    lock = wallet.page.get_by_text("Always shown", exact=True).first.bounding_box()
    locked = next(b for b in boxes if b["y"] <= lock["y"] <= b["y"] + b["height"])
    if rtl:
        assert lock["x"] + lock["width"] <= locked["x"], (locked, lock)
    else:
        assert locked["x"] + locked["width"] <= lock["x"], (locked, lock)
    top, bottom = int(boxes[0]["y"]), int(boxes[-1]["y"] + boxes[-1]["height"])
    picture = wallet.screenshot(name).convert("L")
    left = int(min(b["x"] for b in boxes)) - 2
    right = int(max(b["x"] + b["width"] for b in boxes)) + 2
    for side, edges in (("left", (0, left)), ("right", (right, size["width"]))):
        low, high = picture.crop((edges[0], top, edges[1], bottom)).getextrema()
        assert high - low < 40, f"painted in the {side} margin at {size['width']} px"


def test_share_labels_stay_on_screen_beside_the_lock(wallet: Wallet) -> None:
    _open_share(wallet)
    for size in (PHONE, {"width": 412, "height": 915}):
        wallet.page.set_viewport_size(size)
        wallet.page.wait_for_timeout(500)
        _claims_stay_clear(wallet, f"share-{size['width']}")


def test_right_to_left_keeps_screens_inside_and_apart(browser: object, tmp_path: Path) -> None:
    """The direction switched to RTL (what an Arabic catalog would do): the screens mirror
    and still hold together at 360 px: nothing off screen, no two controls overlapping."""
    with running_wallet(browser, tmp_path, env={"WALLET_TEST_RTL": "1"}) as wallet:
        wallet.page.set_viewport_size(PHONE)
        _open_share(wallet)
        back = _inside(wallet, wallet.button("Back"))
        assert back["x"] > PHONE["width"] / 2, back  # mirrored: Back is on the right
        _claims_stay_clear(wallet, "share-rtl", rtl=True)
        controls = wallet.page.locator("flt-semantics[role]:not([role=group])")
        boxes = [controls.nth(n).bounding_box() for n in range(controls.count())]
        boxes = [b for b in boxes if b and b["width"] < PHONE["width"] and b["height"] < 200]
        for n, one in enumerate(boxes):
            for other in boxes[n + 1 :]:
                assert not _overlap(one, other), (one, other)


def _overlap(one: dict[str, float], other: dict[str, float]) -> bool:
    return (
        one["x"] < other["x"] + other["width"] - 1
        and other["x"] < one["x"] + one["width"] - 1
        and one["y"] < other["y"] + other["height"] - 1
        and other["y"] < one["y"] + one["height"] - 1
    )


def test_desktop_has_a_rail_and_two_panes(wallet: Wallet) -> None:
    wallet.create_wallet()
    wallet.click("Try with sample badges")
    wallet.see("Showing 3 of 3")
    wallet.page.set_viewport_size({"width": 1280, "height": 800})
    wallet.page.wait_for_timeout(1000)
    wallet.see("Open something on the left to see it here.")
    wallet.click("Teamwork (sample)", exact=False)
    wallet.see("What was checked")
    listed = _inside(wallet, wallet.page.get_by_text("Showing 3 of 3").first)
    detail = _inside(wallet, wallet.page.get_by_text("What was checked").first)
    assert listed["x"] + listed["width"] <= detail["x"], (listed, detail)  # side by side
    assert detail["x"] > 400
    for tab in ("Backpack", "Verify", "Issue", "Settings"):  # down the left edge
        box = _inside(wallet, wallet.button(tab, exact=False).first)
        assert box["x"] < listed["x"] and box["y"] < 400, (tab, box)
    assert wallet.page.get_by_role("tablist").count() == 0  # no phone bar at the bottom
    wallet.screenshot("desktop-two-panes")


def _shown(wallet: Wallet, text: str) -> object:
    """Text on screen, as a text node or inside a tile's merged label."""
    return wallet.page.get_by_text(text).or_(wallet.page.get_by_label(text)).first


def _issue(wallet: Wallet, achievement: str, learner: str) -> dict:
    """Issue from the app; the badge its QR frames carry."""
    wallet.click(f"Issue {achievement}")
    wallet.type("Learner's DID or name", learner)
    wallet.click("Sign and show")
    wallet.see(f"{achievement}: signed")
    badge = compact.decode(frames.reassemble(wallet.qr_texts())).document
    wallet.click("Back")
    return badge


def test_revoke_asks_first_and_an_own_name_badge_says_it_cannot_be_revoked(
    wallet: Wallet, tmp_path: Path
) -> None:
    learner = did_key.did_for(KeyPair.generate(KeyType.ED25519).public)
    wallet.create_wallet()
    wallet.tab("Issue")
    wallet.type("Issuer name", "Kampala Field School")
    wallet.click("Save issuer")
    wallet.see("Signing as Kampala Field School")

    wallet.click("New achievement")  # in the trainer's own name: no status entry
    wallet.type("Achievement name", "Solar installer")
    wallet.type("Description", "Installs and maintains small solar kits.")
    wallet.type("What the learner did to earn it", "Installed three home kits.")
    wallet.click("Save achievement")
    own_name = _issue(wallet, "Solar installer", learner)
    assert "credentialStatus" not in own_name
    trainer = own_name["issuer"]["id"]

    organisation = Organisation.create(
        tmp_path / "org.json", "org pass", name="Water Skills Guild",
        kdf_params=kdf.KdfParams.minimum(),
    )  # fmt: skip
    now = datetime.now(UTC)
    granted = organisation.authorize(trainer, ["urn:example:pump"], now + timedelta(days=30), now)
    (tmp_path / "authorization.json").write_text(json.dumps(granted))
    wallet.choose_files("Add my organisation's authorisation", tmp_path / "authorization.json")
    wallet.see("Authorisation added")
    wallet.click("Edit pump")
    wallet.type("Description", "Services a hand pump.")
    wallet.type("What the learner did to earn it", "Observed in the field.")
    wallet.click("Save achievement")
    assert "credentialStatus" in _issue(wallet, "pump", learner)

    wallet.click("Issuance log")
    wallet.click("Revoke pump,", exact=False)
    wallet.see("Revoke pump?")
    wallet.screenshot("revoke-confirm")
    wallet.click("Cancel")
    wallet.page.wait_for_timeout(500)
    _shown(wallet, "active").wait_for()  # cancelled: the badge stands
    assert _shown(wallet, "· revoked").count() == 0

    wallet.click("Revoke Solar installer,", exact=False)
    wallet.see("This badge cannot be revoked")
    wallet.see("it stays valid")
    wallet.screenshot("revoke-own-name")
    wallet.click("Close")
    _shown(wallet, "cannot be revoked (issued in your own name)").wait_for()
    assert _shown(wallet, "· revoked").count() == 0  # never "revoked 1 Dec…"
    assert wallet.page.get_by_text("Marked as revoked").count() == 0


def test_share_and_issue_come_before_the_admin_controls_at_360(wallet: Wallet) -> None:
    """The everyday action on the first screenful, above tags, delete and the trainer's
    authorisation and rename buttons: no scrolling past admin controls to reach it."""
    wallet.create_wallet()
    wallet.page.set_viewport_size(PHONE)
    wallet.click("Try with sample badges")
    wallet.see("Showing 3 of 3")
    wallet.click("Teamwork (sample)", exact=False)
    wallet.see("What was checked")
    share = _inside(wallet, wallet.button("Share").first)
    _below(wallet, share, "Delete")

    wallet.tab("Issue")
    wallet.type("Issuer name", "Kampala Field School")
    wallet.click("Save issuer")
    wallet.click("New achievement")
    wallet.type("Achievement name", "Solar installer")
    wallet.type("Description", "Installs and maintains small solar kits.")
    wallet.type("What the learner did to earn it", "Installed three home kits.")
    wallet.click("Save achievement")
    wallet.see("Signing as Kampala Field School")
    issue = _inside(wallet, wallet.button("Issue Solar installer").first)
    measured = [
        _below(wallet, issue, admin)
        for admin in (
            "Scan my organisation's authorisation",
            "Add my organisation's authorisation",
            "Rename issuer",
        )
    ]
    assert any(measured), "no admin control laid out: the test would measure nothing"
    wallet.screenshot("issue-first-360")


def _below(wallet: Wallet, above: dict[str, float], name: str) -> bool:
    """The button `name` comes after `above`: lower on the page, or not laid out at all
    (Flutter leaves what is past the fold out of the semantics tree). Whether it was."""
    buttons = wallet.page.get_by_role("button", name=name, exact=True)
    box = buttons.first.bounding_box() if buttons.count() else None
    assert box is None or above["y"] + above["height"] <= box["y"], (name, above, box)
    return box is not None


def test_change_passphrase_asks_twice_and_backup_names_the_words(wallet: Wallet) -> None:
    wallet.create_wallet()
    wallet.tab("Settings")
    wallet.type("Passphrase", PASSPHRASE)
    wallet.type("New passphrase", "a brand new passphrase")
    wallet.type("New passphrase again", "a brand new passphrasf")
    wallet.click("Change passphrase")
    wallet.see("The two passphrases are different.")
    wallet.screenshot("settings-passphrase-mismatch")

    wallet.click("Save a backup file")
    wallet.see("12 recovery words")  # the words restore it, the passphrase alone does not
    wallet.screenshot("backup-confirm")
    wallet.click("Cancel")

    wallet.click_until("Lock now", "Wallet locked")  # the old passphrase still opens it
    unlock(wallet)
    wallet.see("My backpack")


def test_spanish_and_dark_at_360(wallet: Wallet, tmp_path: Path) -> None:
    """The decision screens in Spanish and the dark theme at a phone's width: the longer
    Spanish verdict wraps too, and the reason still comes first (docs/screens.md)."""
    presentation, _ = employer_presentation(tmp_path)
    wallet.create_wallet()
    wallet.click("Try with sample badges")
    wallet.see("Showing 3 of 3")
    wallet.page.set_viewport_size(PHONE)
    wallet.tab("Settings")
    wallet.page.get_by_role("radio", name="Español").click()
    wallet.see("Idioma")
    wallet.page.get_by_role("radio", name="Oscuro").click()
    wallet.page.wait_for_timeout(500)
    wallet.screenshot("settings-dark-es")
    wallet.tab("Mochila")
    wallet.see("Mostrando 3 de 3")
    wallet.screenshot("backpack-dark-es")
    wallet.tab("Verificar")
    wallet.choose_files("Abrir imagen QR", *qr_pictures(presentation, tmp_path, "es"))
    wallet.see("Válida, con avisos", exact=True)
    banner = _inside(wallet, wallet.page.get_by_text("Válida, con avisos", exact=True).first)
    assert banner["height"] > 60, banner
    _inside(wallet, wallet.page.get_by_text("Emisor de confianza: aviso").first)
    wallet.screenshot("verdict-warnings-dark-es")
