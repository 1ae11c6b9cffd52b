"""Publishing's pages, one module per subject: ``accounts`` (network accounts),
``posts`` (the posts list, a post, the composer) and ``media`` (the media library)."""
