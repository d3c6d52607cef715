-- Where every staged fact went on its way to the features: attributed to a person by the
-- primary identifier, by the fallback, or left unattributed (with the count the features never
-- see). rows_staged is counted from staging independently, so is_reconciled checks that the
-- attribution models neither dropped nor duplicated a row.
{% set facts = [
    {'fact': 'orders', 'stg': 'stg_shop__order_lines', 'int': 'int_features__order_lines_attributed',
     'primary': 'contact_ref', 'fallback': 'email', 'at': 'ordered_at_utc'},
    {'fact': 'web_events', 'stg': 'stg_web__events', 'int': 'int_features__web_events_attributed',
     'primary': 'web_user_id', 'fallback': 'web_anonymous_id', 'at': 'event_at_utc'},
    {'fact': 'social_interactions', 'stg': 'stg_social__interactions',
     'int': 'int_features__social_interactions_attributed',
     'primary': 'social_handle', 'fallback': 'email', 'at': 'interacted_at_utc'},
    {'fact': 'campaign_events', 'stg': 'stg_marketing__campaign_events',
     'int': 'int_features__campaign_events_attributed',
     'primary': 'contact_ref', 'fallback': 'email', 'at': 'event_at_utc'},
] %}

with

{% for f in facts %}
{{ f.fact }}_staged as (
    select count(*) as n from {{ ref(f.stg) }}
),

{{ f.fact }}_attributed as (
    select
        count(*) as n,
        count(*) filter (where attributed_by = '{{ f.primary }}') as n_primary,
        count(*) filter (where attributed_by = '{{ f.fallback }}') as n_fallback,
        count(*) filter (where customer_id is null) as n_unattributed,
        count(*) filter (where customer_id is not null and {{ f.at }} is null) as n_without_timestamp,
        {%- if f.fact == 'orders' %}
        count(*) filter (where customer_id is not null and is_missing_fx_rate) as n_missing_fx_rate
        {%- else %}
        0 as n_missing_fx_rate
        {%- endif %}
    from {{ ref(f.int) }}
),

{% endfor %}

final as (
    {% for f in facts %}
    select
        cast('{{ f.fact }}' as varchar) as fact,
        cast(s.n as bigint) as rows_staged,
        cast(a.n_primary + a.n_fallback as bigint) as rows_attributed,
        cast('{{ f.primary }}' as varchar) as primary_identifier,
        cast(a.n_primary as bigint) as rows_attributed_by_primary,
        cast('{{ f.fallback }}' as varchar) as fallback_identifier,
        cast(a.n_fallback as bigint) as rows_attributed_by_fallback,
        cast(a.n_unattributed as bigint) as rows_unattributed,
        cast((a.n_primary + a.n_fallback) / nullif(s.n, 0) as double) as share_attributed,
        cast(a.n_without_timestamp as bigint) as rows_attributed_without_timestamp,
        cast(a.n_missing_fx_rate as bigint) as rows_attributed_missing_fx_rate,
        s.n = a.n and a.n = a.n_primary + a.n_fallback + a.n_unattributed as is_reconciled
    from {{ f.fact }}_staged as s
    cross join {{ f.fact }}_attributed as a
    {{ 'union all' if not loop.last }}
    {% endfor %}
)

select * from final
