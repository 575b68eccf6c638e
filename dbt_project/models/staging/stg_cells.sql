-- One row per extracted cell; cell_id is its key (report_id.table.row.col) as one column.
select
    report_id || '.' || "table" || '.' || "row" || '.' || col as cell_id,
    *
from {{ source('core', 'cells') }}
