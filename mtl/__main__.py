"""``python -m mtl <command> ...`` is the ``mtl`` command (:mod:`mtl.cli`)."""
from mtl.cli import main

main()
