import sys

from podalign.cli import main

sys.exit(main())
