"""First run: create a wallet (passphrase, recovery words, a short quiz) or restore one
from the recovery words and a backup file."""

from __future__ import annotations

import flet as ft

from wallet.ui import navigation
from wallet.ui.context import App
from wallet.ui.widgets import button, field, header

MIN_PASSPHRASE = 8


def view(app: App) -> ft.Control:
    t = app.t
    return ft.Column(
        [
            ft.Icon(ft.Icons.SCHOOL, size=64),
            ft.Text(t("onboarding.title"), size=26, weight=ft.FontWeight.BOLD),
            ft.Text(t("onboarding.intro")),
            button(t("onboarding.create"), lambda _: app.go(create)),
            button(t("onboarding.restore"), lambda _: app.go(restore), primary=False),
        ],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
    )


def _passphrase_problem(app: App, first: str, second: str) -> str | None:
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
        problem = _passphrase_problem(app, first.value or "", second.value or "")
        second.error = problem
        if problem:
            app.page.update()
            return
        words = await app.work(t("busy.creating"), app.session.create, first.value)
        if words:
            app.go(show_words, words=words)

    return ft.Column(
        [
            header(app, t("onboarding.create"), lambda: app.go(view)),
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
    numbered = [
        ft.Text(f"{n}. {word}", size=18, width=150) for n, word in enumerate(words.split(), start=1)
    ]
    return ft.Column(
        [
            header(app, t("onboarding.words_title")),
            ft.Text(t("onboarding.words_help")),
            ft.Row(numbered, wrap=True),
            button(t("onboarding.words_done"), lambda _: app.go(quiz, words=words)),
        ],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
    )


def quiz(app: App, words: str) -> ft.Control:
    t = app.t
    positions = app.session.quiz_positions(words)
    fields = {n: field(t("onboarding.word_n", n=n)) for n in positions}

    def submit(_: ft.ControlEvent) -> None:
        answers = {n: f.value or "" for n, f in fields.items()}
        if app.session.quiz_passes(words, answers):
            navigation.home(app)
        else:
            app.tell(t("onboarding.quiz_wrong"), error=True)

    return ft.Column(
        [
            header(app, t("onboarding.quiz_title"), lambda: app.go(show_words, words=words)),
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
        problem = _passphrase_problem(app, first.value or "", second.value or "")
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
            app.tell(t("onboarding.restored", n=count))
            navigation.home(app)

    return ft.Column(
        [
            header(app, t("onboarding.restore"), lambda: app.go(view)),
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
