"""Publishing's pages, one module per subject: ``accounts`` (network accounts),
``pauses`` (crisis pauses)."""
