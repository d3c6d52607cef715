-- How customer ids changed relative to the previous build: merges (a previous person's records
-- joined another person, whose id they now carry), splits (some records left a person who still
-- exists) and removals (records no longer in the data). Empty on a first build.
with

changes as (
    select * from {{ ref('int_identity__id_changes') }}
),

final as (
    select
        cast(change as varchar) as change,
        cast(from_customer_id as varchar) as from_customer_id,
        cast(to_customer_id as varchar) as to_customer_id,
        cast(n_records as bigint) as n_records,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as detected_at_utc
    from changes
)

select * from final
