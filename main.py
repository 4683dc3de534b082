"""`flet build`'s entry point. flet-cli looks for `<module>.py` at the root of the app
directory, so this file only starts the app that wallet/ui/mobile.py defines."""

import wallet.ui.mobile  # noqa: F401  (importing it runs the app)
