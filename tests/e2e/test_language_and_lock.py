"""Switching to Spanish changes what the screens say, and the wallet locks and unlocks
(in Spanish, because the language lives in the wallet)."""

from __future__ import annotations

from tests.e2e.conftest import PASSPHRASE, Wallet


def test_spanish_then_lock_and_unlock(wallet: Wallet) -> None:
    wallet.create_wallet()
    wallet.click("Try with sample badges")
    wallet.see("Showing 3 of 3")
    samples = wallet.button("Demo issuer (sample badges, not trusted)", exact=False)
    assert samples.count() == 3  # each card names the demo issuer as untrusted
    wallet.tab("Settings")
    wallet.see("Language")
    wallet.screenshot("settings")
    wallet.page.get_by_role("radio", name="Español").click()
    wallet.see("Idioma")
    for label in ("Mochila", "Verificar", "Emitir", "Ajustes"):
        assert wallet.page.get_by_role("tab", name=label, exact=True).count() == 1, label
    assert wallet.page.get_by_role("tab", name="Settings", exact=True).count() == 0
    wallet.screenshot("settings-es")

    wallet.click("Bloquear ahora")
    wallet.see("Monedero bloqueado")
    assert wallet.page.get_by_role("tab").count() == 0  # nothing behind the lock
    wallet.screenshot("unlock")
    wallet.type("Frase de contraseña", "not the passphrase")
    wallet.click("Desbloquear")
    wallet.see("Esa frase de contraseña no es correcta")
    wallet.type("Frase de contraseña", PASSPHRASE)
    wallet.click("Desbloquear")
    wallet.see("Mi mochila")
    wallet.see("Mostrando 3 de 3")
    wallet.screenshot("backpack-es")
