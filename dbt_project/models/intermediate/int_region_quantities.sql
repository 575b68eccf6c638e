-- Per region-year row (region, year, admin level, organ kind, department type, synthetic or
-- not: region_year_id) and quantity: the counted reports pooled. organ_kind is part of the key,
-- so a government's summary report is never added to the department reports it covers. A cell
-- or total is summed only where every report of the row has it (a blank is missing, not zero);
-- a measure is recomputed from the numerators and denominators summed over the reports where
-- both are known (never an average of rates), n_pooled saying how many. Reports without region
-- or year are left out (see data_quality).
with pooled as (
    select {{ gip_region_year_id() }} as region_year_id, q.quantity, any_value(q.kind) as kind,
        -- sums of integers stay BIGINT (DuckDB would widen them to INT128)
        case when count(q.amount) = count(*) then cast(sum(q.amount) as bigint) end as amount,
        cast(sum(q.numerator) filter (where q.numerator is not null
                                      and q.denominator is not null) as bigint) as numerator,
        cast(sum(q.denominator) filter (where q.numerator is not null
                                        and q.denominator is not null) as bigint) as denominator,
        count(*) filter (where q.numerator is not null and q.denominator is not null)
            as n_pooled
    from {{ ref('int_reports') }} r
    join {{ ref('int_report_quantities') }} q using (report_id)
    where r.is_counted and r.region_code is not null and r.year is not null
    group by all
)
select region_year_id, quantity, kind,
    case when kind = 'measure' then numerator / nullif(denominator, 0)
         else cast(amount as double) end as value,
    case when kind <> 'measure' then amount end as amount,
    case when kind = 'measure' then numerator end as numerator,
    case when kind = 'measure' then denominator end as denominator,
    case when kind = 'measure' then n_pooled end as n_pooled
from pooled
