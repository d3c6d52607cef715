-- One row: the latest activity timestamp in the attributed facts and the default features
-- cutoff (midnight after that day, so the last day counts in full). Timestamps later than the
-- build's own clock are ignored: a mistyped year must not push the cutoff into the future.
with

activity as (
    select max(ordered_at_utc) filter (where ordered_at_utc <= cast(timezone('UTC', now()) as timestamp)) as at_utc
    from {{ ref('int_features__order_lines_attributed') }}
    union all
    select max(event_at_utc) filter (where event_at_utc <= cast(timezone('UTC', now()) as timestamp))
    from {{ ref('int_features__web_events_attributed') }}
    union all
    select max(interacted_at_utc) filter (where interacted_at_utc <= cast(timezone('UTC', now()) as timestamp))
    from {{ ref('int_features__social_interactions_attributed') }}
    union all
    select max(event_at_utc) filter (where event_at_utc <= cast(timezone('UTC', now()) as timestamp))
    from {{ ref('int_features__campaign_events_attributed') }}
)

select
    max(at_utc) as latest_activity_at_utc,
    date_trunc('day', max(at_utc)) + interval 1 day as default_cutoff_at_utc
from activity
