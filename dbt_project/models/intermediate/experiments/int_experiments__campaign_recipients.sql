-- One row per campaign x recipient: the arm the send row put them in, what they did, and the
-- customer the identity graph attributes them to. A recipient is identified by its CRM reference
-- when the event carries one, else by its e-mail (the same keys the identity graph stitches).
-- Recipients that cannot be analysed keep their row with an exclusion_reason (never dropped).
with

events as (
    select
        campaign_id,
        variant,
        event_type,
        event_at_utc,
        case when customer_ref is not null then 'contact_ref' else 'email' end as recipient_key_type,
        coalesce(customer_system || ':' || customer_ref, lower(trim(email))) as recipient_key
    from {{ ref('stg_marketing__campaign_events') }}
),

recipients as (
    select
        campaign_id,
        recipient_key_type,
        recipient_key,
        min(variant) filter (where event_type = 'send') as variant,
        -- 0, 1 or "more than one" variant among the sends: min/max instead of count(distinct),
        -- whose per-group hash tables made this model one of the slowest at 1M people
        case
            when count(variant) filter (where event_type = 'send') = 0 then 0
            when min(variant) filter (where event_type = 'send') = max(variant) filter (where event_type = 'send')
                then 1
            else 2
        end as n_send_variants,
        count(*) filter (where event_type = 'send') as n_sends,
        min(event_at_utc) filter (where event_type = 'send') as sent_at_utc,
        bool_or(event_type = 'open') as is_opened,
        bool_or(event_type = 'click') as is_clicked,
        bool_or(event_type = 'conversion') as is_converted,
        bool_or(event_type = 'bounce') as is_bounced,
        bool_or(event_type = 'unsubscribe') as is_unsubscribed,
        count(*) as n_events
    from events
    group by campaign_id, recipient_key_type, recipient_key
),

final as (
    select
        r.campaign_id,
        r.recipient_key_type,
        r.recipient_key,
        ids.customer_id,
        r.variant,
        r.sent_at_utc,
        r.is_opened,
        r.is_clicked,
        r.is_converted,
        r.is_bounced,
        r.is_unsubscribed,
        r.n_events,
        case
            when r.recipient_key is null then 'no recipient key (neither customer_ref nor e-mail)'
            when r.n_sends = 0 then 'no send event: arm unknown'
            when r.n_send_variants = 0 then 'sent without a variant: not an A/B test'
            when r.n_send_variants > 1 then 'sent in both arms'
            when r.variant not in ('{{ var("experiment_test_arm", "treatment") }}', '{{ var("experiment_control_arm", "control") }}')
                then 'unknown variant ' || r.variant
        end as exclusion_reason
    from recipients as r
    left join {{ ref('int_identity__identifier_customers') }} as ids
        on ids.identifier_type = r.recipient_key_type
        and ids.identifier_value = r.recipient_key
)

select * from final
