import sys

from inftool_jax.cli import main

sys.exit(main())
