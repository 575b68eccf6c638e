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
-- The sums are grouped by report and an integer term group (one quantity, part and alternative),
-- not by those three strings: at a million reports, a hundred million sums.
with terms as (
    select t.*, dense_rank() over (order by t.quantity, t.part, t.alternative) as term_group
    from {{ ref('quantity_terms') }} t
),
term_groups as (
    select term_group, any_value(quantity) as quantity, any_value(part) as part,
        any_value(alternative) as alternative, count(*) as n_terms
    from terms group by term_group
),
sums as (
    select c.report_id, t.term_group,
        cast(sum(t.sign * c.value_used_int) as bigint) as amount,
        count(c.value_used_int) as n_known
    from {{ ref('int_cells') }} c
    join terms t on t."table" = c."table" and t."row" = c."row" and t.col = c.col
    group by c.report_id, t.term_group
),
-- per part, the first alternative whose cells are all known
known as (
    select s.report_id, g.quantity,
        arg_min(s.amount, g.alternative) filter (where g.part = 'value') as amount,
        arg_min(s.amount, g.alternative) filter (where g.part = 'numerator') as numerator,
        arg_min(s.amount, g.alternative) filter (where g.part = 'denominator') as denominator
    from sums s
    join term_groups g using (term_group)
    where s.n_known = g.n_terms
    group by s.report_id, g.quantity
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
