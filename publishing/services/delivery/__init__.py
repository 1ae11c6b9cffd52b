"""Delivery of posts to the networks, once: ``publish`` sends due targets, ``reconcile``
settles one whose outcome is unknown, ``comment`` posts a published one's first comment
under it, ``delete`` takes a published one down; their states change only through
``publishing.services.transitions``. What a post sends and the hash it is approved by
are ``publishing.content``'s."""

from publishing.services.delivery.comment import target_comment
from publishing.services.delivery.delete import target_delete
from publishing.services.delivery.publish import retry_delay, targets_publish
from publishing.services.delivery.reconcile import target_reconcile

__all__ = ["retry_delay", "target_comment", "target_delete", "target_reconcile", "targets_publish"]
