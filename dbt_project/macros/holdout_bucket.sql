{#- Uniform [0, 1) bucket of a customer in an experiment: the first 8 hex digits of
    sha256('salt:experiment:customer_id') / 16^8. Identical to
    python_models.activation.holdouts.holdout_bucket, so SQL and Python agree on every arm. -#}
{% macro holdout_bucket(customer_id, experiment_id, salt) -%}
    (('0x' || left(sha256({{ salt }} || ':' || {{ experiment_id }} || ':' || {{ customer_id }}), 8))::ubigint::double / 4294967296.0)
{%- endmacro %}
