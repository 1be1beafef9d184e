"""``python -m mfgcanon`` runs the command line."""

from mfgcanon.cli import main

main()
