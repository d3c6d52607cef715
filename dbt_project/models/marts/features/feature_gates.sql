-- Feature checks a version must pass to be published (shared gates columns): every fact table
-- reconciles through attribution, enough of each non-empty fact table reaches a person, one
-- feature row per customer, and the matrix has no missing or infinite value.
{#- Social handles only reach a person when a contact record names them, so their floor is lower. -#}
{%- set min_share = var('features_min_attributed_share', {
    'orders': 0.5, 'web_events': 0.5, 'social_interactions': 0.2, 'campaign_events': 0.5}) %}
with

coverage as (
    select * from {{ ref('feature_attribution_coverage') }}
),

customers as (
    select
        (select count(*) from {{ ref('dim_customers') }}) as n_customers,
        (select count(*) from {{ ref('customer_features') }}) as n_features,
        (select count(*) filter (where has_history_before_cutoff) from {{ ref('customer_features') }}) as n_with_history
),

matrix as (
    {# unpivot-free check: a row with any NaN/inf/null makes the row sum non-finite #}
    select count(*) filter (where not isfinite(
        {%- set cols = [] -%}
        {%- if execute -%}
            {%- set cols = adapter.get_columns_in_relation(ref('int_features__feature_matrix'))
                | map(attribute='name') | reject('equalto', 'customer_id') | list -%}
        {%- endif -%}
        {%- for c in cols %} coalesce({{ adapter.quote(c) }}, 'nan'::double){{ ' +' if not loop.last }}{% endfor %}
        {%- if not cols %} 0.0 {%- endif %}
    )) as n_bad_rows
    from {{ ref('int_features__feature_matrix') }}
),

gates as (
    select
        'attribution_reconciled_' || fact as gate,
        case when is_reconciled then 1.0 else 0.0 end as value,
        1.0 as threshold,
        is_reconciled as passed,
        'staged rows = attributed + unattributed rows for ' || fact as detail
    from coverage

    union all

    select
        'attributed_share_' || coverage.fact,
        coverage.share_attributed,
        floors.min_share,
        coverage.share_attributed >= floors.min_share,
        'share of staged ' || coverage.fact || ' rows attributed to a person (>= var features_min_attributed_share)'
    from coverage
    inner join (
        {%- for fact, share in min_share.items() %}
        select '{{ fact }}' as fact, cast({{ share }} as double) as min_share
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    ) as floors on floors.fact = coverage.fact
    where coverage.rows_staged > 0

    union all

    select
        'one_feature_row_per_customer',
        n_features::double,
        n_customers::double,
        n_features = n_customers,
        'customer_features rows = dim_customers rows'
    from customers

    union all

    select
        'matrix_rows_finite',
        n_bad_rows::double,
        0.0,
        n_bad_rows = 0,
        'feature matrix rows with a missing or infinite value (must be 0)'
    from matrix
),

final as (
    select
        cast('features' as varchar) as area,
        cast(gate as varchar) as gate,
        cast(value as double) as value,
        cast(threshold as double) as threshold,
        cast(passed as boolean) as passed,
        cast(detail as varchar) as detail
    from gates
)

select * from final
