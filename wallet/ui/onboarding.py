"""First run: choose a language, then create a wallet (passphrase, recovery words, a short
quiz) or restore one from the recovery words, with a backup file or a sync server.

From the words screen until the quiz passes there is no way to a tab: the wallet does not
exist yet (`Wallet.begin_create`), so the app shows no navigation bar, and the screens
offer only the words and the quiz."""

from __future__ import annotations

import flet as ft

from wallet.ui import device_language, navigation
from wallet.ui.context import App
from wallet.ui.i18n import LANGUAGES, Catalog
from wallet.ui.widgets import button, field, header

MIN_PASSPHRASE = 8


def view(app: App) -> ft.Control:
    t = app.t

    def choose_language(event: ft.Event[ft.RadioGroup]) -> None:
        # No wallet holds settings yet: the choice rides in the app until one exists.
        app.t = Catalog(event.control.value)
        device_language.remember(app)
        app.refresh()

    language = ft.RadioGroup(
        ft.Row([ft.Radio(value=code, label=name) for code, name in LANGUAGES.items()], wrap=True),
        value=t.language,
        on_change=choose_language,
    )
    return ft.Column(
        [
            ft.Icon(ft.Icons.SCHOOL, size=64),
            ft.Text(t("onboarding.title"), size=26, weight=ft.FontWeight.BOLD),
            ft.Text(t("settings.language"), weight=ft.FontWeight.BOLD),
            language,
            ft.Text(t("onboarding.intro")),
            button(t("onboarding.create"), lambda _: app.go("/onboarding/create")),
            button(t("onboarding.restore"), lambda _: app.go("/onboarding/restore"), primary=False),
            button(t("onboarding.join"), lambda _: app.go("/onboarding/join"), primary=False),
        ],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
    )


def passphrase_problem(app: App, first: str, second: str) -> str | None:
    if len(first) < MIN_PASSPHRASE:
        return app.t("onboarding.passphrase_short", n=MIN_PASSPHRASE)
    if first != second:
        return app.t("onboarding.passphrase_mismatch")
    return None


def create(app: App) -> ft.Control:
    t = app.t
    first = field(t("field.passphrase"), password=True)
    second = field(t("field.passphrase_again"), password=True)

    async def submit(_: ft.ControlEvent) -> None:
        problem = passphrase_problem(app, first.value or "", second.value or "")
        second.error = problem
        if problem:
            app.page.update()
            return
        words = await app.work(t("busy.creating"), app.session.begin_create, first.value)
        if words:
            app.go("/onboarding/words", words=words)

    return ft.Column(
        [
            header(app, t("onboarding.create"), lambda: app.go("/onboarding")),
            ft.Text(t("onboarding.passphrase_help")),
            first,
            second,
            button(t("onboarding.create_button"), submit),
        ],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
    )


def show_words(app: App, words: str) -> ft.Control:
    t = app.t
    numbered: list[ft.Control] = [
        ft.Text(f"{n}. {word}", size=18, width=150) for n, word in enumerate(words.split(), start=1)
    ]
    return ft.Column(
        [
            header(app, t("onboarding.words_title")),
            ft.Text(t("onboarding.words_help")),
            ft.Row(numbered, wrap=True),
            button(t("onboarding.words_done"), lambda _: app.go("/onboarding/quiz", words=words)),
        ],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
    )


def quiz(app: App, words: str) -> ft.Control:
    t = app.t
    positions = app.session.quiz_positions(words)
    fields = {n: field(t("onboarding.word_n", n=n)) for n in positions}

    async def submit(_: ft.ControlEvent) -> None:
        answers = {n: f.value or "" for n, f in fields.items()}
        job = app.session.confirm_create
        created = await app.work(t("busy.creating"), job, words, answers, t.language)
        if created:
            navigation.home(app)
        elif created is not None:
            app.tell(t("onboarding.quiz_wrong"), error=True)

    return ft.Column(
        [
            header(app, t("onboarding.quiz_title"), lambda: app.back("/onboarding/words")),
            ft.Text(t("onboarding.quiz_help")),
            *fields.values(),
            button(t("onboarding.quiz_button"), submit),
        ],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
    )


def restore(app: App) -> ft.Control:
    t = app.t
    words = field(t("field.recovery_words"), multiline=True)
    first = field(t("field.new_passphrase"), password=True)
    second = field(t("field.passphrase_again"), password=True)
    chosen = ft.Text(t("onboarding.no_backup"))
    backup: list[bytes] = []

    async def choose(_: ft.ControlEvent) -> None:
        files = await app.pick_files(["backup", "bin"])
        if files:
            backup[:] = [files[0][1]]
            chosen.value = files[0][0]
            app.page.update()

    async def submit(_: ft.ControlEvent) -> None:
        problem = passphrase_problem(app, first.value or "", second.value or "")
        second.error = problem
        if not backup:
            problem = problem or t("onboarding.no_backup")
            chosen.color = ft.Colors.ERROR
        app.page.update()
        if problem:
            return
        count = await app.work(
            t("busy.restoring"), app.session.restore, words.value or "", backup[0], first.value
        )
        if count is not None:
            app.session.prefer(language=t.language)
            app.tell(t("onboarding.restored", n=count))
            navigation.home(app)

    return ft.Column(
        [
            header(app, t("onboarding.restore"), lambda: app.go("/onboarding")),
            ft.Text(t("onboarding.restore_help")),
            words,
            ft.Row([button(t("onboarding.choose_backup"), choose, primary=False), chosen]),
            first,
            second,
            button(t("onboarding.restore_button"), submit),
        ],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
    )


def join(app: App) -> ft.Control:
    """Restore with the recovery words alone, from the sync server another device uses."""
    t = app.t
    words = field(t("field.recovery_words"), multiline=True)
    server = field(t("settings.server"))
    first = field(t("field.new_passphrase"), password=True)
    second = field(t("field.passphrase_again"), password=True)

    async def submit(_: ft.ControlEvent) -> None:
        problem = passphrase_problem(app, first.value or "", second.value or "")
        second.error = problem
        server.error = None if (server.value or "").strip() else t("onboarding.no_server")
        app.page.update()
        if problem or server.error:
            return
        count = await app.work(
            t("busy.joining"),
            app.session.join,
            words.value or "",
            (server.value or "").strip(),
            first.value,
            t.language,
        )
        if count is not None:
            app.tell(t("onboarding.restored", n=count))
        if app.session.unlocked:  # also when the pull broke off: the rest comes by itself
            navigation.home(app)

    return ft.Column(
        [
            header(app, t("onboarding.join"), lambda: app.go("/onboarding")),
            ft.Text(t("onboarding.join_help")),
            words,
            server,
            first,
            second,
            button(t("onboarding.join_button"), submit),
        ],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
    )
