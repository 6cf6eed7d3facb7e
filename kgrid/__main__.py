import sys

from kgrid import main

sys.exit(main())
