-- Each customer's band of every composite variable declared in the seed composite_variable_bands
-- (long: customer x variable). Per variable the first matching row by priority wins; customers
-- no row catches get 'unassigned', so every customer has every variable.
{%- set source_columns = [] -%}
{#- compiled before the seed exists (dbt compile / docs on a fresh database): no columns yet -#}
{%- if execute and load_relation(ref('composite_variable_bands')) is not none
    and load_relation(ref('customer_features')) is not none -%}
    {%- set source_columns = run_query(
        "select distinct source_column from " ~ ref('composite_variable_bands') ~ " order by 1"
    ).columns[0].values() -%}
    {%- set known = adapter.get_columns_in_relation(ref('customer_features')) | map(attribute='name') | list -%}
    {%- for c in source_columns if c not in known -%}
        {{ exceptions.raise_compiler_error(
            "composite_variable_bands: source_column '" ~ c ~ "' is not a column of customer_features") }}
    {%- endfor -%}
{%- endif %}

with

features as (
    select * from {{ ref('customer_features') }}
),

bands as (
    select * from {{ ref('composite_variable_bands') }}
),

-- the feature values the bands read, one row per (customer, column)
feature_values as (
    {%- for c in source_columns %}
    select
        customer_id,
        '{{ c }}' as source_column,
        cast({{ adapter.quote(c) }} as varchar) as value_text,
        try_cast({{ adapter.quote(c) }} as double) as value_number
    from features
    {{ 'union all' if not loop.last }}
    {%- endfor %}
    {%- if not source_columns %}
    select null::varchar as customer_id, null::varchar as source_column, null::varchar as value_text,
        null::double as value_number
    where false
    {%- endif %}
),

matches as (
    select
        feature_values.customer_id,
        bands.variable,
        bands.band,
        bands.priority
    from bands
    inner join feature_values
        on feature_values.source_column = bands.source_column
    where (bands.min_value is null or feature_values.value_number >= bands.min_value)
        and (bands.max_value is null or feature_values.value_number < bands.max_value)
        and (bands.in_values is null or list_contains(string_split(bands.in_values, '|'), feature_values.value_text))
),

first_match as (
    select customer_id, variable, arg_min(band, priority) as band
    from matches
    group by customer_id, variable
),

every_pair as (
    select features.customer_id, variables.variable
    from features
    cross join (select distinct variable from bands) as variables
),

final as (
    select
        every_pair.customer_id,
        every_pair.variable,
        coalesce(first_match.band, 'unassigned') as band
    from every_pair
    left join first_match
        on first_match.customer_id = every_pair.customer_id
        and first_match.variable = every_pair.variable
)

select * from final
