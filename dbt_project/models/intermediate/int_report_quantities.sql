-- One row per report and quantity of the quantities seed (metadata.outputs.QUANTITIES): a
-- cell, a sum of request rows, the （六） crosswalk or a measure, long. A part (value; a
-- measure's numerator and denominator) is a signed sum of count cells (quantity_terms), an
-- integer; it is null when any of its cells is missing or blank (a blank counts as 0 only where
-- the extraction proved it zero: int_cells.value_used_int), never a smaller number. A part with
-- alternatives (the crosswalk) takes the first that is known. amount is a count quantity's
-- integer; a measure's value is numerator / denominator (a double), null when either is unknown
-- or the denominator is 0; value is every quantity as a number (trends compare them all).
-- A pre-2019 report has no cells: its quantities are the year values of its local statistics
-- table that the legacy_crosswalk seed maps to a quantity (schema.LEGACY_INDICATORS; an
-- ambiguous value stays null, and so does a quantity two lines of one table would give);
-- from_legacy marks them.
with terms as (select * from {{ ref('quantity_terms') }}),
n_terms as (
    select quantity, part, alternative, count(*) as n_terms
    from terms group by all
),
sums as (
    select c.report_id, t.quantity, t.part, t.alternative,
        cast(sum(t.sign * c.value_used_int) as bigint) as amount,
        count(c.value_used_int) as n_known
    from {{ ref('int_cells') }} c
    join terms t on t."table" = c."table" and t."row" = c."row" and t.col = c.col
    group by all
),
parts as (
    select s.report_id, s.quantity, s.part, arg_min(s.amount, s.alternative) as amount
    from sums s
    join n_terms n using (quantity, part, alternative)
    where s.n_known = n.n_terms
    group by all
),
known as (
    select report_id, quantity,
        max(amount) filter (where part = 'value') as amount,
        max(amount) filter (where part = 'numerator') as numerator,
        max(amount) filter (where part = 'denominator') as denominator
    from parts group by all
),
legacy as (
    select l.report_id, x.quantity,
        case when count(*) = 1 then cast(any_value(l.value) as bigint) end as amount
    from {{ ref('stg_legacy_statistics') }} l
    join {{ ref('legacy_crosswalk') }} x using (indicator)
    where l.period = 'year' and l.value_status = 'ok' and nullif(x.quantity, '') is not null
    group by all
)
select r.report_id, q.quantity, q.kind,
    case when q.kind = 'measure' then k.numerator / nullif(k.denominator, 0)
         else cast(coalesce(k.amount, lg.amount) as double) end as value,
    case when q.kind <> 'measure' then coalesce(k.amount, lg.amount) end as amount,
    k.numerator, k.denominator,
    (k.amount is null and lg.amount is not null) as from_legacy
from {{ ref('int_reports') }} r
cross join {{ ref('quantities') }} q
left join known k on k.report_id = r.report_id and k.quantity = q.quantity
left join legacy lg on lg.report_id = r.report_id and lg.quantity = q.quantity
