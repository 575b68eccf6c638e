-- One row per extracted cell; cell_id is the natural key as one column for the tests.
select
    report_id || '.' || "table" || '.' || "row" || '.' || col as cell_id,
    *
from {{ source('core', 'cells') }}
