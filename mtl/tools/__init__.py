"""The command-line tools, installed with the package: ``mtl <command>`` (see
:mod:`mtl.cli`) or, in a checkout, ``python tools/<command>.py`` (thin wrappers)."""
