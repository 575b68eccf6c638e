select
    report_id || '.' || cast(seq as varchar) as finding_id,
    *
from {{ source('core', 'findings') }}
