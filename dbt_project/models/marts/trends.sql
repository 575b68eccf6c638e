-- Year-over-year change per organ (organ_key, counted reports) and per region-year row, for
-- every quantity the quantities seed marks for trends (the requests totals and groups, the
-- （六） crosswalk, the review/litigation cells, the measures), read long from
-- int_report_quantities and int_region_quantities; for organs also every section 二 cell.
-- Across the 2019→2021 era change only quantities whose meaning is unchanged (comparability
-- all_eras) are joined: the crosswalk quantity carries （六） across (schema.ERA_CROSSWALK:
-- 2021's three rows sum to 2019's one); section 二 cells and the era-specific （六） rows are
-- joined only within an era. A region row compares the same key (region, level, organ kind,
-- department type); its set of reports can change between years (n_reports, prev_n_reports).
-- uses_blank_zero_evidence: either year's unit (report, region row; for section 二, the cell
-- itself) has a value that is a blank proved zero. A null value has no trend.
-- A pre-2019 (legacy) report enters through its local statistics table's crosswalk quantities
-- (int_report_quantities.from_legacy): crosses_era and uses_crosswalk are true for those rows.
-- An organ unit is the organ registry's series (organ_key): crosses_rename is true where the two
-- years' reports name different organs of one series (a renamed organ; organ_id, prev_organ_id).
-- corrected: a value of either year rests on a human correction (core.corrections).
{{ config(materialized='table') }}
with trended as (select * from {{ ref('quantities') }} where comparability is not null),
units as (
    select 'organ' as unit_type, coalesce(c.organ_key, 'report:' || c.report_id) as unit_key,
        c.organ_id, c.year, c.era, c.is_synthetic, 1 as n_reports, c.uses_blank_zero_evidence,
        c.corrected, q.quantity, q.value
    from {{ ref('report_comparison') }} c
    join {{ ref('int_report_quantities') }} q using (report_id)
    where c.is_counted and c.year is not null and q.value is not null
    union all
    select 'region', g.region_key, null, g.year, g.era, g.is_synthetic, g.n_reports,
        g.uses_blank_zero_evidence, g.corrected, q.quantity, q.value
    from {{ ref('region_year') }} g
    join {{ ref('int_region_quantities') }} q using (region_year_id)
    where q.value is not null
),
ad as (
    select 'organ' as unit_type, coalesce(r.organ_key, 'report:' || r.report_id) as unit_key,
        r.organ_id, r.year, r.era, r.is_synthetic, 1 as n_reports,
        c.filled_from_evidence as uses_blank_zero_evidence, c.corrected,
        'active_disclosure.' || c."row" || '.' || c.col as quantity, c.value_used as value
    from {{ ref('int_cells') }} c
    join {{ ref('int_reports') }} r using (report_id)
    where r.is_counted and r.year is not null and c."table" = 'active_disclosure'
      and c.value_used is not null
),
all_values as (
    select u.*, t.comparability, t.kind
    from units u join trended t using (quantity)
    union all
    select *, 'same_era', 'cell' from ad
)
select
    cur.unit_type || '|' || cur.unit_key || '|' || cur.quantity || '|' || cast(cur.year as varchar)
        as trend_id,
    cur.unit_type, cur.unit_key, cur.is_synthetic, cur.quantity, cur.comparability,
    cur.year, prev.year as prev_year, cur.era, prev.era as prev_era,
    cur.value, prev.value as prev_value, cur.value - prev.value as change,
    (cur.value - prev.value) / nullif(prev.value, 0) as relative_change,
    cur.n_reports, prev.n_reports as prev_n_reports,
    (cur.uses_blank_zero_evidence or prev.uses_blank_zero_evidence) as uses_blank_zero_evidence,
    coalesce(cur.era <> prev.era, false) as crosses_era,
    coalesce(cur.era <> prev.era
             and (cur.kind = 'crosswalk' or 'legacy' in (cur.era, prev.era)), false)
        as uses_crosswalk,
    cur.organ_id, prev.organ_id as prev_organ_id,
    coalesce(cur.organ_id <> prev.organ_id, false) as crosses_rename,
    coalesce(cur.corrected or prev.corrected, false) as corrected
from all_values cur
join all_values prev
  on prev.unit_type = cur.unit_type and prev.unit_key = cur.unit_key
 and prev.quantity = cur.quantity and prev.year = cur.year - 1
where cur.comparability = 'all_eras'
   or (cur.era is not null and cur.era = prev.era)
order by cur.unit_type, cur.unit_key, cur.quantity, cur.year
