-- Training labels: for every customer of the training features, whether they purchased /
-- engaged in the horizon that starts at the training cutoff. The window is read from the
-- training features' own cutoff, [cutoff, cutoff + horizon), so labels start exactly where the
-- features stop (features use facts strictly before their cutoff) and end at the scoring cutoff.
{%- set horizon = var('propensity_horizon_days', 30) | int %}
{%- set campaign_types = var('propensity_engagement_campaign_events', ['open', 'click', 'conversion']) %}

with

training as (
    select customer_id, features_cutoff_at_utc
    from {{ ref('int_features__customer_features_training') }}
),

label_window as (
    select
        min(features_cutoff_at_utc) as window_start,
        min(features_cutoff_at_utc) + interval {{ horizon }} day as window_end
    from training
),

purchases as (
    select distinct lines.customer_id
    from {{ ref('int_features__order_lines_attributed') }} as lines
    cross join label_window
    where lines.customer_id is not null
        and lines.ordered_at_utc >= label_window.window_start
        and lines.ordered_at_utc < label_window.window_end
),

engagements as (
    select social.customer_id
    from {{ ref('int_features__social_interactions_attributed') }} as social
    cross join label_window
    where social.customer_id is not null
        and social.interacted_at_utc >= label_window.window_start
        and social.interacted_at_utc < label_window.window_end
    union
    select web.customer_id
    from {{ ref('int_features__web_events_attributed') }} as web
    cross join label_window
    where web.customer_id is not null
        and web.event_at_utc >= label_window.window_start
        and web.event_at_utc < label_window.window_end
    union
    select campaign.customer_id
    from {{ ref('int_features__campaign_events_attributed') }} as campaign
    cross join label_window
    where campaign.customer_id is not null
        and campaign.event_type in ({% for t in campaign_types %}'{{ t }}'{{ ", " if not loop.last }}{% endfor %})
        and campaign.event_at_utc >= label_window.window_start
        and campaign.event_at_utc < label_window.window_end
),

targets as (
    select 'purchase' as target
    union all
    select 'engagement'
)

select
    training.customer_id,
    targets.target,
    case
        when targets.target = 'purchase' then purchases.customer_id is not null
        else engagements.customer_id is not null
    end::integer as label,
    label_window.window_start as label_window_start_at_utc,
    label_window.window_end as label_window_end_at_utc
from training
cross join targets
cross join label_window
left join purchases on targets.target = 'purchase' and purchases.customer_id = training.customer_id
left join engagements on targets.target = 'engagement' and engagements.customer_id = training.customer_id
