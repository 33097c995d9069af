"""Settings for the whole suite: property tests judge results, never how long one example
takes (the suite runs several workers at once on a small machine)."""

from hypothesis import settings

settings.register_profile("casetrail", deadline=None)
settings.load_profile("casetrail")
