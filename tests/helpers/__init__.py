"""Code the tests share: the workflow runner, a local HTTP server, a one-node Slurm cluster, a tiny benepar
model, config files for the commands. Imported as ``helpers.<module>`` (tests/ is on sys.path through
tests/conftest.py)."""
