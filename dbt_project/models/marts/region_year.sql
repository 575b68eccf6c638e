-- Per region, year, admin level, organ kind and department type (and synthetic or not): the
-- counted reports (is_counted) with region and year, and, pivoted from int_region_quantities,
-- their quantities pooled: a cell or total summed where every report has it, else null (a
-- blank is missing, not zero); each measure recomputed from pooled sums over the reports where
-- all its terms are present (never an average of rates), <measure>_n_reports saying how many.
-- organ_kind is part of the key, so a government's summary report is never added to the
-- department reports it covers. Reports without region or year are left out (see data_quality).
-- depends_on: {{ ref('quantities') }}
{{ config(materialized='table') }}
{%- set quantities = gip_quantities() %}
with g as (
    select {{ gip_region_year_id() }} as region_year_id, {{ gip_region_key() }} as region_key,
        region_code, year, admin_level, organ_kind, department_type, is_synthetic,
        any_value(province_code) as province_code,
        any_value(prefecture_code) as prefecture_code,
        any_value(region_name) as region_name,
        any_value(province_name) as province_name,
        any_value(prefecture_name) as prefecture_name,
        case when count(distinct era) = 1 then any_value(era) end as era,
        count(*) as n_reports,
        count(*) filter (where status = 'warning') as n_reports_warning,
        count(*) filter (where uses_blank_zero_evidence) as n_reports_blank_zero,
        bool_or(uses_blank_zero_evidence) as uses_blank_zero_evidence,
        bool_or(corrected) as corrected
    from {{ ref('int_reports') }}
    where is_counted and region_code is not null and year is not null
    group by all
),
v as (
    select region_year_id,
    {%- for q in quantities if q.kind != 'measure' %}
        {{ gip_pivot('amount', q, q.name) }},
    {%- endfor %}
    {%- for q in quantities if q.kind == 'measure' %}
        {{ gip_pivot('numerator', q, q.name ~ '_numerator') }},
        {{ gip_pivot('denominator', q, q.name ~ '_denominator') }},
        {{ gip_pivot('n_pooled', q, q.name ~ '_n_reports') }},
    {%- endfor %}
    {%- for q in quantities if q.kind == 'measure' %}
        {{ gip_pivot('value', q, q.name) }}{{ ',' if not loop.last }}
    {%- endfor %}
    from ({{ gip_quantity_lists(ref('int_region_quantities'), 'region_year_id',
                                ['amount', 'value', 'numerator', 'denominator', 'n_pooled'], quantities) }})
)
select g.*, v.* exclude (region_year_id), {{ gip_rankable('v.total_handled') }} as rankable
from g
join v using (region_year_id)
order by region_code, year, admin_level, organ_kind, department_type, is_synthetic
