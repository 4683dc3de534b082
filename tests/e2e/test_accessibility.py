"""The accessibility audit (issue 15): every screen at 360x640, in each language, read
from Chromium's accessibility tree (Flutter's semantics tree, switched on by the
placeholder click). On every screen each interactive node has a name, unique there, and
is at least 48x48 CSS px; no value is a disabled text field; and in es, fr and id no
English sentence of the catalog shows.

One app start per language; the screens are walked as a user walks them, since several
need what the one before made (the words, a verdict, an issued badge). A screen taller
than the viewport is scrolled through, and a node's size is the largest it showed (one
cut by the scroll edge shows smaller)."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pytest
from playwright.sync_api import Error, Page

from tests.conftest import ROOT
from tests.e2e.conftest import PASSPHRASE, Wallet, running_wallet
from tests.support import employer_presentation, qr_pictures
from wallet.ui.i18n import LANGUAGES, Catalog

SMALL_SCREEN = {"width": 360, "height": 640}
MIN_TARGET = 48  # CSS px: WCAG 2.5.5's 44, rounded up to Android's 48 dp
INTERACTIVE = {
    "button",
    "checkbox",
    "combobox",
    "link",
    "menuitem",
    "radio",
    "searchbox",
    "slider",
    "spinbutton",
    "switch",
    "tab",
    "textbox",
}
IMAGES = {"image", "img"}  # a QR code or picture says what it is
SCROLL_STEPS = 12
SETTLE_TRIES = 20
PLACES = """() => Array.from(document.querySelectorAll("flt-semantics"),
    e => Math.round(e.getBoundingClientRect().top)).join()"""
ROW_SLACK = 12  # px: controls side by side in a row, centred, start a little apart  # 400 px each: more than any screen here is tall
ENGLISH = json.loads((ROOT / "assets" / "locales" / "en.json").read_text(encoding="utf-8"))


@dataclass
class Node:
    role: str
    name: str
    disabled: bool
    width: float = 0
    height: float = 0


@dataclass
class Screen:
    """What one screen exposes, over every scroll position."""

    title: str
    nodes: dict[int, Node] = field(default_factory=dict)  # by DOM node: seen once each
    texts: set[str] = field(default_factory=set)
    unnamed_images: int = 0
    out_of_order: set[str] = field(default_factory=set)

    def problems(self) -> list[str]:
        found = []
        names: dict[str, int] = {}
        for node in self.nodes.values():
            names[node.name] = names.get(node.name, 0) + 1
            if not node.name.strip():
                found.append(f"{node.role} without a name")
            if node.width < MIN_TARGET or node.height < MIN_TARGET:
                found.append(f"{node.role} {node.name!r} is {node.width:.0f}x{node.height:.0f} px")
            half = node.name[: len(node.name) // 2].strip()
            if half and node.name == f"{half} {half}":
                found.append(f"{node.role} reads its label twice: {node.name!r}")
            if node.role == "textbox" and node.disabled:
                found.append(f"a value shown as a disabled text field: {node.name!r}")
        found += [f"{count} controls named {name!r}" for name, count in names.items() if count > 1]
        found += sorted(self.out_of_order)
        if self.unnamed_images:
            found.append(f"an image without a label (seen {self.unnamed_images} times)")
        return [f"{self.title}: {problem}" for problem in found]


def _english_sentences(language: str) -> list[tuple[str, str]]:
    """(key, fragment): each run of three or more words of an English catalog value
    between its placeholders, for the values the language words differently."""
    own = json.loads((ROOT / "assets" / "locales" / f"{language}.json").read_text("utf-8"))
    fragments = []
    for key, value in ENGLISH.items():
        if own.get(key) == value:
            continue
        for part in re.split(r"\{[^}]*\}", value):
            part = part.strip(" .,:;()")
            if len(part.split()) >= 3:
                fragments.append((key, part))
    return fragments


class Auditor:
    def __init__(self, wallet: Wallet, language: str) -> None:
        self.wallet = wallet
        self.page = cast(Page, wallet.page)  # conftest keeps it untyped
        self.language = language
        self.cdp = self.page.context.new_cdp_session(self.page)
        self.screens: list[Screen] = []

    def audit(self, title: str) -> None:
        self.page.wait_for_timeout(400)  # the screen's semantics follow its first frame
        screen = Screen(f"{self.language} {title}")
        self.page.mouse.move(SMALL_SCREEN["width"] / 2, SMALL_SCREEN["height"] / 2)
        seen: set[int] = set()
        for step in range(SCROLL_STEPS):
            shown = self._read(screen, check_order=step == 0)
            if shown <= seen:
                break  # the end of the screen
            seen |= shown
            self.page.mouse.wheel(0, 400)
            self._settle()
        self.page.mouse.wheel(0, -400 * SCROLL_STEPS)  # back to the top for the next step
        self.page.wait_for_timeout(200)
        self.screens.append(screen)

    def _read(self, screen: Screen, *, check_order: bool) -> set[int]:
        """One look at the tree: each node's name, and each control's size and place."""
        shown = set()
        placed: list[tuple[int, float, float, str, str]] = []  # (place, top, bottom, ...)
        order = self._document_order()
        for ax in self.cdp.send("Accessibility.getFullAXTree")["nodes"]:
            if ax.get("ignored") or "backendDOMNodeId" not in ax:
                continue
            dom = ax["backendDOMNodeId"]
            shown.add(dom)  # every node, so a screen's last lines of text are read too
            role = ax.get("role", {}).get("value", "")
            name = str(ax.get("name", {}).get("value", ""))
            if name:
                screen.texts.add(name)
            if role in IMAGES and not name.strip():
                screen.unnamed_images += 1
            if role not in INTERACTIVE:
                continue
            props = {p["name"]: p["value"].get("value") for p in ax.get("properties", [])}
            node = screen.nodes.setdefault(dom, Node(role, name, bool(props.get("disabled"))))
            try:
                box = self.cdp.send("DOM.getBoxModel", {"backendNodeId": dom})["model"]
            except Error:  # the node went between the two calls: measured at the next step
                continue
            node.width = max(node.width, box["width"])
            node.height = max(node.height, box["height"])
            top = box["content"][1]
            placed.append((order.get(dom, -1), top, top + box["height"], role, name))
        # The document's order is the order a screen reader and the Tab key visit the
        # controls in: it must not climb back up the screen. Only controls in full view
        # count: a scrolled list's semantics hold some just past its edge, under the tabs;
        # and only before scrolling: after it, Flutter's web semantics leave a text
        # field's suffix button where it was (seen in Settings, one scroll down).
        edge = min(
            [top for _, top, _, role, _ in placed if role == "tab"] or [SMALL_SCREEN["height"]]
        )
        placed = sorted(p for p in placed if p[3] == "tab" or (p[1] >= 0 and p[2] <= edge))
        if not check_order:
            return shown
        for (_, top_a, _, _, name_a), (_, top_b, _, _, name_b) in itertools.pairwise(placed):
            if top_b < top_a - ROW_SLACK:
                screen.out_of_order.add(f"focus goes up from {name_a!r} to {name_b!r}")
        return shown

    def _settle(self) -> None:
        """Wait until the semantics nodes stop moving: a scroll measured mid-way puts the
        controls read last in the wrong place."""
        before = None
        for _ in range(SETTLE_TRIES):
            self.page.wait_for_timeout(150)
            now = self.page.evaluate(PLACES)
            if now == before:
                return
            before = now

    def _document_order(self) -> dict[int, int]:
        """Each DOM node's place in a walk of the document, by backend id."""
        root = self.cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
        order: dict[int, int] = {}
        stack = [root]
        while stack:
            node = stack.pop()
            order[node["backendNodeId"]] = len(order)
            stack.extend(reversed(node.get("children", []) + node.get("shadowRoots", [])))
        return order

    def problems(self) -> list[str]:
        found = [problem for screen in self.screens for problem in screen.problems()]
        if self.language != "en":
            fragments = _english_sentences(self.language)
            for screen in self.screens:
                for key, fragment in fragments:
                    if any(fragment in text for text in screen.texts):
                        found.append(f"{screen.title}: English {key!r}: {fragment!r}")
        return found


def _presentation_pictures(tmp_path: Path) -> list[Path]:
    """A learner's presentation of one badge, as QR pictures an employer opens."""
    document, _ = employer_presentation(tmp_path)
    return qr_pictures(document, tmp_path, "presentation")


def _walk(wallet: Wallet, t: Catalog, audit: Auditor, pictures: list[Path]) -> None:
    page = cast(Page, wallet.page)
    wallet.see(t("onboarding.create"))
    audit.audit("onboarding")
    for key in ("onboarding.restore", "onboarding.join"):
        wallet.click(t(key))
        wallet.see(t(key + "_button"))
        audit.audit(key)
        wallet.click(t("common.back"))
    wallet.click(t("onboarding.create"))
    wallet.see(t("onboarding.create_button"))
    audit.audit("onboarding.create")
    wallet.type(t("field.passphrase"), PASSPHRASE)
    wallet.type(t("field.passphrase_again"), PASSPHRASE)
    wallet.click(t("onboarding.create_button"))
    wallet.see(t("onboarding.words_title"))
    words = [
        page.get_by_text(f"{n}. ", exact=False).first.inner_text().split(". ", 1)[1]
        for n in range(1, 13)
    ]
    audit.audit("onboarding.words")
    wallet.click(t("onboarding.words_done"))
    wallet.see(t("onboarding.quiz_title"))
    audit.audit("onboarding.quiz")
    for n, word in enumerate(words, start=1):
        label = t("onboarding.word_n", n=n)
        if page.get_by_role("textbox", name=label, exact=True).count():
            wallet.type(label, word)
    wallet.click(t("onboarding.quiz_button"))
    wallet.see(t("backpack.empty_title"))
    audit.audit("backpack, empty")

    wallet.click(t("backpack.try_samples"))
    wallet.see(t("backpack.count", n=3, total=3))
    audit.audit("backpack")
    page.get_by_role("button", name=re.compile("·")).first.click()
    wallet.see(t("detail.checks"))
    audit.audit("credential detail")
    wallet.click(t("detail.delete"))
    wallet.see(t("detail.delete_help"))
    audit.audit("delete confirmation")
    wallet.click(t("common.cancel"))
    wallet.type(t("detail.tags"), "solar, work")
    wallet.click(t("detail.save_tags"))
    wallet.see(t("detail.tags_saved"))
    wallet.tab(t("nav.backpack"))
    wallet.see(t("backpack.count", n=3, total=3))
    audit.audit("backpack, with tags")
    page.get_by_role("button", name=re.compile("·")).first.click()
    wallet.see(t("detail.checks"))
    wallet.click(t("detail.share"))
    wallet.see(t("share.show_qr"))
    audit.audit("share")
    wallet.click(t("share.show_qr"))
    wallet.see(t("share.qr_title"))
    audit.audit("share, QR")
    labels = {t("qr.label"), *(t("qr.label_sequence", total=n) for n in range(2, 30))}
    assert labels & audit.screens[-1].texts, "the QR code has no label"
    wallet.tab(t("nav.backpack"))
    wallet.click(t("backpack.receive"))
    wallet.see(t("receive.title"))
    audit.audit("receive")
    wallet.click(t("common.back"))
    wallet.click(t("backpack.add"))
    wallet.see(t("add.import_pasted"))
    audit.audit("add credential")
    wallet.click(t("add.scan"))
    wallet.see(t("scan.open_picture"))
    audit.audit("scanner")
    wallet.click(t("common.back"))
    wallet.see(t("add.import_pasted"))
    page.wait_for_timeout(500)  # the scanner's camera calls settle before the next tab

    wallet.tab(t("nav.verify"))
    wallet.see(t("verify.title"))
    audit.audit("verify")
    wallet.click(t("verify.ask"))
    wallet.see(t("verify.ask_title"))
    audit.audit("verify, ask")
    wallet.click(t("common.back"))
    wallet.choose_files(t("verify.open_image"), *pictures)
    wallet.see(t("verify.result_title"))
    audit.audit("verify, result")
    wallet.click(t("common.back"))
    wallet.click(t("verify.history"))
    wallet.see(t("history.title"))
    audit.audit("history")

    wallet.tab(t("nav.issue"))
    wallet.see(t("issuer.setup_title"))
    audit.audit("issuer, setup")
    wallet.type(t("issuer.name"), "Kampala Field School")
    wallet.click(t("issuer.setup_button"))
    wallet.click(t("issuer.new_template"))
    wallet.see(t("template.save"))
    audit.audit("achievement")
    wallet.type(t("template.name"), "Solar installer")
    wallet.type(t("template.description"), "Installs small solar kits.")
    wallet.type(t("template.criteria"), "Installed three kits.")
    wallet.click(t("template.save"))
    wallet.see(t("issuer.issue_button", name="Solar installer"))
    audit.audit("issuer")
    for learner in ("Amina Diallo", "Budi Santoso"):  # two Revoke buttons in the log
        wallet.click(t("issuer.issue_button", name="Solar installer"))
        wallet.type(t("issue.recipient"), learner)
        audit.audit("issue")
        wallet.click(t("issue.sign"))
        wallet.see(t("issue.done_title", name="Solar installer"))
        audit.audit("issued")
        wallet.click(t("common.back"))
    wallet.click(t("issuer.log"))
    wallet.see(t("log.title"))
    audit.audit("issuance log")

    wallet.tab(t("nav.settings"))
    wallet.see(t("settings.lock_now"))
    audit.audit("settings")
    wallet.click_until(t("settings.lock_now"), t("unlock.title"))
    audit.audit("unlock")
    wallet.type(t("field.passphrase"), "not the passphrase")
    wallet.click(t("unlock.button"))
    wallet.see(t("error.wrong_passphrase"))
    page.wait_for_timeout(1500)  # read on its screen
    wallet.click(t("unlock.forgot"))
    wallet.see(t("unlock.forgot_button"))
    page.wait_for_timeout(500)
    # Issue 15, "no stale toasts": the lock screen's error does not follow to the next.
    assert page.get_by_text(t("error.wrong_passphrase")).count() == 0
    audit.audit("forgot passphrase")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_screen_is_named_sized_and_translated(
    browser: object, tmp_path: Path, language: str
) -> None:
    pictures = _presentation_pictures(tmp_path)
    t = Catalog(language)
    with running_wallet(browser, tmp_path) as wallet:
        page = cast(Page, wallet.page)
        page.set_viewport_size({"width": SMALL_SCREEN["width"], "height": SMALL_SCREEN["height"]})
        if language != "en":
            wallet.see(Catalog("en")("onboarding.create"))
            page.get_by_role("radio", name=LANGUAGES[language]).click()
        audit = Auditor(wallet, language)
        _walk(wallet, t, audit, pictures)
        problems = audit.problems()
    assert problems == [], "\n".join(problems)
