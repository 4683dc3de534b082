import sys

from wallet.cli import main

raise SystemExit(main(sys.argv[1:] or ["app"]))  # `python -m wallet` starts the app
