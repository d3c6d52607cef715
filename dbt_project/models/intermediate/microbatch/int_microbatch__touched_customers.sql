-- The customers a micro-batch touched: every person with an attributed web event, order line,
-- social interaction or campaign event from the loads in env SEGMART_MICROBATCH_LOAD_IDS (set by
-- flows/microbatch_flow.py; empty in a normal build, so this is empty there).
-- sources lists which kinds of new facts touched the person (the reason of a segment change).
-- the facts are only read when load ids are given (the attributed rows keep their staged
-- load_id); dbt must know the dependencies either way:
-- depends_on: {{ ref('int_features__web_events_attributed') }}, {{ ref('int_features__order_lines_attributed') }}
-- depends_on: {{ ref('int_features__social_interactions_attributed') }}, {{ ref('int_features__campaign_events_attributed') }}
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
    select customer_id, 'web_events' as source
    from {{ ref('int_features__web_events_attributed') }}
    where load_id in (select load_id from batch_loads)

    union all

    select customer_id, 'orders' as source
    from {{ ref('int_features__order_lines_attributed') }}
    where load_id in (select load_id from batch_loads)

    union all

    select customer_id, 'social_interactions' as source
    from {{ ref('int_features__social_interactions_attributed') }}
    where load_id in (select load_id from batch_loads)

    union all

    select customer_id, 'campaign_events' as source
    from {{ ref('int_features__campaign_events_attributed') }}
    where load_id in (select load_id from batch_loads)
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
