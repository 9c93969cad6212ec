"""Domain events as CloudEvents 1.0 in structured JSON mode, the feed's wire format.

| attribute         | from the domain event                                 |
|-------------------|-------------------------------------------------------|
| `specversion`     | `"1.0"`                                               |
| `id`              | its id (a UUID; consumers deduplicate by it)          |
| `type`            | `my_api.<type>.v1`: `item.updated` -> `my_api.item.updated.v1` |
| `source`          | the collection's path: `/api/v1/items`                |
| `subject`         | the aggregate's id                                    |
| `time`            | when it happened, RFC 3339 in UTC                     |
| `datacontenttype` | `"application/json"`                                  |
| `data`            | the resource as the API shows it after the change     |
| `sequence`        | extension: its place in the feed, a decimal string    |
"""

from __future__ import annotations

import re
from typing import Any

from my_api.adapters.http.crud_router import API_PREFIX
from my_api.kernel.converter import format_timestamp
from my_api.kernel.events import EVENT_TYPE, Published

# Bump the suffix when an event's data changes incompatibly; the feed then says so.
_VERSION = "v1"
_CLOUD_TYPE = re.compile(rf"my_api\.({EVENT_TYPE})\.{_VERSION}")


def cloud_type(event_type: str) -> str:
    """
    >>> cloud_type("item.updated")
    'my_api.item.updated.v1'
    """
    return f"my_api.{event_type}.{_VERSION}"


def domain_type(cloud: str) -> str | None:
    """The domain event type a CloudEvents type names, or None if it names none.

    >>> domain_type("my_api.order.placed.v1"), domain_type("item.updated")
    ('order.placed', None)
    """
    match = _CLOUD_TYPE.fullmatch(cloud)
    return match.group(1) if match else None


def cloud_event(published: Published) -> dict[str, Any]:
    event = published.event
    return {
        "specversion": "1.0",
        "id": str(event.id),
        "type": cloud_type(event.type),
        "source": f"{API_PREFIX}/{event.collection}",
        "subject": str(event.aggregate_id),
        "time": format_timestamp(event.time),
        "datacontenttype": "application/json",
        "data": event.data,
        "sequence": str(published.sequence),
    }
