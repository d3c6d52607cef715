{#- Numbers written by people: '12.50', '12,50', '1 234,56', '1.234,56', '1,234.56', '€12.50'.
    The plain cast runs first; the regex fallbacks only see values it rejected.
    NaN and infinities are rejected. `expr` should be clean text. -#}

{% macro _number_text(expr) -%}
    {#- decimal-comma and thousands-separator forms rewritten to plain '1234.56' -#}
    case
        when regexp_full_match({{ expr }}, '[-+]?\d{1,3}(\.\d{3})+(,\d+)?')
            then replace(replace({{ expr }}, '.', ''), ',', '.')
        when regexp_full_match({{ expr }}, '[-+]?\d{1,3}(,\d{3})+(\.\d+)?')
            then replace({{ expr }}, ',', '')
        when regexp_full_match({{ expr }}, '[-+]?\d*,\d+')
            then replace({{ expr }}, ',', '.')
        else {{ expr }}
    end
{%- endmacro %}

{% macro _number_fallback(expr) -%}
    {%- set stripped -%}
        regexp_replace({{ expr }}, '[\s\x{00A0}\x{202F}€$£¥]|EUR|USD|GBP|CHF', '', 'gi')
    {%- endset -%}
    {{ _number_text(stripped) }}
{%- endmacro %}

{% macro parse_decimal(expr, precision=18, scale=2) -%}
    coalesce(
        try_cast({{ expr }} as decimal({{ precision }}, {{ scale }})),
        try_cast({{ _number_fallback(expr) }} as decimal({{ precision }}, {{ scale }}))
    )
{%- endmacro %}

{% macro parse_double(expr) -%}
    (
        case
            when isfinite(coalesce(try_cast({{ expr }} as double), try_cast({{ _number_fallback(expr) }} as double)))
                then coalesce(try_cast({{ expr }} as double), try_cast({{ _number_fallback(expr) }} as double))
        end
    )
{%- endmacro %}
