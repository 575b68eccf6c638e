{# The quantities seed (metadata.outputs.QUANTITIES) in its order, read when the model runs:
   the wide marts pivot their long quantities into one column each (a measure: three). A model
   calling this must declare `-- depends_on: {{ ref('quantities') }}`, since at parse time
   nothing is read. #}
{% macro gip_quantities() %}
    {%- set out = [] -%}
    {%- if execute -%}
        {%- set rows = run_query("select quantity, kind from " ~ ref('quantities') ~ " order by position") -%}
        {%- for r in rows -%}
            {%- do out.append({'name': r[0], 'kind': r[1], 'place': loop.index}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(out) }}
{% endmacro %}

{# The long rows of `relation` (one per `key` and quantity) as one row per key: `key` and
   `in_order`, a list of structs of `fields`, one per quantity in the seed's order (the order of
   gip_quantities), so that gip_pivot takes a quantity's value by its place. One list per key
   rather than one filtered aggregate per column (over a hundred of them): five times faster,
   most of report_comparison's minute at a million reports. The places are right only when a
   key has every quantity once: each relation pivoted has a unique_key test on (key, quantity),
   which dbt build runs before the marts, and its rows come from the seed's quantities, so a
   key with any other number of rows stops the build here. #}
{% macro gip_quantity_lists(relation, key, fields, quantities) -%}
    select l.{{ key }}, list({
        {%- for f in fields %}'{{ f }}': l.{{ f }}{{ ', ' if not loop.last }}{% endfor -%}
    } order by q.position) as in_order
    from {{ relation }} l
    join {{ ref('quantities') }} q using (quantity)
    group by l.{{ key }}
    having case when count(*) = {{ quantities | length }} then true
        else error('{{ relation }}: a {{ key }} without exactly one row per quantity') end
{%- endmacro %}

{# One pivoted column: the field of quantity q (from gip_quantities) in gip_quantity_lists. #}
{% macro gip_pivot(field, q, alias) -%}
    in_order[{{ q.place }}].{{ field }} as {{ alias }}
{%- endmacro %}

{# Whether a unit is ranked: its total_handled reaches the ranking_rule seed's minimum
   (schema.MIN_RANK_DENOMINATOR); false when unknown. #}
{% macro gip_rankable(total_handled) -%}
    coalesce({{ total_handled }} >= (select min_total_handled from {{ ref('ranking_rule') }}), false)
{%- endmacro %}
