-- depends_on: {{ ref('composite_variable_bands') }}
-- One row per customer: the first starter segment (seed starter_segment_rules, by priority) whose
-- conditions on the composite variables all hold, or 'unassigned'. Rule columns are read from the
-- seed, so adding a variable column there needs no SQL.
{%- set rule_columns = [] -%}
{%- set fixed = ['segment_name', 'priority', 'description'] -%}
{#- compiled before the seeds exist (dbt compile / docs on a fresh database): no rule columns yet -#}
{%- if execute and load_relation(ref('starter_segment_rules')) is not none
    and load_relation(ref('composite_variable_bands')) is not none -%}
    {%- set rule_columns = adapter.get_columns_in_relation(ref('starter_segment_rules'))
        | map(attribute='name') | reject('in', fixed) | list -%}
    {%- set variables = run_query(
        "select distinct variable from " ~ ref('composite_variable_bands')
    ).columns[0].values() -%}
    {%- for c in rule_columns if c not in variables -%}
        {{ exceptions.raise_compiler_error(
            "starter_segment_rules: column '" ~ c ~ "' is not a variable of composite_variable_bands") }}
    {%- endfor -%}
{%- endif %}

with

composite as (
    select * from {{ ref('int_features__customer_composite_variables') }}
),

rules as (
    select * from {{ ref('starter_segment_rules') }}
),

features as (
    select customer_id, features_cutoff_at_utc from {{ ref('customer_features') }}
),

-- one row per customer, one column per composite variable used by the rules
wide as (
    select
        features.customer_id,
        {%- for c in rule_columns %}
        max(composite.band) filter (where composite.variable = '{{ c }}') as {{ adapter.quote(c) }},
        {%- endfor %}
        string_agg(composite.variable || '=' || composite.band, '; ' order by composite.variable) as composite_bands
    from features
    left join composite on composite.customer_id = features.customer_id
    group by features.customer_id
),

matched as (
    select
        wide.customer_id,
        arg_min(rules.segment_name, rules.priority) as segment_name,
        min(rules.priority) as segment_priority
    from wide
    inner join rules
        on true
        {%- for c in rule_columns %}
        and (coalesce(trim(rules.{{ adapter.quote(c) }}), '*') = '*'
            or list_contains(string_split(rules.{{ adapter.quote(c) }}, '|'), wide.{{ adapter.quote(c) }}))
        {%- endfor %}
    group by wide.customer_id
),

final as (
    select
        cast(wide.customer_id as varchar) as customer_id,
        cast(coalesce(matched.segment_name, 'unassigned') as varchar) as starter_segment,
        cast(matched.segment_priority as integer) as segment_priority,
        cast(rules.description as varchar) as segment_description,
        cast(wide.composite_bands as varchar) as composite_bands,
        features.features_cutoff_at_utc
    from wide
    inner join features on features.customer_id = wide.customer_id
    left join matched on matched.customer_id = wide.customer_id
    left join rules on rules.segment_name = matched.segment_name
)

select * from final
