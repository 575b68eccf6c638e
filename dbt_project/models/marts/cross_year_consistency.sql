-- Each identity between two years of one organ (the cross_year_identities seed, rendered from
-- schema.CROSS_YEAR_IDENTITIES; today requests.carry_consistency: carried_over of year t equals
-- carried_forward of year t-1, per column). One row per organ (organ_key), identity, year t and
-- column where both years' counted reports exist; result holds, differs (a finding, of the
-- identity's severity) or not_assessable (a value is missing or blank).
-- uses_blank_zero_evidence: one of the two values is a blank the extraction proved zero.
-- The value columns keep the names of the one identity there is (carried_over,
-- prev_carried_forward): they are this mart's published interface.
{{ config(materialized='table') }}
with identities as (select * from {{ ref('cross_year_identities') }}),
v as (
    select i."check", i.severity, c."row" = i.row_t as is_year_t,
        r.organ_key, r.organ, r.region_code, r.is_synthetic, r.year, r.report_id, c.col,
        c.value_used_int as value_used, c.filled_from_evidence
    from {{ ref('int_cells') }} c
    join {{ ref('int_reports') }} r using (report_id)
    join identities i on c."table" = i."table" and c."row" in (i.row_t, i.row_prev)
    where r.is_counted and r.organ_key is not null and r.year is not null
)
select
    cur.organ_key || '|' || cast(cur.year as varchar) || '|' || cur.col as consistency_id,
    cur."check", cur.severity,
    cur.organ_key, cur.organ, cur.region_code, cur.is_synthetic, cur.year, prev.year as prev_year,
    cur.report_id, prev.report_id as prev_report_id, cur.col,
    cur.value_used as carried_over, prev.value_used as prev_carried_forward,
    cur.value_used - prev.value_used as difference,
    (cur.filled_from_evidence or prev.filled_from_evidence) as uses_blank_zero_evidence,
    case when cur.value_used is null or prev.value_used is null then 'not_assessable'
         when cur.value_used <> prev.value_used then 'differs'
         else 'holds' end as result
from v cur
join v prev
  on prev."check" = cur."check" and prev.organ_key = cur.organ_key and prev.year = cur.year - 1
 and prev.col = cur.col and cur.is_year_t and not prev.is_year_t
order by cur.organ_key, cur.year, cur.col
