{#- True when an identifier value is a placeholder that must never link people ('null', '-1',
    'anonymous', 'test@test.com'...). The list is var('identity_junk_identifiers'); values are
    compared lower-cased, and for social handles after the 'platform:' prefix. -#}
{% macro identity_is_junk_identifier(column) -%}
{%- set junk = var('identity_junk_identifiers', [
    'null', 'none', 'nan', 'n/a', 'na', '-', '-1', '0', 'unknown', 'undefined', 'anonymous',
    'guest', 'test', 'test@test.com', 'test@example.com', 'noreply@example.com', 'no@email.com',
    'none@none.com', 'x@x.com', 'a@a.com'
]) -%}
(lower(regexp_replace({{ column }}, '^[a-z]+:', '')) in (
    {%- for value in junk %}'{{ value | lower | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor -%}
))
{%- endmacro %}
