"""Publishing's pages, one module per subject: ``accounts`` (network accounts),
``posts`` (the posts list, a post, the composer), ``media`` (the media library) and
``pauses`` (crisis pauses)."""
