"""All volunteer tables in one import, for callers outside `volunteers/` and the model registry.

The models live in `volunteers.registry.models` (volunteers and what belongs to them) and
`volunteers.outreach.models` (offers and assignments); this module only re-exports them so that
`from volunteers.models import Volunteer` keeps working while the rest of the project moves.
"""

from volunteers.outreach.models import Assignment, AssignmentStatus, Offer, OfferStatus
from volunteers.registry.models import (
    Volunteer,
    VolunteerAbsence,
    VolunteerArea,
    VolunteerAvailability,
    VolunteerCertificate,
    VolunteerLanguage,
    VolunteerSkill,
)

__all__ = [
    "Assignment",
    "AssignmentStatus",
    "Offer",
    "OfferStatus",
    "Volunteer",
    "VolunteerAbsence",
    "VolunteerArea",
    "VolunteerAvailability",
    "VolunteerCertificate",
    "VolunteerLanguage",
    "VolunteerSkill",
]
