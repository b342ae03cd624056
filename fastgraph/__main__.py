"""`python -m fastgraph`: the command line (see fastgraph.cli)."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
