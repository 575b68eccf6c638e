select
    report_id || '.' || cast(seq as varchar) || '.' || period as legacy_statistic_id,
    *
from {{ source('core', 'legacy_statistics') }}
