{# Generic test: no two rows share the values of `columns` (a key of several columns), grouped
   as they are: no key string is built, which at 200 million cells costs as much as the table. #}
{% test unique_key(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
