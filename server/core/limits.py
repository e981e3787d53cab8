"""How long or how large what the office and the admin type may be: one place for each limit.

The checks, the roster import and the pages' maxlength/min/max (core/render.page_limits) all
read them here. The leader's limits are the protocol's (sync/records.py, sync/form_rules.py:
a resident's name and phone, a birth year, notes), the same for the office's resident forms.
Where a limit is a column's size, the column is named.
"""

from __future__ import annotations

MAX_DISPLAY_NAME_CHARS = 50  # User.display_name (a leader's name in the roster import too)
MAX_GROUP_NUMBER = 9999  # a building group's number, as the office form and the import take it
MAX_GROUP_NAME_CHARS = 100  # BuildingGroup.name
MAX_ADDRESS_CHARS = 200  # Household.address: the street and the room together
MAX_ROOM_CHARS = 20  # Household.room
MAX_COMMENT = 2000  # an office comment on a visit, a void's reason
SEARCH_MAX_CHARS = 50  # the leader's household search
MAX_QUERY_CHARS = 50  # the office's resident search
RULE_MIN, RULE_MAX = 1, 365  # days between elderly checks, per care flag
