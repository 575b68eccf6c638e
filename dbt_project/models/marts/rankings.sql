-- Rank and percentile of each organ (counted report) and each region-year row on each measure,
-- read long from int_report_quantities and int_region_quantities, among its peers: same unit
-- type, year, admin level, organ kind and department type (and synthetic with synthetic only).
-- The spec's rule: rank only units whose own total_handled (the report's, or the region row's
-- sum) reaches the ranking_rule seed's minimum (schema.MIN_RANK_DENOMINATOR), whatever the
-- measure's denominator; each row shows that denominator. rank_status: too_small (below the
-- minimum), not_assessable (the value is null, or the unit's total_handled is unknown, so
-- reaching the minimum cannot be shown), else ranked. rank 1 = the highest value (for
-- denial_rate that is the least open); percentile = share of the ranked peers with a lower
-- value (0 lowest, 1 highest; null when ranked alone).
{{ config(materialized='table') }}
with measures as (
    select 'organ' as unit_type, coalesce(c.organ_key, 'report:' || c.report_id) as unit_key,
        c.report_id, c.region_code, c.region_name, c.year, c.admin_level, c.organ_kind,
        c.department_type,
        c.is_synthetic, c.total_handled, c.uses_blank_zero_evidence,
        q.quantity as measure, q.numerator, q.denominator, q.value
    from {{ ref('report_comparison') }} c
    join {{ ref('int_report_quantities') }} q using (report_id)
    where c.is_counted and c.year is not null and q.kind = 'measure'
    union all
    select 'region', g.region_key, null, g.region_code, g.region_name, g.year, g.admin_level,
        g.organ_kind,
        g.department_type, g.is_synthetic, g.total_handled, g.uses_blank_zero_evidence,
        q.quantity, q.numerator, q.denominator, q.value
    from {{ ref('region_year') }} g
    join {{ ref('int_region_quantities') }} q using (region_year_id)
    where q.kind = 'measure'
),
classed as (
    select m.*,
        case when m.total_handled < k.min_total_handled then 'too_small'
             when m.total_handled is null or m.value is null then 'not_assessable'
             else 'ranked' end as rank_status
    from measures m cross join {{ ref('ranking_rule') }} k
),
ranked as (
    select *,
        rank() over (peers order by value desc) as rank,
        count(*) over peers as n_ranked,
        percent_rank() over (peers order by value) as pr
    from classed where rank_status = 'ranked'
    window peers as (partition by unit_type, year, admin_level, organ_kind, department_type,
                     is_synthetic, measure)
)
select
    c.unit_type || '|' || c.unit_key || '|' || cast(c.year as varchar) || '|' || c.measure
        as ranking_id,
    c.unit_type, c.unit_key, c.report_id, c.region_code, c.region_name, c.year, c.admin_level,
    c.organ_kind,
    c.department_type, c.is_synthetic, c.measure, c.numerator, c.denominator, c.value,
    c.total_handled, c.uses_blank_zero_evidence, c.rank_status,
    r.rank, r.n_ranked, case when r.n_ranked > 1 then r.pr end as percentile
from classed c
left join ranked r using (unit_type, unit_key, year, measure)
order by c.unit_type, c.year, c.admin_level, c.organ_kind, c.department_type, c.measure,
    r.rank nulls last, c.unit_key
