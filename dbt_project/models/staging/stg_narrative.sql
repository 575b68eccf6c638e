select
    report_id || '.' || section as narrative_id,
    *
from {{ source('core', 'narrative') }}
