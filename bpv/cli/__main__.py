"""Allow ``python -m bpv.cli``, as ``python -m bpv``."""

import sys

from bpv.cli import main

sys.exit(main())
