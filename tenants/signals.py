"""Signals tenants sends, so that other apps act on its changes without tenants importing
them. Both are sent inside the change's transaction, and a receiver that raises undoes
the change.

- `role_deleting(sender=Role, role=...)`: a custom role is about to be deleted (it is
  held by no member and no active key). A receiver that still needs the role refuses
  by raising a `core.exceptions.Conflict`; nothing has been written yet.
- `member_removed(sender=Membership, user=...)`: the person's membership of the current
  tenant is gone; receivers end what the person held in it (their sessions, their
  grants). tenants revokes their API keys right after.
- `member_sessions_ending(sender=Membership, user=...)`: an admin ends the member's
  sessions; a receiver deletes them and returns how many.
"""

from django.dispatch import Signal

role_deleting = Signal()
member_removed = Signal()
member_sessions_ending = Signal()
