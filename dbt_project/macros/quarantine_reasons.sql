{#-
  Row-level checks to one readable reason string, or NULL when the row passes them all.
  `checks` is a list of [condition_sql, reason_sql] pairs: reason_sql is a SQL expression
  (usually a quoted literal, possibly concatenated with the offending value). Several failing
  checks are joined with '; ' in the order given.
-#}
{% macro quarantine_reasons(checks) -%}
    nullif(concat_ws('; '
    {%- for check in checks %},
        case when {{ check[0] }} then {{ check[1] }} end
    {%- endfor %}
    ), '')
{%- endmacro %}

{#- The standard check for a required column that is empty or missing. -#}
{% macro required_check(column, expr=none) -%}
    {{ return([(expr or column) ~ ' is null', "'missing required column value: " ~ column ~ "'"]) }}
{%- endmacro %}

{#-
  Quarantine when the row's `_timezone` is not an IANA zone DuckDB knows and one of its
  timestamps, written without offset, could therefore not be converted. `pairs` is a list of
  [raw_column, parsed_column].
-#}
{% macro timezone_check(pairs, tz='_tz', raw_tz='_timezone') -%}
    {%- set ns = namespace(conditions=[]) -%}
    {%- for pair in pairs -%}
        {%- set ns.conditions = ns.conditions + ['(' ~ pair[0] ~ ' is not null and ' ~ pair[1] ~ ' is null)'] -%}
    {%- endfor -%}
    {{ return([tz ~ ' is null and (' ~ ns.conditions | join(' or ') ~ ')',
               "'unknown timezone: ' || coalesce(" ~ raw_tz ~ ", '')"]) }}
{%- endmacro %}

{#- A required timestamp that is present but unparseable (with a usable time zone). -#}
{% macro timestamp_check(column, raw, parsed, tz='_tz') -%}
    {{ return([raw ~ ' is not null and ' ~ parsed ~ ' is null and ' ~ tz ~ ' is not null',
               "'unparseable timestamp: " ~ column ~ "'"]) }}
{%- endmacro %}

{#- A negative number. -#}
{% macro negative_check(column, parsed) -%}
    {{ return([parsed ~ ' < 0', "'negative " ~ column ~ "'"]) }}
{%- endmacro %}

{#- A required number that is present but not a number. -#}
{% macro numeric_check(column, raw, parsed) -%}
    {{ return([raw ~ ' is not null and ' ~ parsed ~ ' is null', "'non-numeric " ~ column ~ "'"]) }}
{%- endmacro %}
