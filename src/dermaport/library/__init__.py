"""Cited data: actives (charge states from pKa, size), skin parameter sets per site.

Loading is lazy: nothing is read until :func:`load_actives` or :func:`load_skin` is called.
"""

from dermaport.library.actives import Active, ActiveLibrary, load_active_file, load_actives
from dermaport.library.delivery import DeliveryAssessment, assess
from dermaport.library.skin import DEFAULT_SKIN, SkinLibrary, SkinSite, load_skin

__all__ = [
    "DEFAULT_SKIN",
    "Active",
    "ActiveLibrary",
    "DeliveryAssessment",
    "SkinLibrary",
    "SkinSite",
    "assess",
    "load_active_file",
    "load_actives",
    "load_skin",
]
