-- One row per report (every file: also rejected and duplicate ones; is_counted says which the
-- other marts use): metadata, status, findings and, pivoted from int_report_quantities, one
-- column per quantity: the cells, the request totals, the （六） crosswalk and each measure with
-- its numerator and denominator. A value is null when a term is missing or blank (a blank
-- counts as 0 only where the extraction proved it zero: uses_blank_zero_evidence), a measure
-- also when its denominator is 0.
-- depends_on: {{ ref('quantities') }}
{{ config(materialized='table') }}
{%- set quantities = gip_quantities() %}
with v as (
    select report_id,
    {%- for q in quantities %}
        {%- if q.kind == 'measure' %}
        {{ gip_pivot('numerator', q, q.name ~ '_numerator') }},
        {{ gip_pivot('denominator', q, q.name ~ '_denominator') }},
        {%- endif %}
        {{ gip_pivot('value' if q.kind == 'measure' else 'amount', q, q.name) }}{{ ',' if not loop.last }}
    {%- endfor %}
    from ({{ gip_quantity_lists(ref('int_report_quantities'), 'report_id',
                                ['amount', 'value', 'numerator', 'denominator'], quantities) }})
)
select
    r.report_id, r.organ, r.year, r.published, r.index_number, r.era, r.region_code,
    r.admin_level, r.organ_kind, r.province_code, r.prefecture_code, r.region_name,
    r.province_name, r.prefecture_name, r.department_type,
    r.organ_id, r.organ_key, r.status, r.n_findings, r.n_error_findings, r.n_warning_findings,
    r.n_identity_breaks, r.is_counted, r.counted_report_id, r.duplicate_of,
    r.uses_blank_zero_evidence, r.n_blank_zero_cells, r.corrected, r.n_corrected_cells,
    r.is_synthetic, r.source_file,
    v.* exclude (report_id),
    {{ gip_rankable('v.total_handled') }} as rankable
from {{ ref('int_reports') }} r
left join v using (report_id)
order by r.report_id
