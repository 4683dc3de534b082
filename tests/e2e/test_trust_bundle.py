"""An employer pins an organisation's trust bundle from Settings; the screen then says
whose it is, its version, and how old it is."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.conftest import Wallet
from wallet.services.issuer.organisation import Organisation
from wallet.store import kdf


def test_pin_a_trust_bundle_in_settings(wallet: Wallet, tmp_path: Path) -> None:
    organisation = Organisation.create(
        tmp_path / "org.json", "org pass", name="Water Skills Guild",
        kdf_params=kdf.KdfParams.minimum(),
    )  # fmt: skip
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(organisation.publish(datetime.now(UTC))))
    wallet.create_wallet()
    wallet.tab("Settings")
    wallet.see("No trust bundle yet")
    wallet.choose_files("Add a trust bundle file", bundle)
    wallet.see("Trust bundle from Water Skills Guild added: 1 organisations.")
    wallet.see("Water Skills Guild: version 1, issued just now")
    wallet.screenshot("settings-trust")
