"""Corpora, in the order the pipeline makes them: ``synth`` generates the default corpus; ``fetch``
downloads real ones (checksummed, resumable, unpacked safely); ``prepare`` turns downloads into the
raw/ layout. After raw/ no stage can tell a generated corpus from a real one (mtseq.layout)."""
