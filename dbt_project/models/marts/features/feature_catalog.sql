-- One row per column of the feature matrix: where it comes from, how it was transformed and how
-- much of it was imputed, plus the run's cutoff. Read from the fitted preprocessor.
with

catalog as (
    select * from {{ ref('int_features__preprocessor_catalog') }}
),

cutoff as (
    select max(features_cutoff_at_utc) as features_cutoff_at_utc from {{ ref('customer_features') }}
),

final as (
    select
        cast(catalog.feature_position as integer) as feature_position,
        cast(catalog.feature as varchar) as feature,
        cast(catalog.source_column as varchar) as source_column,
        cast(catalog.kind as varchar) as kind,
        cast(catalog.category as varchar) as category,
        cast(catalog.transform as varchar) as transform,
        cast(catalog.share_imputed as double) as share_imputed,
        cutoff.features_cutoff_at_utc
    from catalog
    cross join cutoff
)

select * from final
