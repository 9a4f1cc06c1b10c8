"""Benchmarks that measure mtseq against a bare baseline, side by side in one process.

One package for every benchmark (issue 14; the training one was ``mtseq.train.bench``): the
trainer vs a bare nn.LSTM loop (``train``), padding of the batches (``padding``), decoding
(``decode``), the workflow's planning and per-job costs (``pipeline``), peak memory of a child run
(``memory``), the Markdown sections that ``--append-results`` adds to benchmarks/RESULTS.md
(``results``) and a tiny deterministic corpus in the standard layout (``fixture``), which the
drivers in benchmarks/ and the tests share, so that no benchmark imports from tests/.
Torch is imported only by the modules that need it.
"""
