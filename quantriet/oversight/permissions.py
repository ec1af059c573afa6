"""Who inspects and who is inspected.

The access action `MANAGE` (`access.MANAGE_OVERSIGHT`): committee office staff, inspectors (ủy ban kiểm
tra) and administrators whose scope covers the inspecting unit.

Relations of a user to an item (strongest first):
- ``inspecting``: the user's view scope covers the inspecting unit (the body and those above it): everything;
- ``team``: the user's member record is the head or a member of the item's team: everything, notes included;
- ``subject``: the user's view scope covers the subject unit (or the user is the subject member): the item,
  the self-report, and the conclusion and recommendations only once issued; never the working notes.
"""
from __future__ import annotations

from quantriet.accounts import access

MANAGE = access.MANAGE_OVERSIGHT

INSPECTING = "inspecting"
TEAM = "team"
SUBJECT = "subject"

