select * from {{ source('core', 'reports') }}
