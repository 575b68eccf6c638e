{# The keys of a region-year row: its columns joined by '|', '-' for null. region_key leaves
   out the year: the unit that trends and rankings follow from year to year. #}
{% macro gip_key(columns) -%}
    {%- for c in columns -%}
        coalesce(cast({{ c }} as varchar), '-'){% if not loop.last %} || '|' || {% endif %}
    {%- endfor -%}
{%- endmacro %}

{% macro gip_region_year_id() -%}
    {{ gip_key(['region_code', 'year', 'admin_level', 'organ_kind', 'department_type', 'is_synthetic']) }}
{%- endmacro %}

{% macro gip_region_key() -%}
    {{ gip_key(['region_code', 'admin_level', 'organ_kind', 'department_type', 'is_synthetic']) }}
{%- endmacro %}

{# The names of the region codes `codes` (a relation of code, year) in their years
   (core.regions): a row begun by that year first, then the latest begun, then one still valid
   that year. One row per (code, year). #}
{% macro gip_region_names(codes) -%}
    select c.code, c.year, arg_max(g.name, [
            case when c.year is null or coalesce(g.valid_from, 0) <= c.year then 1 else 0 end,
            coalesce(g.valid_from, 0),
            case when g.valid_to is null or g.valid_to >= c.year then 1 else 0 end]) as name
    from (select distinct * from {{ codes }}) c
    join {{ source('core', 'regions') }} g on g.code = c.code
    group by c.code, c.year
{%- endmacro %}
