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

{#- A required number that is present but not a number (a number too large for the column is a
    range_check's business). -#}
{% macro numeric_check(column, raw, parsed) -%}
    {{ return([raw ~ ' is not null and ' ~ parsed ~ ' is null and ' ~ parse_double(raw) ~ ' is null',
               "'non-numeric " ~ column ~ "'"]) }}
{%- endmacro %}

{#- A required number that is a number but outside what the column can hold or plausibly be
    (var `max_amount`, default 10,000,000 in the row's currency). -#}
{% macro range_check(column, raw, limit=none) -%}
    {{ return(['abs(' ~ parse_double(raw) ~ ') > ' ~ (limit or var('max_amount', 10000000)),
               "'" ~ column ~ " out of range'"]) }}
{%- endmacro %}

{#- An event timestamp later than now plus var `max_future_days` (default 2: clock skew and time
    zones) or earlier than var `min_event_date` (default 1990-01-01): a typo or a placeholder date
    that would distort recency and seasonality features. -#}
{% macro plausible_time_checks(column, parsed) -%}
    {{ return([
        [parsed ~ " > timezone('UTC', now()) + to_days(" ~ var('max_future_days', 2) ~ ")",
         "'timestamp in the future: " ~ column ~ "'"],
        [parsed ~ " < timestamp '" ~ var('min_event_date', '1990-01-01') ~ "'",
         "'timestamp before " ~ var('min_event_date', '1990-01-01') ~ ": " ~ column ~ "'"],
    ]) }}
{%- endmacro %}

{#- An identifier that is a placeholder ('NULL', 'N/A', '-'...) exported in place of an empty
    value: kept, it would merge unrelated records under one key. -#}
{% macro placeholder_check(column) -%}
    {{ return(['lower(' ~ column ~ ") in ('null', 'none', 'nil', 'nan', 'n/a', 'na', '#n/a', '-', '?', 'undefined')",
               "'placeholder value in required column: " ~ column ~ "'"]) }}
{%- endmacro %}
