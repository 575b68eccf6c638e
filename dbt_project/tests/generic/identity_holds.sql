{# Generic test: a schema identity on the long cells table (stg_cells).
   over='columns': per (report, column) the left rows sum to the right rows;
   over='rows': per (report, row) the left columns sum to the right columns.
   Returns each (report, key) where every term is printed and the sides differ. #}
{% test identity_holds(model, table_key, over, left, right, eras) %}
{% set term = 'row' if over == 'columns' else 'col' %}
{% set key = 'col' if over == 'columns' else 'row' %}
with c as (
    select c.report_id, c.{{ adapter.quote(term) }} as term, c.{{ adapter.quote(key) }} as k, c.value
    from {{ model }} c
    join {{ ref('stg_reports') }} r using (report_id)
    where c."table" = '{{ table_key }}'
      and r.era in ({% for e in eras %}'{{ e }}'{% if not loop.last %}, {% endif %}{% endfor %})
),
wide as (
    select report_id, k,
    {%- for t in (left + right) | unique %}
        max(value) filter (where term = '{{ t }}') as {{ adapter.quote(t) }}{% if not loop.last %},{% endif %}
    {%- endfor %}
    from c
    group by report_id, k
)
select *
from wide
where {{ gip_sides_differ(left, right) }}
{% endtest %}
