-- customer_features of the customers the micro-batch touched, computed by the very macro that
-- builds the published mart (same cutoff rule), so a touched customer's row equals its row in a
-- full rebuild on the same data. Empty in a normal build (no touched customers); `where false`
-- then lets DuckDB skip the feature computation altogether.
-- depends_on: {{ ref('int_microbatch__touched_customers') }}
with

features as (
    {{ customer_features_as_of(features_cutoff_sql()) }}
)

{% if env_var('SEGMART_MICROBATCH_LOAD_IDS', '') %}
select features.*
from features
semi join {{ ref('int_microbatch__touched_customers') }} as touched
    on touched.customer_id = features.customer_id
{% else %}
select features.*
from features
where false
{% endif %}
