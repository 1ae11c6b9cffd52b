"""The demo's mailbox: `make run` starts a local SMTP server (``python -m
govsocial.demo_mailbox``) that keeps every message the app sends, over SMTP as in
production, in a Maildir folder; the *Mailbox* page (``DEMO_MAILBOX``, unset in
production) lists them with working links, so that a newcomer can accept an invitation
or open an approval link."""
