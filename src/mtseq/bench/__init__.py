"""Benchmarks that measure mtseq against a bare baseline, side by side in one process.

``mtseq.train.bench`` (trainer vs a bare nn.LSTM loop) lives beside the trainer; this package
holds the rest: padding of the batches (``padding``), decoding (``decode``), the workflow's
planning and per-job costs (``pipeline``), peak memory of a child run (``memory``) and the
Markdown sections that ``--append-results`` adds to benchmarks/RESULTS.md (``results``).
Torch is imported only by the modules that need it.
"""
