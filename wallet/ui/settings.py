"""Roles, language, theme, passphrase, backup, re-verification, sync, and about."""

from __future__ import annotations

from datetime import UTC, datetime

import flet as ft

from wallet import __version__
from wallet.services.learner.fetching import EMAIL_SETTING, NETWORK_SETTING
from wallet.ui import biometrics, device_language, navigation
from wallet.ui.context import THEMES, App
from wallet.ui.i18n import LANGUAGES
from wallet.ui.widgets import (
    MIN_PASSPHRASE,
    ago,
    button,
    confirm,
    header,
    passphrase_field,
    radios,
    switch,
    text_button,
)


def _section(title: str) -> ft.Control:
    return ft.Text(title, size=18, weight=ft.FontWeight.BOLD)


def view(app: App) -> ft.Control:
    t = app.t
    settings = app.session.settings
    active = navigation.roles(app)

    def toggle_role(event: ft.Event[ft.Switch], role: str) -> None:
        chosen = [
            r
            for r in navigation.ROLES
            if (r == role and event.control.value) or (r != role and r in active)
        ]
        settings.set("roles", chosen)
        app.refresh()

    def choose(name: str, value: str) -> None:
        settings.set(name, value)
        app.apply_preferences()
        device_language.remember(app)
        app.refresh()

    roles = [
        switch(t(f"role.{role}"), role in active, lambda e, r=role: toggle_role(e, r))
        for role in navigation.ROLES
    ]
    language = radios(
        list(LANGUAGES.items()), t.language, lambda e: choose("language", e.control.value)
    )
    theme = radios(
        [(name, t(f"theme.{name}")) for name in THEMES],
        settings.get("theme", "system"),
        lambda e: choose("theme", e.control.value),
    )
    current = passphrase_field(app, t("field.passphrase"))
    new = passphrase_field(app, t("field.new_passphrase"))
    again = passphrase_field(app, t("field.new_passphrase_again"))

    async def change_passphrase(_: ft.ControlEvent) -> None:
        if len(new.value or "") < MIN_PASSPHRASE:
            app.tell(t("onboarding.passphrase_short", n=MIN_PASSPHRASE), error=True)
            return
        if (new.value or "") != (again.value or ""):
            app.tell(t("onboarding.passphrase_mismatch"), error=True)
            return
        done = await app.work(
            t("busy.changing"), _change, app, current.value or "", new.value or ""
        )
        if done:
            current.value = new.value = again.value = ""
            app.tell(t("settings.passphrase_changed"))

    async def save_backup() -> None:
        data = await app.work(t("busy.backup"), app.session.backup_bytes)
        if data is not None:
            await app.picker.save_file(file_name="learner-wallet.backup", src_bytes=data)

    def backup(_: ft.ControlEvent) -> None:
        confirm(
            app,
            t("settings.backup_title"),
            t("settings.backup_help"),
            t("settings.backup_confirm"),
            save_backup,
            destructive=False,
        )

    async def reverify(_: ft.ControlEvent) -> None:
        found = await app.work(t("busy.reverifying"), app.session.backpack.reverify_all)
        if found is not None:
            app.tell(t("settings.reverified", n=found[0], failing=found[1]))

    server = ft.TextField(label=t("settings.server"), value=settings.get("server", ""))

    async def sync_now(_: ft.ControlEvent) -> None:
        url = (server.value or "").strip()
        settings.set("server", url)
        if url:
            await app.work(t("busy.syncing"), app.session.sync, url)
            app.refresh()

    last_sync = ft.Text(_last_sync(app))

    def synced_in_background() -> None:
        last_sync.value = _last_sync(app)
        last_sync.update()

    app.after_background_sync = synced_in_background

    async def add_bundle(_: ft.ControlEvent) -> None:
        files = await app.pick_files(["json"])
        job = app.session.add_trust_bundle
        pinned = await app.work(t("busy.importing"), job, files[0][1]) if files else None
        if pinned:
            app.tell(t("settings.trust_added", name=pinned.name, orgs=pinned.organisations))
            app.refresh()

    def lock(_: ft.ControlEvent) -> None:
        app.locked()

    return ft.Column(
        [
            header(app, t("settings.title")),
            _section(t("settings.roles")),
            *roles,
            _section(t("settings.language")),
            language,
            _section(t("settings.theme")),
            theme,
            _section(t("settings.sync")),
            last_sync,
            server,
            button(t("settings.sync_now"), sync_now, primary=False),
            *_network(app),
            _section(t("settings.trust")),
            *_bundles(app),
            *_hand_trusted(app),
            button(t("settings.trust_add"), add_bundle, primary=False),
            _section(t("settings.security")),
            button(t("settings.lock_now"), lock, icon=ft.Icons.LOCK),
            *_biometric_switch(app),
            current,
            new,
            again,
            button(t("settings.change_passphrase"), change_passphrase, primary=False),
            _section(t("settings.data")),
            button(t("settings.backup"), backup, primary=False),
            button(t("settings.reverify"), reverify, primary=False),
            _section(t("settings.about")),
            ft.Text(t("settings.about_text", version=__version__)),
        ],
        spacing=8,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )


def _network(app: App) -> list[ft.Control]:
    """The one switch for the network beyond sync: off, nothing is ever fetched."""
    t = app.t
    settings = app.session.settings

    def toggle(event: ft.Event[ft.Switch]) -> None:
        settings.set(NETWORK_SETTING, bool(event.control.value))

    def save_emails(event: ft.Event[ft.TextField]) -> None:
        given = (event.control.value or "").split(",")
        settings.set(EMAIL_SETTING, [address.strip() for address in given if address.strip()])

    email = ft.TextField(
        label=t("settings.email"),
        value=", ".join(settings.get(EMAIL_SETTING, [])),
        on_blur=save_emails,
    )

    async def check_now(_: ft.ControlEvent) -> None:
        report = await app.work(t("busy.checking_online"), app.session.check_online)
        if report is None:
            return
        if report.off:
            app.tell(t("settings.network_off"), error=True)
        else:
            app.tell(
                t(
                    "settings.checked_online",
                    fetched=len(report.fetched),
                    failed=len(report.failed),
                    rechecked=report.rechecked,
                )
            )
        app.refresh()

    def accept(did: str) -> None:
        app.session.accept_keys(did)
        app.refresh()

    changes = [
        ft.Column(
            [
                ft.Text(t("settings.key_changed", did=did)),
                ft.TextButton(
                    t("settings.accept_keys", did=did), on_click=lambda _, d=did: accept(d)
                ),
            ],
            spacing=0,
        )
        for did in app.session.key_changes()
    ]
    return [
        _section(t("settings.network")),
        switch(t("settings.network_checks"), bool(settings.get(NETWORK_SETTING, False)), toggle),
        ft.Text(t("settings.network_help")),
        email,
        button(t("settings.check_online"), check_now, primary=False),
        *changes,
    ]


def _bundles(app: App) -> list[ft.Control]:
    held = app.session.trust_bundles()
    if not held:
        return [ft.Text(app.t("settings.trust_none"))]
    now = app.session.now()
    return [
        ft.Text(
            app.t(
                "settings.trust_bundle",
                name=bundle.name,
                version=bundle.sequence,
                when=ago(app.t, bundle.issued, now),
                until=app.t.date(bundle.expires),
            )
        )
        for bundle in held
    ]


def _hand_trusted(app: App) -> list[ft.Control]:
    """The issuers trusted by hand, each with a way to take the trust back."""
    t = app.t

    def remove(did: str, name: str) -> None:
        app.session.remove_trusted_issuer(did)
        app.tell(t("settings.trust_removed", name=name))
        app.refresh()

    return [
        ft.Column(
            [
                ft.Text(t("settings.trust_issuer", name=issuer.name, did=issuer.did)),
                text_button(
                    t("settings.trust_remove", name=issuer.name),
                    lambda _, i=issuer: remove(i.did, i.name),
                    icon=ft.Icons.REMOVE_CIRCLE_OUTLINE,
                ),
            ],
            spacing=0,
        )
        for issuer in app.session.trusted_issuers()
    ]


def _biometric_switch(app: App) -> list[ft.Control]:
    """Only where the platform has a biometric prompt and a keystore (biometrics.py)."""
    if not biometrics.available(app):
        return []

    async def toggle(event: ft.Event[ft.Switch]) -> None:
        if event.control.value:
            event.control.value = await biometrics.enable(app)
        else:
            await biometrics.disable(app)
        app.refresh()

    return [switch(app.t("settings.biometric"), app.session.device_unlock_enabled, toggle)]


def _last_sync(app: App) -> str:
    last = app.session.last_sync()
    if not last:
        return app.t("settings.never_synced")
    when = ago(app.t, datetime.fromtimestamp(last["at"], UTC), app.session.now())
    if last["ok"]:
        return app.t("settings.synced", when=when)
    reason = app.t.failure("sync", last.get("params"), last.get("code"))  # codes, not words
    return app.t("settings.sync_failed", when=when, reason=reason)


def _change(app: App, current: str, new: str) -> bool:
    app.session.change_passphrase(current, new)
    return True
