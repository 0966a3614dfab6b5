"""The types protonats hands you, for annotations (walnats' ``walnats.types``): what ``connect``,
``emit``, ``consume``, ``plan``, the ledger and the middleware hooks return or pass, and the
``Serializer`` protocol. You construct none of them; ``protonats`` exports what you construct
and catch. Each is also importable from ``protonats``, as before.

::

    from protonats.types import ConnectedEvents, Delivery
"""

from ._errors import Fix
from .actors._config import ConsumerPlan
from .actors._connected import ConnectedActors
from .actors._dead import DeadLetter, Replayed
from .actors._middleware import Context, ErrorContext, OkContext
from .actors._pause import ActorState
from .actors._registry import ActorsConnection
from .events._serializers import Serializer
from .jetstream._config import Action, FieldChange, StreamPlan
from .jetstream._connect import ConnectContext
from .jetstream._connected import ConnectedEvents
from .jetstream._connection import Connection, Shareable
from .jetstream._consume import Delivery
from .jetstream._ledger import LedgerEntry, LedgerLimits, LedgerRevision, LedgerSchema
from .jetstream._loss import DataLoss
from .jetstream._publish import Ack
from .jetstream._register import OnNewer

__all__ = [
    "Ack",
    "Action",
    "ActorState",
    "ActorsConnection",
    "ConnectContext",
    "ConnectedActors",
    "ConnectedEvents",
    "Connection",
    "ConsumerPlan",
    "Context",
    "DataLoss",
    "DeadLetter",
    "Delivery",
    "ErrorContext",
    "FieldChange",
    "Fix",
    "LedgerEntry",
    "LedgerLimits",
    "LedgerRevision",
    "LedgerSchema",
    "OkContext",
    "OnNewer",
    "Replayed",
    "Serializer",
    "Shareable",
    "StreamPlan",
]
