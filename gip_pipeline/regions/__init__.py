"""Region (GB/T 2260) and organ coding of report publishers.

Public API: load_regions, get_region, region_history, code_organ, Region, OrganCoding.
"""

from gip_pipeline.regions.coding import (
    DEPARTMENT_TYPE_KEYS,
    ORGAN_KINDS,
    OrganCoding,
    code_organ,
    department_type,
)
from gip_pipeline.regions.reference import (
    LEVELS,
    NATIONAL_CODE,
    Region,
    get_region,
    load_regions,
    reference_meta,
    region_history,
)

__all__ = [
    "DEPARTMENT_TYPE_KEYS", "LEVELS", "NATIONAL_CODE", "ORGAN_KINDS", "OrganCoding", "Region",
    "code_organ", "department_type", "get_region", "load_regions", "reference_meta",
    "region_history",
]
