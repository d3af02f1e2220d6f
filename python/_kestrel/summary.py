"""What a result's summary table is made of. ``summary()`` (results.py) returns a Summary, a str
whose repr is the text itself, so ``res.summary()`` typed at a REPL or as a notebook cell's last
line shows the table once, laid out as print shows it; and the significance stars."""


class Summary(str):
    """A result's summary table: a str (search it, write it to a file) that a REPL or a notebook
    displays as the table, not as a quoted string."""

    __slots__ = ()

    def __repr__(self):
        return str.__str__(self)

    def _repr_pretty_(self, p, cycle):  # IPython / Jupyter
        p.text(str.__str__(self))


def stars(p):
    """Significance stars as the kestrel command prints them (R's codes)."""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "." if p < 0.1 else ""


# The legend printed under a table with stars (the kestrel command's, R's "Signif. codes").
STARS_LEGEND = "Signif. codes: 0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"
