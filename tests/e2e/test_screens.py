"""The screens that decide things, at a phone's 360x640 and on a desktop: the verdict says
why first, risky actions ask, labels stay on screen (issue 15)."""

from __future__ import annotations

import copy
from pathlib import Path

from tests.e2e.conftest import Wallet
from tests.e2e.test_employer import _pictures, _presentation

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
    presentation, _ = _presentation(tmp_path)
    tampered = copy.deepcopy(presentation)
    tampered["verifiableCredential"][0]["credentialSubject"]["name"] = "Someone Else"
    wallet.create_wallet()
    wallet.page.set_viewport_size(PHONE)
    wallet.tab("Verify")

    wallet.choose_files("Open QR image", *_pictures(presentation, tmp_path, "untrusted"))
    wallet.see("Valid, with warnings", exact=True)
    banner = _inside(wallet, wallet.page.get_by_text("Valid, with warnings", exact=True).first)
    assert banner["height"] > 60, banner  # two lines: the words wrap, none is cut off
    _inside(wallet, wallet.page.get_by_text("Trusted issuer: warning").first)
    wallet.screenshot("verdict-warnings-360")

    wallet.click("Back")
    wallet.choose_files("Open QR image", *_pictures(tampered, tmp_path, "tampered"))
    wallet.see("Not valid", exact=True)
    _inside(wallet, wallet.page.get_by_text("Issuer's signature: failed").first)
    wallet.see("Not verified")  # the claims are labelled, not shown as facts
    wallet.screenshot("verdict-invalid-360")


def test_share_labels_stay_on_screen_beside_the_lock(wallet: Wallet) -> None:
    """Long labels wrap: nothing is painted in the right margin beside the claims (a label
    running off the edge is), and no label reaches under its lock icon."""
    wallet.create_wallet()
    wallet.click("Try with sample badges")
    wallet.see("Showing 3 of 3")
    wallet.click("Teamwork (sample)", exact=False)
    wallet.click("Share")
    wallet.see("Choose what to show")
    for size in (PHONE, {"width": 412, "height": 915}):
        wallet.page.set_viewport_size(size)
        wallet.page.wait_for_timeout(500)
        claims = wallet.page.get_by_role("checkbox")
        boxes = [_inside(wallet, claims.nth(n)) for n in range(claims.count())]
        assert len(boxes) >= 4
        lock = wallet.page.get_by_text("Always shown", exact=True).first.bounding_box()
        locked = next(b for b in boxes if b["y"] <= lock["y"] <= b["y"] + b["height"])
        assert locked["x"] + locked["width"] <= lock["x"], (locked, lock)
        picture = wallet.screenshot(f"share-{size['width']}").convert("L")
        margin = picture.crop(
            (
                int(max(b["x"] + b["width"] for b in boxes)) + 2,
                int(boxes[0]["y"]),
                size["width"],
                int(boxes[-1]["y"] + boxes[-1]["height"]),
            )
        )
        low, high = margin.getextrema()
        assert high - low < 40, f"text painted in the right margin at {size['width']} px"
