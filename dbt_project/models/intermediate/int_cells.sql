-- The cells with the one reading of a blank the marts allow: value_used is the printed value,
-- or 0 for a blank cell the extraction PROVED zero (listed in a <table>.blanks_as_zero finding:
-- the report's identities force it to 0). The weaker class (<table>.blanks_as_zero_consistent:
-- no identity forces it, every identity containing it merely holds with it read as 0) is
-- recorded in blank_zero_evidence but never used: such a blank stays null, like every other
-- blank. The two checks come from the blank_zero_checks seed (extraction.validate's names).
-- value_used_int: value_used as an integer in a column that counts things (schema dtype int;
-- the extraction never reads a fraction there), null in an amount column.
-- Only the columns the marts read (metadata.dbt_yaml.INT_CELLS_KEPT): at 20 million cells the
-- table's width is most of its cost (a cell_id string alone more than half of it); raw text,
-- page, provenance and cell_id stay in stg_cells. A view: its rows are stg_cells' with a small
-- join, which costs each reader a second per 20 million cells; written as a table it cost a
-- minute at a million reports, on the path to every mart.
{{ config(materialized='view') }}
with kinds as (select * from {{ ref('blank_zero_checks') }}),
evidence as (
    select f.report_id, f."table", f.cell,
        case when bool_or(k.evidence = 'proven') then 'proven' else 'consistent' end as evidence
    from (
        select report_id, "table", "check", unnest(string_split(cells, ' ')) as cell
        from {{ ref('stg_findings') }}
        where cells is not null
    ) f
    join kinds k on f."check" = f."table" || '.' || k.check_suffix
    group by f.report_id, f."table", f.cell
)
select
    c.report_id, c."table", c."row", c.col, c.dtype, c.value, c.corrected,
    coalesce(c.value, case when e.evidence = 'proven' then 0.0 end) as value_used,
    case when c.dtype = 'int' then
        cast(coalesce(c.value, case when e.evidence = 'proven' then 0.0 end) as bigint)
    end as value_used_int,
    (c.value is null and e.evidence is not distinct from 'proven') as filled_from_evidence,
    case when c.value is null then e.evidence end as blank_zero_evidence
from {{ ref('stg_cells') }} c
left join evidence e
  on e.report_id = c.report_id and e."table" = c."table" and e.cell = c."row" || '.' || c.col
