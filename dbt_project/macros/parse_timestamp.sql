{#-
  Date and timestamp parsing for text written by people and machines.

  Timestamps are returned as TIMESTAMP (without time zone) holding UTC wall-clock time; staging
  names those columns *_at_utc. Rules, in order:
    1. ends with an explicit offset (Z, +02:00, +0200, -05, UTC, GMT) -> that instant, in UTC;
    2. 9-10 digits -> Unix epoch seconds, 12-13 digits -> epoch milliseconds (UTC);
    3. starts with a 4-digit year -> ISO 8601 (fast cast) or a year-first format, read as local
       time in the row's time zone (`tz`, an IANA name) and converted to UTC;
    4. otherwise the day/month-first formats of the row's date order ('DMY' or 'MDY'), with an
       optional time part, as local time in `tz`.
  Unparseable values give NULL (the caller decides between quarantine and nulling).
  `tz` must be NULL or a valid IANA name: use valid_timezone() on the raw column first.
-#}

{% macro _strptime_list(formats) -%}
    [{% for f in formats %}'{{ f }}'{% if not loop.last %}, {% endif %}{% endfor %}]
{%- endmacro %}

{% macro _split_formats(formats) -%}
    {%- set ns = namespace(year_first=[], other=[], with_offset=[]) -%}
    {%- for f in formats -%}
        {%- if '%z' in f -%}
            {%- set ns.with_offset = ns.with_offset + [f] -%}
        {%- elif f.startswith('%Y') -%}
            {%- set ns.year_first = ns.year_first + [f] -%}
        {%- else -%}
            {%- set ns.other = ns.other + [f] -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'year_first': ns.year_first, 'other': ns.other, 'with_offset': ns.with_offset}) }}
{%- endmacro %}

{#- Day/month-first date formats of one date order, each with and without the time parts. -#}
{% macro _datetime_formats(date_formats) -%}
    {%- set ns = namespace(out=[]) -%}
    {%- for d in _split_formats(date_formats)['other'] -%}
        {%- for t in var('time_formats') -%}
            {%- set ns.out = ns.out + [d ~ ' ' ~ t] -%}
        {%- endfor -%}
        {%- set ns.out = ns.out + [d] -%}
    {%- endfor -%}
    {{ return(ns.out) }}
{%- endmacro %}

{#- The IANA zone name if DuckDB knows it (NULL/empty means UTC), else NULL. -#}
{% macro valid_timezone(expr) -%}
    case
        when coalesce(nullif({{ expr }}, ''), 'UTC') in (select tzn.name from pg_timezone_names() as tzn)
            then coalesce(nullif({{ expr }}, ''), 'UTC')
    end
{%- endmacro %}

{% macro parse_timestamp(expr, tz='_tz', date_order='_date_order') -%}
    {%- set ts = _split_formats(var('timestamp_formats')) -%}
    {%- set year_first = ts['year_first'] + _split_formats(var('date_formats_dmy'))['year_first'] -%}
    {%- set dmy = _datetime_formats(var('date_formats_dmy')) + ts['other'] -%}
    {%- set mdy = _datetime_formats(var('date_formats_mdy')) + ts['other'] -%}
    (case
        when {{ expr }} is null then null
        -- fast path (no regex) for the machine form 2024-03-01T10:00:00Z that most events use; a
        -- value of that shape that does not cast falls through to the general rules below
        when
            length({{ expr }}) = 20 and suffix({{ expr }}, 'Z') and {{ expr }}[11] = 'T'
            and try_cast({{ expr }} as timestamptz) is not null
            then timezone('UTC', try_cast({{ expr }} as timestamptz))
        when regexp_matches({{ expr }}, '\d:\d\d(:\d\d([.,]\d+)?)?\s*([zZ]|[+-]\d\d(:?\d\d)?|UTC|GMT)$')
            then timezone('UTC', coalesce(
                try_cast(regexp_replace({{ expr }}, '\s+([+-]\d\d(:?\d\d)?)$', '\1') as timestamptz),
                try_strptime({{ expr }}, {{ _strptime_list(ts['with_offset']) }})
            ))
        when regexp_full_match({{ expr }}, '\d{9,10}')
            then timezone('UTC', to_timestamp(cast({{ expr }} as bigint)))
        when regexp_full_match({{ expr }}, '\d{12,13}')
            then timezone('UTC', to_timestamp(cast({{ expr }} as bigint) / 1000))
        when {{ tz }} is null then null
        when regexp_matches({{ expr }}, '^\d{4}')
            then timezone('UTC', timezone({{ tz }}, coalesce(
                try_cast({{ expr }} as timestamp),
                try_strptime({{ expr }}, {{ _strptime_list(year_first) }})
            )))
        when upper({{ date_order }}) = 'MDY'
            then timezone('UTC', timezone({{ tz }}, try_strptime({{ expr }}, {{ _strptime_list(mdy) }})))
        else timezone('UTC', timezone({{ tz }}, try_strptime({{ expr }}, {{ _strptime_list(dmy) }})))
    end)
{%- endmacro %}

{#- Text to DATE honouring the row's date order ('DMY' default, or 'MDY'); NULL if unparseable. -#}
{% macro parse_date(expr, date_order='_date_order') -%}
    {%- set dmy = _split_formats(var('date_formats_dmy')) -%}
    {%- set mdy = _split_formats(var('date_formats_mdy')) -%}
    (case
        when {{ expr }} is null then null
        when regexp_matches({{ expr }}, '^\d{4}')
            then coalesce(
                try_cast({{ expr }} as date),
                cast(try_strptime({{ expr }}, {{ _strptime_list(dmy['year_first']) }}) as date),
                cast(try_cast({{ expr }} as timestamp) as date)
            )
        when upper({{ date_order }}) = 'MDY'
            then cast(try_strptime({{ expr }}, {{ _strptime_list(mdy['other']) }}) as date)
        else cast(try_strptime({{ expr }}, {{ _strptime_list(dmy['other']) }}) as date)
    end)
{%- endmacro %}
