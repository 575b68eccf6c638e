{# Generic test: no two rows share the values of `columns` (a key of several columns). At 200
   million cells a group-by on the columns themselves holds every key's strings in one hash
   table (most of a minute and gigabytes); grouping first by a 64-bit hash of the key is a
   third of that, and only the rows whose hash repeats are then grouped by the columns, so a
   hash collision never passes for a duplicate and every duplicate is reported as it is. #}
{% test unique_key(model, columns) %}
{%- set key = columns | join(', ') %}
with repeated as (
    select hash({{ key }}) as key_hash
    from {{ model }}
    group by key_hash
    having count(*) > 1
)
select {{ key }}, count(*) as n_rows
from {{ model }}
where hash({{ key }}) in (select key_hash from repeated)
group by {{ key }}
having count(*) > 1
{% endtest %}
