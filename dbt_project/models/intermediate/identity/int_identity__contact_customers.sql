-- One row per contact record (int_identity__contacts) with the person it belongs to.
-- Orders and campaign events find their person through int_identity__identifier_customers
-- (identifier_type 'contact_ref').
with

resolved as (
    select * from {{ ref('int_identity__resolved_records') }}
),

final as (
    select
        cast(source_system as varchar) as source_system,
        cast(source_record_id as varchar) as source_record_id,
        cast(customer_id as varchar) as customer_id,
        cast(cluster as bigint) as cluster_number
    from resolved
)

select * from final
