from wallet.cli import main

raise SystemExit(main())
