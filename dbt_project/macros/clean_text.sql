{#- Text normalisation shared by every staging model. -#}

{% macro whitespace_chars() -%}
    ' ' || chr(9) || chr(10) || chr(13) || chr(160)
{%- endmacro %}

{#- Trimmed text (spaces, tabs, new lines, no-break spaces at either end); empty string becomes
    NULL. Fast path: most values have no edge whitespace, and checking the code points of both ends
    is cheaper than trimming every value (this runs on every column of tens of millions of rows):
    ten prefix()/suffix() tests cost ~1.4x these two code-point tests at 1M people. reverse() keeps
    grapheme clusters whole; a trailing CR LF is one cluster, and it starts with CR. -#}
{% macro clean_text(expr) -%}
    case
        when
            ascii({{ expr }}) in (32, 9, 10, 13, 160)
            or ascii(reverse({{ expr }})) in (32, 9, 10, 13, 160)
            then nullif(trim({{ expr }}, {{ whitespace_chars() }}), '')
        else nullif({{ expr }}, '')
    end
{%- endmacro %}

{#- Lower-cased clean text (codes, types, channels...). -#}
{% macro clean_lower(expr) -%}
    lower({{ clean_text(expr) }})
{%- endmacro %}

{#- Upper-cased clean text (ISO codes). -#}
{% macro clean_upper(expr) -%}
    upper({{ clean_text(expr) }})
{%- endmacro %}

{#- E-mail: trimmed, lower-cased; `expr` must already be clean text. -#}
{% macro normalize_email(expr) -%}
    lower({{ expr }})
{%- endmacro %}

{#- True when a clean e-mail value is usable (contains '@'); NULL stays NULL. -#}
{% macro is_email_like(expr) -%}
    contains({{ expr }}, '@')
{%- endmacro %}

{#- Social handle: lower case, without leading '@' and spaces. -#}
{% macro normalize_handle(expr) -%}
    nullif(ltrim(lower({{ expr }}), '@' || {{ whitespace_chars() }}), '')
{%- endmacro %}

{#- Postcode: upper case with inner runs of whitespace collapsed to one space (leading zeros kept). -#}
{% macro normalize_postcode(expr) -%}
    upper(regexp_replace({{ expr }}, '\s+', ' ', 'g'))
{%- endmacro %}

{#- Gender words in several languages to f / m / x; anything else NULL. -#}
{% macro normalize_gender(expr) -%}
    case
        when lower({{ expr }}) in (
            'f', 'female', 'woman', 'w', 'femme', 'féminin', 'feminin', 'frau', 'weiblich', 'mujer',
            'femenino', 'donna', 'femmina', 'mme', 'mrs', 'ms', 'miss', 'madame', 'girl'
        ) then 'f'
        when lower({{ expr }}) in (
            'm', 'male', 'man', 'h', 'homme', 'masculin', 'herr', 'mann', 'männlich', 'hombre',
            'masculino', 'uomo', 'maschio', 'mr', 'monsieur', 'boy'
        ) then 'm'
        when lower({{ expr }}) in (
            'x', 'other', 'autre', 'non-binary', 'nonbinary', 'non binary', 'nb', 'diverse',
            'divers', 'd', 'neutral', 'neutre', 'genderqueer'
        ) then 'x'
    end
{%- endmacro %}

{#- Key used to match country spellings: upper case, accents stripped, dots removed, runs of
    spaces collapsed ('U.S.A.' = 'usa', 'España' = 'ESPANA'). -#}
{% macro country_lookup_key(expr) -%}
    trim(regexp_replace(replace(upper(strip_accents({{ expr }})), '.', ''), '\s+', ' ', 'g'))
{%- endmacro %}

{#- Currency: ISO 4217 code upper-cased; common symbols mapped to their code. -#}
{% macro normalize_currency(expr) -%}
    case upper({{ expr }})
        when '€' then 'EUR'
        when '$' then 'USD'
        when 'US$' then 'USD'
        when '£' then 'GBP'
        when '¥' then 'JPY'
        when 'FR.' then 'CHF'
        else upper({{ expr }})
    end
{%- endmacro %}

{#- Campaign event types lower case, past-tense / plural spellings mapped to the canonical verb
    (send, open, click, conversion, unsubscribe, bounce); others kept lower case. -#}
{% macro normalize_campaign_event_type(expr) -%}
    case lower({{ expr }})
        when 'sent' then 'send'
        when 'sends' then 'send'
        when 'delivered' then 'send'
        when 'opened' then 'open'
        when 'opens' then 'open'
        when 'clicked' then 'click'
        when 'clicks' then 'click'
        when 'converted' then 'conversion'
        when 'convert' then 'conversion'
        when 'conversions' then 'conversion'
        when 'unsubscribed' then 'unsubscribe'
        when 'unsub' then 'unsubscribe'
        when 'bounced' then 'bounce'
        when 'bounces' then 'bounce'
        else lower({{ expr }})
    end
{%- endmacro %}
