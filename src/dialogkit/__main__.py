"""`python -m dialogkit` runs the command line."""

from dialogkit.cli import main

main()
