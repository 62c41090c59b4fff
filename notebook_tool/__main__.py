"""``python -m notebook_tool`` runs the ``guanxi`` command."""

from .cli import main

main(prog_name="guanxi")
