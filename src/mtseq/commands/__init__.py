"""CLI subcommands, one module each.

Each module defines ``register(subparsers)``, which adds its parser and sets
``func`` (a callable taking the parsed args). ``mtseq.cli`` discovers the
modules here, so a new stage is one new file.
"""
