{#- Fails with every landed file (load_id, source_system, source_file) holding more rows than its
    highest record_number: records are numbered 1..n within a file, so some number repeats (e.g. a
    raw file written twice for one load). A cheap per-file aggregate rather than a uniqueness
    test over four columns of tens of millions of rows; source_reconciliation is the exact check
    (every landed record must be accounted for once). -#}
{% test records_unique_within_file(model) %}

select
    load_id,
    source_system,
    source_file,
    count(*) as n_rows,
    max(record_number) as max_record_number
from {{ model }}
group by load_id, source_system, source_file
having count(*) > max(record_number)

{% endtest %}
