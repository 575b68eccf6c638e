{# The comparison both generic tests share: every term printed (not null) and the two sums
   differ. A missing term leaves the row not assessable, which is not a failure and not a pass. #}
{% macro gip_sides_differ(left, right, tolerance=1e-6) -%}
    ({% for t in left + right %}{{ adapter.quote(t) }} is not null{% if not loop.last %} and {% endif %}{% endfor %})
    and abs(({% for t in left %}{{ adapter.quote(t) }}{% if not loop.last %} + {% endif %}{% endfor %})
          - ({% for t in right %}{{ adapter.quote(t) }}{% if not loop.last %} + {% endif %}{% endfor %})) > {{ tolerance }}
{%- endmacro %}
