{# The quantities seed (metadata.outputs.QUANTITIES) in its order, read when the model runs:
   the wide marts pivot their long quantities into one column each (a measure: three). A model
   calling this must declare `-- depends_on: {{ ref('quantities') }}`, since at parse time
   nothing is read. #}
{% macro gip_quantities() %}
    {%- set out = [] -%}
    {%- if execute -%}
        {%- set rows = run_query("select quantity, kind from " ~ ref('quantities') ~ " order by position") -%}
        {%- for r in rows -%}
            {%- do out.append({'name': r[0], 'kind': r[1]}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(out) }}
{% endmacro %}

{# One pivoted column: the field of the long row whose quantity is `name`. #}
{% macro gip_pivot(field, name, alias) -%}
    max({{ field }}) filter (where quantity = '{{ name }}') as {{ alias }}
{%- endmacro %}

{# Whether a unit is ranked: its total_handled reaches the ranking_rule seed's minimum
   (schema.MIN_RANK_DENOMINATOR); false when unknown. #}
{% macro gip_rankable(total_handled) -%}
    coalesce({{ total_handled }} >= (select min_total_handled from {{ ref('ranking_rule') }}), false)
{%- endmacro %}
