-- Every staged social interaction with the person behind it: the platform handle first, else
-- the e-mail a lead form shared. Handles of nobody known stay with customer_id null and a reason.
-- In a micro-batch (incremental) only its rows and the older rows of the handles it saw are
-- attributed again: a new (handle, e-mail) pair can link a handle to a person or make it
-- ambiguous, while e-mails only change with contact records, which micro-batches do not resolve.
{%- set batch_loads = env_var('SEGMART_MICROBATCH_LOAD_IDS', '') -%}
{{ config(
    materialized=microbatch_materialization(batch_loads),
    incremental_strategy='delete+insert',
    unique_key=microbatch_row_key(),
) }}
with

interactions as (
    select * from {{ ref('stg_social__interactions') }}
    {%- if is_incremental() %}
    where {{ microbatch_new_rows(batch_loads, 'social_interactions') }}
        or lower(ltrim(trim(handle), '@')) in (
            select lower(ltrim(trim(handle), '@')) from {{ ref('stg_social__interactions') }}
            where {{ microbatch_new_rows(batch_loads, 'social_interactions') }}
        )
    {%- endif %}
),

identifiers as (
    select * from {{ ref('int_identity__identifier_customers') }}
),

attributed as (
    select
        interactions.source_system,
        interactions.load_id,
        interactions.source_file,
        interactions.record_number,
        interactions.interaction_id,
        lower(interactions.platform) as platform,
        lower(interactions.interaction_type) as interaction_type,
        interactions.interacted_at_utc,
        coalesce(by_handle.customer_id, by_email.customer_id) as customer_id,
        case
            when by_handle.customer_id is not null then 'social_handle'
            when by_email.customer_id is not null then 'email'
        end as attributed_by,
        case
            when by_handle.customer_id is not null or by_email.customer_id is not null then null
            else 'handle/email not in identity graph'
        end as unattributed_reason
    from interactions
    left join identifiers as by_handle
        on by_handle.identifier_type = 'social_handle'
        and by_handle.identifier_value
        = lower(interactions.platform) || ':' || lower(ltrim(trim(interactions.handle), '@'))
    left join identifiers as by_email
        on by_email.identifier_type = 'email'
        and by_email.identifier_value = lower(trim(interactions.email))
)

select * from attributed
