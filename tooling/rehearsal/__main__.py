import sys

from tooling.rehearsal.run import main

sys.exit(main())
