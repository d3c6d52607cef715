-- The fitted preprocessing parameters (medians, scaler means/std, min/max, categories, orders),
-- one row per (column, parameter), values as JSON text: what scoring and real-time assignment
-- apply, queryable without loading the artefact.
with

params as (
    select * from {{ ref('int_features__preprocessor_params') }}
),

final as (
    select
        cast(column_name as varchar) as column_name,
        cast(column_kind as varchar) as column_kind,
        cast(param as varchar) as param,
        cast(value as varchar) as value_json
    from params
)

select * from final
