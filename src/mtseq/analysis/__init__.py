"""Grid expansion, aggregation over seeds, statistics, plots and the summary page.

Submodules are imported on demand: ``grid`` is loaded by the Snakefile at
every start and must not pull in pandas or matplotlib.
"""
