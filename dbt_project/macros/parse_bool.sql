{#- Text to boolean: true/false, yes/no, y/n, 1/0, t/f, oui/non, ja/nein, si/no, on/off.
    Anything else (and NULL) is NULL, i.e. unknown. `expr` should be clean text. -#}
{% macro parse_bool(expr) -%}
    case
        when lower({{ expr }}) in ('true', 't', 'yes', 'y', '1', 'oui', 'o', 'ja', 'j', 'si', 'sí', 'on')
            then true
        when lower({{ expr }}) in ('false', 'f', 'no', 'n', '0', 'non', 'nein', 'off')
            then false
    end
{%- endmacro %}
