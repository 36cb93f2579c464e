from scriptum_lsp.cli import main

raise SystemExit(main())
