"""``python -m hisbridge.queue_views`` — same as ``python -m hisbridge queue-views``."""

import sys

from hisbridge.queue_views.cli import main

sys.exit(main())
