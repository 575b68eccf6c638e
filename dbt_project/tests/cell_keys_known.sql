-- Every cell's (table, row, col) is one the schema defines for that table.
{{ config(meta={'dagster': {'ref': {'name': 'stg_cells'}}}) }}
select c.cell_id, c."table", c."row", c.col
from {{ ref('stg_cells') }} c
left join {{ ref('cell_keys') }} k
  on k."table" = c."table" and k."row" = c."row" and k.col = c.col
where k."table" is null
