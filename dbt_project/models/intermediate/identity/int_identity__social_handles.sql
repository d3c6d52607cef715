-- The distinct (platform, handle, e-mail) a social network showed, per load: the identity
-- graph's only use of the social interactions.
-- In a micro-batch (env SEGMART_MICROBATCH_LOAD_IDS) incremental like int_identity__web_logins:
-- only new loads are read (delete+insert on load_id).
{%- set batch_loads = env_var('SEGMART_MICROBATCH_LOAD_IDS', '') %}
{{ config(
    materialized=microbatch_materialization(batch_loads),
    incremental_strategy='delete+insert',
    unique_key='load_id',
) }}
with

social as (
    select load_id, platform, handle, email
    from {{ ref('stg_social__interactions') }}
    where handle is not null
    {%- if is_incremental() %}
        and {{ microbatch_new_rows(batch_loads, 'social_interactions') }}
    {%- endif %}
),

final as (
    select distinct
        load_id,
        lower(platform) as platform,
        lower(ltrim(trim(handle), '@')) as handle,
        lower(trim(email)) as email
    from social
)

select * from final
