"""``python -m notebook_tool`` runs the ``guanxi`` command."""

from notebook_tool.cli.main import main

main(prog_name="guanxi")
