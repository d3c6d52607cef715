-- One row per person: the golden record survived from their contact records
-- (python_models.identity.golden_record; which record won each field is in
-- customer_field_lineage), the most restrictive consent, and when the person was first seen.
with

golden as (
    select * from {{ ref('int_identity__golden_records') }}
),

contact_customers as (
    select * from {{ ref('int_identity__contact_customers') }}
),

contacts as (
    select * from {{ ref('int_identity__contacts') }}
),

first_seen as (
    select
        cc.customer_id,
        min(coalesce(c.created_at_utc, c.updated_at_utc)) as first_seen_at_utc
    from contact_customers as cc
    inner join contacts as c using (source_system, source_record_id)
    group by all
),

final as (
    select
        cast(g.customer_id as varchar) as customer_id,
        cast(g.first_name as varchar) as first_name,
        cast(g.last_name as varchar) as last_name,
        cast(g.full_name as varchar) as full_name,
        cast(g.email as varchar) as email,
        cast(g.phone as varchar) as phone,
        cast(g.street as varchar) as street,
        cast(g.postcode as varchar) as postcode,
        cast(g.city as varchar) as city,
        cast(g.country_code as varchar) as country,
        cast(g.birth_date as date) as birth_date,
        cast(g.gender as varchar) as gender,
        cast(g.age_band as varchar) as age_band,
        cast(g.income_band as varchar) as income_band,
        cast(g.marketing_consent as boolean) as marketing_consent,
        cast(g.unsubscribed as boolean) as unsubscribed,
        cast(g.n_records as integer) as n_source_records,
        cast(g.source_systems as varchar) as source_systems,
        cast(f.first_seen_at_utc as timestamp) as first_seen_at_utc,
        cast(timezone('UTC', g.last_updated_at) as timestamp) as last_updated_at_utc
    from golden as g
    left join first_seen as f using (customer_id)
)

select * from final
