-- Every staged campaign event with its recipient: the contact record first, else the e-mail.
-- is_message_delivered is false for control-group sends (held out: nothing was sent) so rates
-- are computed over messages people actually received. Events without a timestamp (a list of
-- recipients, as in Complete Journey) take their campaign's start, so a cutoff can place them.
-- In a micro-batch (incremental) only its rows are attributed: the identifiers campaign events
-- use (contact records, e-mails) only change with contact records, and campaigns are not
-- re-staged by micro-batches.
{%- set batch_loads = env_var('SEGMART_MICROBATCH_LOAD_IDS', '') -%}
{{ config(
    materialized=microbatch_materialization(batch_loads),
    incremental_strategy='delete+insert',
    unique_key=microbatch_row_key(),
) }}
with

events as (
    select * from {{ ref('stg_marketing__campaign_events') }}
    {%- if is_incremental() %}
    where {{ microbatch_new_rows(batch_loads, 'campaign_events') }}
    {%- endif %}
),

identifiers as (
    select * from {{ ref('int_identity__identifier_customers') }}
),

-- the latest delivery of each campaign
campaigns as (
    select campaign_id, started_at_utc
    from {{ ref('stg_marketing__campaigns') }}
    qualify row_number() over (
        partition by campaign_id order by load_id desc, source_file desc, record_number desc
    ) = 1
),

attributed as (
    select
        events.source_system,
        events.load_id,
        events.source_file,
        events.record_number,
        events.event_id,
        events.campaign_id,
        lower(events.event_type) as event_type,
        coalesce(events.event_at_utc, campaigns.started_at_utc) as event_at_utc,
        events.event_at_utc is null and campaigns.started_at_utc is not null as is_event_time_from_campaign,
        events.variant,
        events.amount,
        coalesce(lower(events.variant), '') <> 'control' as is_message_delivered,
        coalesce(by_ref.customer_id, by_email.customer_id) as customer_id,
        case
            when by_ref.customer_id is not null then 'contact_ref'
            when by_email.customer_id is not null then 'email'
        end as attributed_by,
        case
            when by_ref.customer_id is not null or by_email.customer_id is not null then null
            when events.customer_ref is null and events.email is null then 'no customer_ref or email'
            else 'customer_ref/email not in identity graph'
        end as unattributed_reason
    from events
    left join identifiers as by_ref
        on by_ref.identifier_type = 'contact_ref'
        and by_ref.identifier_value = events.customer_system || ':' || events.customer_ref
    left join identifiers as by_email
        on by_email.identifier_type = 'email'
        and by_email.identifier_value = lower(trim(events.email))
    left join campaigns
        on campaigns.campaign_id = events.campaign_id
)

select * from attributed
