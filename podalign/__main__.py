import sys

from podalign.entry import main

sys.exit(main())
