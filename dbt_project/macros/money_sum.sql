{#-
    Sums money exactly. A DOUBLE sum depends on the order in which DuckDB's threads add the rows,
    so the same inputs gave customer features that differed in the last bits from one build to
    the next, and through them every segment distance and propensity score. Each amount is held
    to 1/10,000 of the currency unit (DECIMAL(18, 4), more than any currency uses); the sum is
    then exact, the same in every build. Callers cast the result back to DOUBLE where contracted.
-#}
{% macro money_sum(expr) -%}
    sum(cast({{ expr }} as decimal(18, 4)))
{%- endmacro %}
