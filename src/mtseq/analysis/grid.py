"""Moved to ``mtseq.grid`` (issue 14: the grid model is used by rules, training and benchmarks, not only
by analysis). This alias keeps ``mtseq.analysis.grid`` the same module object for branches written before
the move (issue 13's optimum modules import it); new code imports ``mtseq.grid``. Remove it once they are
merged and updated.
"""

import sys

from mtseq import grid

sys.modules[__name__] = grid
