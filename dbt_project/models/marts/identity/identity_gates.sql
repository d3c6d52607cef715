-- Checks a version must pass before it is published (columns shared by every `gates` model):
-- no person bigger than the cluster cap, every contact record resolved to a person, no
-- identifier in the graph pointing to several people.
with

stats as (
    select * from {{ ref('int_identity__run_stats') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

contacts as (
    select * from {{ ref('int_identity__contacts') }}
),

contact_customers as (
    select * from {{ ref('int_identity__contact_customers') }}
),

graph as (
    select * from {{ ref('int_identity__identifier_customers') }}
),

cluster_cap as (
    select
        'max_cluster_size' as gate,
        cast(coalesce((select max(n_source_records) from customers), 0) as double) as value,
        (select value from stats where stat = 'config_max_cluster_size') as threshold,
        'largest person (contact records); must not exceed the cluster cap' as detail
),

resolved as (
    select
        'share_of_contacts_resolved' as gate,
        case when (select count(*) from contacts) = 0 then 1.0 else
            (select count(*) from contacts as c
             inner join contact_customers as cc using (source_system, source_record_id)
             where cc.customer_id is not null) / (select count(*) from contacts)
        end as value,
        1.0 as threshold,
        'contact records with a customer_id; must be all of them' as detail
),

graph_fanout as (
    select
        'max_customers_per_identifier' as gate,
        cast(coalesce(max(n), 0) as double) as value,
        1.0 as threshold,
        'people per identifier in the identity graph; must be at most one' as detail
    from (select count(distinct customer_id) as n from graph group by identifier_type, identifier_value)
),

checks as (
    select gate, value, threshold, value <= threshold as passed, detail from cluster_cap
    union all
    select gate, value, threshold, value >= threshold, detail from resolved
    union all
    select gate, value, threshold, value <= threshold, detail from graph_fanout
),

final as (
    select
        cast('identity' as varchar) as area,
        cast(gate as varchar) as gate,
        cast(value as double) as value,
        cast(threshold as double) as threshold,
        cast(coalesce(passed, false) as boolean) as passed,
        cast(detail as varchar) as detail
    from checks
)

select * from final
