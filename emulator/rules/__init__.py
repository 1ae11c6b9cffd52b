"""Judge posts by each network's own rules, written from the networks' documentation.

The emulator never takes these from govsocial: a counting mistake in the app must be
refused here as the network would refuse it, not agreed with.

- ``x``: twitter-text's weighted length (configuration v3), 280 at most.
- ``mastodon``: 500 characters, a URL counting 23 and ``@user@domain`` as ``@user``.
- ``bluesky``: 300 graphemes and 3,000 bytes, as the post record's lexicon says.
- ``graph``: Facebook messages of 63,206 characters; Instagram captions of 2,200
  characters and 30 hashtags, 100 published posts a day.
- ``media``: how many files a post carries, of which types and sizes, and alt text.
"""
