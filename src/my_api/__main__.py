"""``python -m my_api`` is the ``my-api`` command."""

import sys

from my_api.cli import main

sys.exit(main())
