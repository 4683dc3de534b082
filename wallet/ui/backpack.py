"""The learner's backpack: their badges as cards, with search, tags and how fresh each
verification is."""

from __future__ import annotations

from typing import Any

import flet as ft

from wallet.services.learner import demo
from wallet.ui.context import App
from wallet.ui.widgets import button, date_text, header, verification_chip


def _badge_image(card: dict[str, Any]) -> ft.Control:
    image = card.get("image") or ""
    if image.startswith("data:image/"):  # remote images would need the network
        return ft.Image(src=image, width=48, height=48)
    return ft.Icon(ft.Icons.WORKSPACE_PREMIUM, size=40)


def _card(app: App, card: dict[str, Any]) -> ft.Control:
    issued = date_text(app.t, card["issued"])
    return ft.Card(
        ft.Column(
            [
                ft.ListTile(
                    leading=_badge_image(card),
                    title=ft.Text(card["name"], weight=ft.FontWeight.BOLD),
                    subtitle=ft.Text(f"{card['issuer']} · {issued}"),
                    on_click=lambda _: app.go("/credential/{record_id}", record_id=card["id"]),
                ),
                ft.Row(
                    [verification_chip(app, card)]
                    + [ft.Chip(ft.Text(tag)) for tag in card["tags"]],
                    wrap=True,
                ),
            ],
            spacing=0,
        ),
    )


def _empty(app: App) -> ft.Control:
    t = app.t

    async def samples(_: ft.ControlEvent) -> None:
        pack = app.session.backpack
        added = await app.work(
            t("busy.samples"), lambda: demo.add_sample_badges(pack, now=app.session.now())
        )
        if added is not None:
            app.tell(t("backpack.samples_added", n=len(added)))
            app.go("/backpack")

    return ft.Column(
        [
            ft.Icon(ft.Icons.BACKPACK, size=64),
            ft.Text(t("backpack.empty_title"), size=20, weight=ft.FontWeight.BOLD),
            ft.Text(t("backpack.empty_help")),
            button(t("backpack.add"), lambda _: app.go("/backpack/add"), icon=ft.Icons.ADD),
            button(t("backpack.receive"), lambda _: app.go("/backpack/receive"), primary=False),
            button(t("backpack.try_samples"), samples, primary=False),
        ],
        spacing=16,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
    )


def view(app: App, query: str = "", tag: str | None = None) -> ft.Control:
    t = app.t
    pack = app.session.backpack
    everything = pack.list(page_size=200, sort="recent")
    if everything.total == 0:
        return ft.Column([header(app, t("backpack.title")), _empty(app)], spacing=16)
    if query:
        cards = pack.search(query)
    elif tag:
        cards = pack.list(page_size=200, tag=tag).cards
    else:
        cards = everything.cards
    tags = sorted({x for card in everything.cards for x in card["tags"]})
    search = ft.TextField(
        label=t("backpack.search"),
        value=query,
        prefix_icon=ft.Icons.SEARCH,
        on_submit=lambda e: app.go("/backpack", query=e.control.value or ""),
    )
    tag_chips: list[ft.Control] = [
        ft.Chip(
            ft.Text(x),
            selected=x == tag,
            on_select=lambda _, x=x: app.go("/backpack", tag=None if x == tag else x),
        )
        for x in tags
    ]
    return ft.Column(
        [
            header(app, t("backpack.title")),
            ft.Row(
                [
                    button(t("backpack.add"), lambda _: app.go("/backpack/add"), icon=ft.Icons.ADD),
                    button(
                        t("backpack.receive"), lambda _: app.go("/backpack/receive"), primary=False
                    ),
                ],
                wrap=True,
            ),
            search,
            ft.Row(tag_chips, wrap=True),
            ft.Text(t("backpack.count", n=len(cards), total=everything.total)),
            *[_card(app, card) for card in cards],
        ],
        spacing=12,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )
