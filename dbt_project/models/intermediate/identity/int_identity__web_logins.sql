-- Logged-in web events counted per load, account and cookie: the identity graph's only use of
-- the tens of millions of web events, reduced to a few rows per person and load.
-- In a micro-batch (env SEGMART_MICROBATCH_LOAD_IDS) incremental: a load's staged rows never
-- change, so only the batch's loads (and loads this table has not seen) are counted again
-- (delete+insert on load_id), and the identity graph no longer re-reads every event.
{%- set batch_loads = env_var('SEGMART_MICROBATCH_LOAD_IDS', '') %}
{{ config(
    materialized=microbatch_materialization(batch_loads),
    incremental_strategy='delete+insert',
    unique_key='load_id',
) }}
with

web_events as (
    select load_id, user_id, anonymous_id
    from {{ ref('stg_web__events') }}
    where user_id is not null
    {%- if is_incremental() %}
        and {{ microbatch_new_rows(batch_loads, 'web_events') }}
    {%- endif %}
),

final as (
    select
        load_id,
        user_id,
        anonymous_id,
        count(*) as n_events
    from web_events
    group by all
)

select * from final
