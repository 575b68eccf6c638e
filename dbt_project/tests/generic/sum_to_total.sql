{# Generic test: on each row, total == sum(parts) where every term is not null.
   total: a column name or a list of columns (summed), parts: a list of columns. #}
{% test sum_to_total(model, total, parts, tolerance=1e-6) %}
{% set left = [total] if total is string else total %}
select *
from {{ model }}
where {{ gip_sides_differ(left, parts, tolerance) }}
{% endtest %}
