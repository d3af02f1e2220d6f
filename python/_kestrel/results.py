"""The one base of every kestrel result (regress, did, mars, gsem; later sem and nd).

Every result has the same four ways out, with diff-diff's names:

- ``summary()`` returns the table as a Summary (a str that a REPL or notebook shows as the
  table) and prints nothing; ``print_summary()`` prints it and returns None;
- ``to_dict()`` returns a dict of the estimates and the settings that produced them;
- ``to_dataframe()`` returns a pandas DataFrame, one row per estimate (per term, cell, pair);
- ``plot()`` draws the result with matplotlib where a picture of it exists (event studies, the
  Goodman-Bacon decomposition, MARS terms) and returns what it drew; every other result raises
  NotImplementedError, naming the result, so ``plot`` is never missing, only refused.

A result whose estimator draws random numbers records the seed it used as ``seed`` (an int:
the one given, or the fresh one drawn for ``seed=None``), so any run can be repeated.
"""
from __future__ import annotations


class Results:
    """Base class of kestrel's results: summary, print_summary, to_dict, to_dataframe, plot."""

    __slots__ = ()  # a mixin: subclasses (dataclasses, scikit-learn estimators) keep their layout

    def summary(self):
        """The result as a table (a Summary: a str shown as the table); prints nothing."""
        raise NotImplementedError(f"{type(self).__name__} does not define summary()")

    def print_summary(self):
        """Print the summary table (``summary()`` returns it instead)."""
        print(self.summary())

    def to_dict(self):
        """The estimates and their settings as a dict."""
        raise NotImplementedError(f"{type(self).__name__} does not define to_dict()")

    def to_dataframe(self):
        """The estimates as a pandas DataFrame, one row per estimate."""
        raise NotImplementedError(f"{type(self).__name__} does not define to_dataframe()")

    def plot(self, *args, **kwargs):
        """Draw the result (matplotlib) where a picture of it exists; here there is none."""
        raise NotImplementedError(f"{type(self).__name__} has no plot; to_dataframe() gives "
                                  "its numbers to plot as you like")
