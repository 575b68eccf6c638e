-- Per region and reporting year (null region or year: 'unknown'): the report files found and
-- how they fared. Identity pass rate: counted, readable reports without an identity finding
-- of severity error or warning, over counted readable reports. Timeliness: counted reports
-- with a publication date against schema.PUBLICATION_DEADLINE (departments and general
-- offices 31 January, government summary reports 31 March of the next year).
{{ config(materialized='table') }}
with r as (select * from {{ ref('int_reports') }}),
g as (
    select region_code, year, is_synthetic,
        any_value(province_code) as province_code,
        any_value(region_name) as region_name,
        any_value(province_name) as province_name,
        count(*) as n_found,
        count(*) filter (where is_counted) as n_counted,
        count(*) filter (where not is_counted and status <> 'rejected') as n_duplicates,
        count(*) filter (where status = 'ok') as n_ok,
        count(*) filter (where status = 'warning') as n_warning,
        count(*) filter (where status = 'rejected') as n_rejected,
        count(*) filter (where is_synthetic) as n_synthetic,
        count(*) filter (where is_counted and uses_blank_zero_evidence) as n_blank_zero,
        count(*) filter (where is_counted) as n_identity_assessed,
        count(*) filter (where is_counted and n_identity_breaks = 0) as n_identity_pass,
        count(*) filter (where is_counted and published_on_time is not null) as n_dated,
        count(*) filter (where is_counted and published_on_time) as n_on_time,
        count(*) filter (where is_counted and not published_on_time) as n_late
    from r
    group by region_code, year, is_synthetic
)
select
    coalesce(region_code, 'unknown') || '|' || coalesce(cast(year as varchar), 'unknown')
        || case when is_synthetic then '|synthetic' else '' end as quality_id,
    g.*,
    n_identity_pass / nullif(n_identity_assessed, 0) as identity_pass_rate,
    n_on_time / nullif(n_dated, 0) as on_time_rate
from g
order by region_code nulls last, year nulls last, is_synthetic
