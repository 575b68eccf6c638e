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
