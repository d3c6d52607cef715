-- Which contact record won each field of dim_customers, and by which survivorship rule
-- (source_priority, most_recent, most_frequent, or how consent was decided).
with

lineage as (
    select * from {{ ref('int_identity__golden_lineage') }}
),

final as (
    select
        cast(customer_id as varchar) as customer_id,
        case cast(field as varchar) when 'country_code' then 'country' else cast(field as varchar) end as field,
        cast(value as varchar) as value,
        cast(source_system as varchar) as source_system,
        cast(source_record_id as varchar) as source_record_id,
        cast(rule as varchar) as rule
    from lineage
)

select * from final
