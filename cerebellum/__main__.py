import sys

from cerebellum.cli import main

sys.exit(main())
