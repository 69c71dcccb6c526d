"""The demo's orders, deliveries and invoices (``builder``), run by ``make demo``; the demo
records are the XML file of this folder."""
