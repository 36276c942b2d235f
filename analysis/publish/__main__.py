"""``python -m analysis.publish``: see analysis.publish."""

import sys

from analysis.publish import main

sys.exit(main())
