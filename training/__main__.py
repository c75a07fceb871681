"""``python -m training ...`` is the same CLI as ``sentinel ...``."""

import sys

from training.cli import main

sys.exit(main())
