from replaylens.cli import main

raise SystemExit(main())
