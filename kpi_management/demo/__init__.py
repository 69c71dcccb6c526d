"""The demo's history builder (``builder``), run by ``make demo``; the demo records are the
XML files of this folder."""
