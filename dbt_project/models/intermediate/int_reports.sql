-- One row per report file, with what the marts need to count it once and judge it:
--   organ_key: a stable organ identity across years and name changes, the organ registry's
--     organ_series_id (curation.organs: the canonical organ id followed along its successor
--     links); null when the organ is unknown. Synthetic reports get the prefix 'synthetic:', so
--     that no mart mixes them with published reports (every aggregate is keyed by is_synthetic
--     too) and exports can leave them out whole.
--   n_corrected_cells, corrected: cells whose value is a human correction (core.corrections).
--   is_counted: the one report of an organ and year the marts use. Not counted: rejected
--     reports, reports with duplicate_of set (the same report in another form), and the other
--     reports of the same (organ_key, year) — status ok first, then the most cells, then the
--     smallest report_id. counted_report_id names the report counted in a report's place.
--   region_name, province_name, prefecture_name: the codes' names in the report year (the
--     core.regions reference).
--   publication_deadline: by organ kind, the publication_deadlines seed (schema.PUBLICATION_DEADLINE)
--     applied to the year after the reporting year; identity breaks: findings of a check of the
--     identity_checks seed (schema.IDENTITIES).
with f as (
    select report_id,
        count(*) as n_findings,
        count(*) filter (where severity = 'error') as n_error_findings,
        count(*) filter (where severity = 'warning') as n_warning_findings,
        count(*) filter (where severity in ('error', 'warning')
                         and "check" in (select "check" from {{ ref('identity_checks') }})) as n_identity_breaks
    from {{ ref('stg_findings') }}
    group by report_id
),
z as (
    select report_id, count(*) filter (where filled_from_evidence) as n_blank_zero_cells,
        count(*) filter (where corrected) as n_corrected_cells
    from {{ ref('int_cells') }}
    group by report_id
),
r as (
    select r.*,
        case when r.organ_series_id is not null
             then case when r.is_synthetic then 'synthetic:' else '' end
                  || r.organ_series_id end as organ_key,
        (r.status <> 'rejected' and r.duplicate_of is null) as is_candidate
    from {{ ref('stg_reports') }} r
),
codes as (
    select region_code as code, year from r where region_code is not null
    union all select province_code, year from r where province_code is not null
    union all select prefecture_code, year from r where prefecture_code is not null
),
names as ({{ gip_region_names('codes') }}),
ranked as (
    select r.*,
        row_number() over w as candidate_rank,
        first_value(r.report_id) over w as first_report_id
    from r
    window w as (
        partition by coalesce(r.organ_key || '|' || cast(r.year as varchar), r.report_id)
        order by r.is_candidate desc, (r.status = 'ok') desc, r.n_cells desc, r.report_id)
)
select
    r.* exclude (is_candidate, candidate_rank, first_report_id),
    coalesce(f.n_error_findings, 0) as n_error_findings,
    coalesce(f.n_warning_findings, 0) as n_warning_findings,
    coalesce(f.n_identity_breaks, 0) as n_identity_breaks,
    coalesce(z.n_blank_zero_cells, 0) as n_blank_zero_cells,
    -- some value_used of the report is a blank the identities proved zero
    coalesce(z.n_blank_zero_cells, 0) > 0 as uses_blank_zero_evidence,
    coalesce(z.n_corrected_cells, 0) as n_corrected_cells,
    coalesce(z.n_corrected_cells, 0) > 0 as corrected,
    (r.is_candidate and r.candidate_rank = 1) as is_counted,
    case when r.status = 'rejected' then null
         when r.duplicate_of is not null then r.duplicate_of
         when r.is_candidate and r.candidate_rank = 1 then r.report_id
         else r.first_report_id end as counted_report_id,
    rn.name as region_name, pn.name as province_name, fn.name as prefecture_name,
    make_date(r.year + 1, d.month, d.day) as publication_deadline,
    r.published <= make_date(r.year + 1, d.month, d.day) as published_on_time
from ranked r
left join f using (report_id)
left join z using (report_id)
left join {{ ref('publication_deadlines') }} d on d.organ_kind = r.organ_kind
left join names rn on rn.code = r.region_code and rn.year is not distinct from r.year
left join names pn on pn.code = r.province_code and pn.year is not distinct from r.year
left join names fn on fn.code = r.prefecture_code and fn.year is not distinct from r.year
order by r.report_id
