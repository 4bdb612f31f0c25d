"""``python -m erpsim.cli``: the ``erpsim`` command."""
import sys

from erpsim.cli import main

sys.exit(main())
