"""SQLAlchemy 2.0 models and reference-data tables. Framework-free: no Flask here."""

from models.accounts import AuditEntry, Invitation, OrgRole, SignIn, User
from models.alerts import AlertIndexState, AlertSubscription, Notification
from models.base import Base
from models.conversations import Conversation, ConversationMute, ConversationRead, Message
from models.deals import Deal, DealEvent
from models.deliveries import Delivery
from models.exports import ExportJob
from models.facilitation import FirmNote, ListingReport
from models.geo import Boundary, Postcode
from models.impact import Factor, FactorSet, StoredEstimate
from models.listings import Listing
from models.matches import MatchEntry, MatchList
from models.organisations import Organisation
from models.outbox import OutboxEmail
from models.potentials import MatchPotential, PotentialPair
from models.sites import Site
from models.tallies import FirmTally
from models.taxonomy import EwcCode

__all__ = [
    "AlertIndexState",
    "AlertSubscription",
    "AuditEntry",
    "Base",
    "Boundary",
    "Conversation",
    "ConversationMute",
    "ConversationRead",
    "Deal",
    "DealEvent",
    "Delivery",
    "EwcCode",
    "ExportJob",
    "Factor",
    "FactorSet",
    "FirmNote",
    "FirmTally",
    "Invitation",
    "Listing",
    "ListingReport",
    "MatchEntry",
    "MatchList",
    "MatchPotential",
    "Message",
    "Notification",
    "OrgRole",
    "Organisation",
    "OutboxEmail",
    "Postcode",
    "PotentialPair",
    "SignIn",
    "Site",
    "StoredEstimate",
    "User",
]
