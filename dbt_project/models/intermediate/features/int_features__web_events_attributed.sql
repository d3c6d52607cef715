-- Every staged web event with the person behind it: the logged-in account (user_id) first,
-- else the cookie (anonymous_id) when the identity graph stitched it to one person.
-- Unattributed events (bots, never-logged-in cookies) stay with customer_id null and a reason.
-- In a micro-batch (incremental) only its rows and the older rows of the cookies it saw are
-- attributed again: a login in the batch can stitch a cookie to a person or make it ambiguous,
-- while account ids only change with contact records, which micro-batches do not resolve.
{%- set batch_loads = env_var('SEGMART_MICROBATCH_LOAD_IDS', '') -%}
{{ config(
    materialized=microbatch_materialization(batch_loads),
    incremental_strategy='delete+insert',
    unique_key=microbatch_row_key(),
) }}
with

events as (
    select * from {{ ref('stg_web__events') }}
    {%- if is_incremental() %}
    where {{ microbatch_new_rows(batch_loads, 'web_events') }}
        or anonymous_id in (
            select anonymous_id from {{ ref('stg_web__events') }}
            where {{ microbatch_new_rows(batch_loads, 'web_events') }}
        )
    {%- endif %}
),

identifiers as (
    select * from {{ ref('int_identity__identifier_customers') }}
),

attributed as (
    select
        events.source_system,
        events.load_id,
        events.source_file,
        events.record_number,
        events.event_id,
        events.session_id,
        events.event_type,
        events.event_at_utc,
        events.duration_seconds,
        events.device,
        events.utm_medium,
        coalesce(by_user.customer_id, by_cookie.customer_id) as customer_id,
        case
            when by_user.customer_id is not null then 'web_user_id'
            when by_cookie.customer_id is not null then 'web_anonymous_id'
        end as attributed_by,
        case
            when by_user.customer_id is not null or by_cookie.customer_id is not null then null
            when events.user_id is null and events.anonymous_id is null then 'no user_id or anonymous_id'
            else 'user_id/anonymous_id not in identity graph'
        end as unattributed_reason
    from events
    left join identifiers as by_user
        on by_user.identifier_type = 'web_user_id'
        and by_user.identifier_value = events.user_id
    left join identifiers as by_cookie
        on by_cookie.identifier_type = 'web_anonymous_id'
        and by_cookie.identifier_value = events.anonymous_id
)

select * from attributed
