{#-
    Customer features as of a cutoff: one row per dim_customers.customer_id, computed only from
    attributed facts strictly before the cutoff (nothing at or after it can leak in). The cutoff
    is any SQL expression that evaluates to a timestamp (UTC), e.g. a literal, a scalar subquery
    or `features_cutoff_sql() - interval 30 day`. One aggregation pass per fact table.
    only_customers: optional relation (or parenthesised query) with a customer_id column; when
    given, only those customers get a row and only their facts are aggregated (the micro-batch's
    touched customers), each row identical to the full computation's.
    Column meanings: models/marts/features/_features__models.yml (customer_features).
-#}

{% macro feature_categories() -%}
    {{ return(var('feature_categories', ['fashion', 'home', 'beauty', 'electronics', 'kids', 'sport'])) }}
{%- endmacro %}

{% macro feature_social_platforms() -%}
    {{ return(var('feature_social_platforms', ['instagram', 'facebook', 'tiktok', 'x', 'linkedin', 'youtube'])) }}
{%- endmacro %}

{% macro feature_social_types() -%}
    {{ return(var('feature_social_types', ['like', 'comment', 'share', 'follow', 'mention', 'click'])) }}
{%- endmacro %}

{% macro feature_slug(value) -%}
    {{ return(modules.re.sub('[^0-9a-z]+', '_', value | string | lower).strip('_')) }}
{%- endmacro %}

{#- The main cutoff: var('features_cutoff') when given (a timestamp literal, UTC), else midnight
    after the latest activity day (int_features__data_horizon). -#}
{% macro features_cutoff_sql() -%}
    {%- set given = var('features_cutoff', none) -%}
    {%- if given -%}
        cast('{{ given }}' as timestamp)
    {%- else -%}
        (select default_cutoff_at_utc from {{ ref('int_features__data_horizon') }})
    {%- endif -%}
{%- endmacro %}

{#- The filter each fact CTE adds when only some customers are wanted: a semi join that the
    aggregations then never see the other customers' rows through. -#}
{% macro _features_only(column, only_customers) -%}
    {%- if only_customers is not none %}
        and {{ column }} in (select customer_id from {{ only_customers }})
    {%- endif -%}
{%- endmacro %}

{% macro customer_features_as_of(cutoff_sql, only_customers=none) -%}
with

cutoff as (
    select cast({{ cutoff_sql }} as timestamp) as cutoff_at
),

customers as (
    select * from {{ ref('dim_customers') }}
    where true {{- _features_only('customer_id', only_customers) }}
),

-- orders -------------------------------------------------------------------------------------
order_lines as (
    select lines.*
    from {{ ref('int_features__order_lines_attributed') }} as lines
    cross join cutoff
    where lines.customer_id is not null
        and lines.ordered_at_utc < cutoff.cutoff_at
        {{- _features_only('lines.customer_id', only_customers) }}
),

orders as (
    select
        customer_id,
        source_system,
        order_id,
        min(ordered_at_utc) as ordered_at_utc,
        {{ money_sum('amount_reporting') }} as amount,
        min(channel) as channel
    from order_lines
    group by customer_id, source_system, order_id
),

order_features as (
    select
        orders.customer_id,
        count(*) as order_count,
        {{ money_sum('orders.amount') }} as monetary_total,
        min(orders.ordered_at_utc) as first_order_at,
        max(orders.ordered_at_utc) as last_order_at,
        count(*) filter (where orders.ordered_at_utc >= cutoff.cutoff_at - interval 90 day) as orders_last_90d,
        avg(case when orders.channel = 'app' then 1.0 else 0.0 end) as app_order_share,
        avg(case when orders.channel = 'marketplace' then 1.0 else 0.0 end) as marketplace_order_share,
        coalesce({{ money_sum('orders.amount') }} filter (where orders.ordered_at_utc >= cutoff.cutoff_at - interval 90 day), 0)
            as monetary_last_90d
    from orders
    cross join cutoff
    group by orders.customer_id
),

channel_counts as (
    select customer_id, channel, count(*) as n
    from orders
    where channel is not null
    group by customer_id, channel
),

preferred_channels as (
    select customer_id, first(channel order by n desc, channel) as preferred_channel
    from channel_counts
    group by customer_id
),

category_spend as (
    select customer_id, coalesce(lower(category), 'unknown') as category, {{ money_sum('amount_reporting') }} as spend
    from order_lines
    group by customer_id, coalesce(lower(category), 'unknown')
),

category_features as (
    select
        customer_id,
        count(*) filter (where category <> 'unknown') as distinct_category_count,
        first(category order by spend desc nulls last, category) filter (where category <> 'unknown') as top_category,
        {%- for c in feature_categories() %}
        coalesce(sum(spend) filter (where category = '{{ c | lower }}'), 0) / nullif(sum(spend), 0)
            as category_share_{{ feature_slug(c) }},
        {%- endfor %}
        coalesce(sum(spend) filter (where category not in (
            {%- for c in feature_categories() %}'{{ c | lower }}'{{ ', ' if not loop.last }}{% endfor -%}
        )), 0) / nullif(sum(spend), 0) as category_share_other
    from category_spend
    group by customer_id
),

-- web ----------------------------------------------------------------------------------------
web_events as (
    select events.*
    from {{ ref('int_features__web_events_attributed') }} as events
    cross join cutoff
    where events.customer_id is not null
        and events.event_at_utc < cutoff.cutoff_at
        {{- _features_only('events.customer_id', only_customers) }}
),

-- A session cut by the cutoff only counts its events before the cutoff.
sessions as (
    select
        customer_id,
        session_id,
        min(event_at_utc) as started_at,
        count(*) filter (where event_type = 'page_view') as page_views,
        coalesce(sum(duration_seconds) filter (where event_type = 'page_view'), 0) as duration_seconds,
        count(*) filter (where event_type in ('click', 'add_to_cart', 'purchase')) as interactions,
        count(*) filter (where event_type = 'add_to_cart') as add_to_carts,
        first(device order by event_at_utc, event_id) filter (where device is not null) as device,
        coalesce(first(lower(utm_medium) order by event_at_utc, event_id) filter (where utm_medium is not null), 'direct')
            as traffic_medium
    from web_events
    group by customer_id, session_id
),

web_features as (
    select
        sessions.customer_id,
        count(*) as web_session_count,
        count(*) filter (where sessions.started_at >= cutoff.cutoff_at - interval 30 day) as web_sessions_last_30d,
        count(*) filter (where sessions.started_at >= cutoff.cutoff_at - interval 90 day) as web_sessions_last_90d,
        avg(sessions.duration_seconds) as web_avg_session_duration_seconds,
        avg(case when sessions.page_views <= 1 and sessions.interactions = 0 then 1.0 else 0.0 end) as web_bounce_rate,
        avg(sessions.page_views) as web_pages_per_session,
        sum(sessions.add_to_carts) as web_add_to_cart_count,
        avg(case when sessions.device = 'mobile' then 1.0 else 0.0 end) as web_mobile_session_share,
        avg(case when sessions.device = 'desktop' then 1.0 else 0.0 end) as web_desktop_session_share,
        avg(case when sessions.traffic_medium = 'social' then 1.0 else 0.0 end) as web_social_traffic_share,
        avg(case when sessions.traffic_medium = 'affiliate' then 1.0 else 0.0 end) as web_affiliate_traffic_share,
        avg(case when sessions.traffic_medium = 'email' then 1.0 else 0.0 end) as web_email_traffic_share,
        min(sessions.started_at) as first_visit_at,
        max(sessions.started_at) as last_visit_at
    from sessions
    cross join cutoff
    group by sessions.customer_id
),

device_counts as (
    select customer_id, device, count(*) as n
    from sessions
    where device is not null
    group by customer_id, device
),

preferred_devices as (
    select customer_id, first(device order by n desc, device) as preferred_device
    from device_counts
    group by customer_id
),

medium_counts as (
    select customer_id, traffic_medium, count(*) as n
    from sessions
    group by customer_id, traffic_medium
),

preferred_media as (
    select customer_id, first(traffic_medium order by n desc, traffic_medium) as preferred_traffic_medium
    from medium_counts
    group by customer_id
),

-- social -------------------------------------------------------------------------------------
social_features as (
    select
        social.customer_id,
        count(*) as social_interaction_count,
        count(*) filter (where social.interacted_at_utc >= cutoff.cutoff_at - interval 90 day)
            as social_interactions_last_90d,
        {%- for p in feature_social_platforms() %}
        count(*) filter (where social.platform = '{{ p | lower }}') as social_{{ feature_slug(p) }}_count,
        {%- endfor %}
        {%- for t in feature_social_types() %}
        count(*) filter (where social.interaction_type = '{{ t | lower }}') as social_{{ feature_slug(t) }}_count,
        {%- endfor %}
        count(distinct social.platform) as social_platform_count,
        min(social.interacted_at_utc) as first_social_at,
        max(social.interacted_at_utc) as last_social_at
    from {{ ref('int_features__social_interactions_attributed') }} as social
    cross join cutoff
    where social.customer_id is not null
        and social.interacted_at_utc < cutoff.cutoff_at
        {{- _features_only('social.customer_id', only_customers) }}
    group by social.customer_id
),

-- campaigns ----------------------------------------------------------------------------------
-- One row per (customer, campaign) first, then counts of campaigns: six count(distinct)s with
-- different filters would each hash every event again (most of this macro's cost at 100k people).
campaign_messages as (
    select
        events.customer_id,
        events.campaign_id,
        bool_or(events.event_type = 'send') as is_sent,
        bool_or(events.event_type = 'send' and events.is_message_delivered) as is_delivered,
        bool_or(events.event_type = 'bounce') as is_bounced,
        bool_or(events.event_type = 'open') as is_opened,
        bool_or(events.event_type = 'click') as is_clicked,
        bool_or(events.event_type = 'conversion') as is_converted,
        {{ money_sum('events.amount') }} filter (where events.event_type = 'conversion') as conversion_revenue,
        bool_or(events.event_type = 'unsubscribe') as is_unsubscribed,
        min(events.event_at_utc) as first_event_at
    from {{ ref('int_features__campaign_events_attributed') }} as events
    cross join cutoff
    where events.customer_id is not null
        and events.event_at_utc < cutoff.cutoff_at
        {{- _features_only('events.customer_id', only_customers) }}
    group by events.customer_id, events.campaign_id
),

campaign_features as (
    select
        customer_id,
        -- count(campaign_id), not count(*): a null campaign is no campaign
        count(campaign_id) filter (where is_sent) as campaigns_sent,
        count(campaign_id) filter (where is_delivered) as campaigns_delivered,
        count(campaign_id) filter (where is_bounced) as campaigns_bounced,
        count(campaign_id) filter (where is_opened) as campaigns_opened,
        count(campaign_id) filter (where is_clicked) as campaigns_clicked,
        count(campaign_id) filter (where is_converted) as campaigns_converted,
        coalesce(sum(conversion_revenue), 0) as campaign_conversion_revenue,
        bool_or(is_unsubscribed) as has_unsubscribed,
        min(first_event_at) as first_campaign_event_at
    from campaign_messages
    group by customer_id
),

-- partner enrichment: the latest delivery of each (country, postcode) ------------------------
partner as (
    select country, postcode, income_band, urbanity, population
    from {{ ref('stg_partner__postcode_enrichments') }}
    qualify row_number() over (
        partition by country, postcode order by load_id desc, source_file desc, record_number desc
    ) = 1
),

joined as (
    select
        customers.customer_id,
        cutoff.cutoff_at,
        customers.birth_date,
        customers.gender,
        customers.country,
        customers.postcode,
        customers.age_band,
        customers.income_band,
        case when customers.first_seen_at_utc < cutoff.cutoff_at then customers.first_seen_at_utc end as first_seen_at,
        partner.income_band as area_income_band,
        partner.urbanity as area_urbanity,
        partner.population as area_population,
        order_features.* exclude (customer_id),
        preferred_channels.preferred_channel,
        category_features.* exclude (customer_id),
        web_features.* exclude (customer_id),
        preferred_devices.preferred_device,
        preferred_media.preferred_traffic_medium,
        social_features.* exclude (customer_id),
        campaign_features.* exclude (customer_id)
    from customers
    cross join cutoff
    left join order_features on order_features.customer_id = customers.customer_id
    left join preferred_channels on preferred_channels.customer_id = customers.customer_id
    left join category_features on category_features.customer_id = customers.customer_id
    left join web_features on web_features.customer_id = customers.customer_id
    left join preferred_devices on preferred_devices.customer_id = customers.customer_id
    left join preferred_media on preferred_media.customer_id = customers.customer_id
    left join social_features on social_features.customer_id = customers.customer_id
    left join campaign_features on campaign_features.customer_id = customers.customer_id
    left join partner
        on partner.country = customers.country
        and partner.postcode = customers.postcode
),

with_rates as (
    select
        *,
        -- least() skips nulls: the earliest of whatever activity exists
        least(first_order_at, first_visit_at, first_social_at, first_campaign_event_at, first_seen_at)
            as first_activity_at,
        coalesce(orders_last_90d, 0) as n_orders_90d,
        coalesce(web_sessions_last_90d, 0) as n_sessions_90d,
        coalesce(social_interactions_last_90d, 0) as n_social_90d,
        -- rates are over messages people could react to: delivered and not bounced
        -- (capped at 1: an open can be recorded without its send; DuckDB's least() skips nulls,
        -- so the cap is written as a case)
        case when campaigns_delivered - campaigns_bounced > 0
            then least(1.0, campaigns_opened / (campaigns_delivered - campaigns_bounced)) end as open_rate,
        case when campaigns_delivered - campaigns_bounced > 0
            then least(1.0, campaigns_clicked / (campaigns_delivered - campaigns_bounced)) end as click_rate
    from joined
),

final as (
    select
        cast(customer_id as varchar) as customer_id,
        cast(cutoff_at as timestamp) as features_cutoff_at_utc,
        first_activity_at is not null as has_history_before_cutoff,
        cast(date_diff('day', first_activity_at, cutoff_at) as bigint) as tenure_days,

        cast(coalesce(order_count, 0) as bigint) as order_count,
        cast(coalesce(monetary_total, 0) as double) as monetary_total,
        cast(monetary_total / nullif(order_count, 0) as double) as avg_basket,
        cast(date_diff('day', last_order_at, cutoff_at) as bigint) as days_since_last_order,
        cast(date_diff('day', first_order_at, cutoff_at) as bigint) as days_since_first_order,
        cast(coalesce(orders_last_90d, 0) as bigint) as orders_last_90d,
        cast(coalesce(monetary_last_90d, 0) as double) as monetary_last_90d,
        cast(coalesce(distinct_category_count, 0) as bigint) as distinct_category_count,
        cast(top_category as varchar) as top_category,
        {%- for c in feature_categories() %}
        cast(category_share_{{ feature_slug(c) }} as double) as category_share_{{ feature_slug(c) }},
        {%- endfor %}
        cast(category_share_other as double) as category_share_other,
        cast(preferred_channel as varchar) as preferred_channel,
        cast(app_order_share as double) as app_order_share,
        cast(marketplace_order_share as double) as marketplace_order_share,

        cast(coalesce(web_session_count, 0) as bigint) as web_session_count,
        cast(coalesce(web_sessions_last_30d, 0) as bigint) as web_sessions_last_30d,
        cast(web_avg_session_duration_seconds as double) as web_avg_session_duration_seconds,
        cast(web_bounce_rate as double) as web_bounce_rate,
        cast(web_pages_per_session as double) as web_pages_per_session,
        cast(coalesce(web_add_to_cart_count, 0) as bigint) as web_add_to_cart_count,
        cast(date_diff('day', last_visit_at, cutoff_at) as bigint) as days_since_last_visit,
        cast(web_mobile_session_share as double) as web_mobile_session_share,
        cast(web_desktop_session_share as double) as web_desktop_session_share,
        cast(web_social_traffic_share as double) as web_social_traffic_share,
        cast(web_affiliate_traffic_share as double) as web_affiliate_traffic_share,
        cast(web_email_traffic_share as double) as web_email_traffic_share,
        cast(preferred_device as varchar) as preferred_device,
        cast(preferred_traffic_medium as varchar) as preferred_traffic_medium,

        cast(coalesce(social_interaction_count, 0) as bigint) as social_interaction_count,
        cast(coalesce(social_interactions_last_90d, 0) as bigint) as social_interactions_last_90d,
        {%- for p in feature_social_platforms() %}
        cast(coalesce(social_{{ feature_slug(p) }}_count, 0) as bigint) as social_{{ feature_slug(p) }}_count,
        {%- endfor %}
        {%- for t in feature_social_types() %}
        cast(coalesce(social_{{ feature_slug(t) }}_count, 0) as bigint) as social_{{ feature_slug(t) }}_count,
        {%- endfor %}
        cast(coalesce(social_platform_count, 0) as bigint) as social_platform_count,
        cast(date_diff('day', last_social_at, cutoff_at) as bigint) as days_since_last_social_interaction,

        cast(coalesce(campaigns_sent, 0) as bigint) as campaigns_sent,
        cast(coalesce(campaigns_delivered, 0) - coalesce(campaigns_bounced, 0) as bigint) as campaigns_received,
        cast(open_rate as double) as campaign_open_rate,
        cast(click_rate as double) as campaign_click_rate,
        cast(campaigns_converted / nullif(campaigns_sent, 0) as double) as campaign_conversion_rate,
        cast(coalesce(campaign_conversion_revenue, 0) as double) as campaign_conversion_revenue,
        coalesce(has_unsubscribed, false) as has_unsubscribed,

        cast(round(100 * (
            {{ var('engagement_weight_purchase', 0.3) }} * (1 - exp(-n_orders_90d / 2.0))
            + {{ var('engagement_weight_web', 0.3) }} * (1 - exp(-n_sessions_90d / 4.0))
            + {{ var('engagement_weight_social', 0.2) }} * (1 - exp(-n_social_90d / 8.0))
            + {{ var('engagement_weight_email', 0.2) }} * coalesce((coalesce(open_rate, 0) + coalesce(click_rate, 0)) / 2, 0)
        ), 2) as double) as engagement_score,

        cast(case when birth_date < cutoff_at then date_part('year', age(cast(cutoff_at as date), birth_date)) end as bigint)
            as age_years,
        cast(age_band as varchar) as age_band,
        cast(gender as varchar) as gender,
        cast(country as varchar) as country,
        cast(case when postcode is not null then country || '-' || left(postcode, 2) end as varchar) as region,
        cast(income_band as varchar) as income_band,
        cast(area_income_band as varchar) as area_income_band,
        cast(area_urbanity as varchar) as area_urbanity,
        cast(area_population as double) as area_population
    from with_rates
)

select * from final
{%- endmacro %}
