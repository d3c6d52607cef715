-- customer_features of the customers the micro-batch touched, computed by the very macro that
-- builds the published mart (same cutoff rule) restricted to them before aggregating (the
-- only_customers argument), so a touched customer's row equals its row in a full rebuild on the
-- same data and the cost follows the batch, not the whole customer base. Empty in a normal build
-- (no touched customers); `where false` then lets DuckDB skip the feature computation altogether.
-- depends_on: {{ ref('int_microbatch__touched_customers') }}
{% if env_var('SEGMART_MICROBATCH_LOAD_IDS', '') %}
{{ customer_features_as_of(features_cutoff_sql(), only_customers=ref('int_microbatch__touched_customers')) }}
{% else %}
with

features as (
    {{ customer_features_as_of(features_cutoff_sql()) }}
)

select features.*
from features
where false
{% endif %}
