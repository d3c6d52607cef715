-- The customers a micro-batch touched: every person with an attributed web event, order line,
-- social interaction or campaign event from the loads in env SEGMART_MICROBATCH_LOAD_IDS (set by
-- flows/microbatch_flow.py; empty in a normal build, so this is empty there).
-- sources lists which kinds of new facts touched the person (the reason of a segment change).
-- the facts are only read when load ids are given; dbt must know the dependencies either way:
-- depends_on: {{ ref('stg_web__events') }}, {{ ref('int_features__web_events_attributed') }}
-- depends_on: {{ ref('stg_shop__order_lines') }}, {{ ref('int_features__order_lines_attributed') }}
-- depends_on: {{ ref('stg_social__interactions') }}, {{ ref('int_features__social_interactions_attributed') }}
-- depends_on: {{ ref('stg_marketing__campaign_events') }}, {{ ref('int_features__campaign_events_attributed') }}
-- Load ids come from an environment variable, not a var: a changed --vars makes dbt re-parse the
-- whole project, a changed env var only the models that read it.
{% set listed = env_var('SEGMART_MICROBATCH_LOAD_IDS', '') %}
{% set load_ids = listed.split(',') if listed else [] %}
with

{% if load_ids %}
batch_loads as (
    select unnest([{% for l in load_ids %}'{{ l }}'{{ ', ' if not loop.last }}{% endfor %}]) as load_id
),

touched as (
    select a.customer_id, 'web_events' as source
    from {{ ref('stg_web__events') }} as s
    inner join batch_loads using (load_id)
    inner join {{ ref('int_features__web_events_attributed') }} as a
        on a.source_system = s.source_system and a.event_id = s.event_id

    union all

    select a.customer_id, 'orders' as source
    from {{ ref('stg_shop__order_lines') }} as s
    inner join batch_loads using (load_id)
    inner join {{ ref('int_features__order_lines_attributed') }} as a
        on a.source_system = s.source_system and a.order_id = s.order_id and a.line_number = s.line_number

    union all

    select a.customer_id, 'social_interactions' as source
    from {{ ref('stg_social__interactions') }} as s
    inner join batch_loads using (load_id)
    inner join {{ ref('int_features__social_interactions_attributed') }} as a
        on a.source_system = s.source_system and a.interaction_id = s.interaction_id

    union all

    select a.customer_id, 'campaign_events' as source
    from {{ ref('stg_marketing__campaign_events') }} as s
    inner join batch_loads using (load_id)
    inner join {{ ref('int_features__campaign_events_attributed') }} as a
        on a.source_system = s.source_system and a.event_id = s.event_id
),
{% else %}
touched as (
    select cast(null as varchar) as customer_id, cast(null as varchar) as source
    where false
),
{% endif %}

final as (
    select
        cast(customer_id as varchar) as customer_id,
        string_agg(distinct source, ', ' order by source) as sources,
        cast(count(*) as bigint) as n_new_facts
    from touched
    where customer_id is not null
    group by customer_id
)

select * from final
