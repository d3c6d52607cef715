-- Who may be sent to the ad platforms, per segment, with identifiers already normalised and
-- hashed the way each platform matches them. No raw e-mail or phone leaves this model: exports
-- read it, never dim_customers. Suppressed people keep their row with the reason.
with

customers as (
    select
        customer_id,
        lower(trim(email)) as email_normalised,
        phone,
        country,
        postcode,
        coalesce(marketing_consent, false) as has_consent,
        coalesce(unsubscribed, false) as is_unsubscribed
    from {{ ref('dim_customers') }}
),

erased as (
    select distinct c.customer_id
    from {{ ref('erasure_requests') }} as r
    inner join {{ ref('dim_customers') }} as c
        on (r.identifier_type = 'customer_id' and r.identifier_value = c.customer_id)
        or (r.identifier_type = 'email' and lower(trim(r.identifier_value)) = lower(trim(c.email)))
        or (r.identifier_type = 'phone' and r.identifier_value = c.phone)
),

segment_sizes as (
    select segment_id, count(*) as segment_size
    from {{ ref('segment_membership') }}
    group by segment_id
),

hashed as (
    select
        m.customer_id,
        m.segment_id,
        m.segment_name,
        s.segment_size,
        case
            when regexp_full_match(c.email_normalised, '[^@\s]+@[^@\s]+\.[^@\s]+')
                then sha256(c.email_normalised)
        end as email_sha256,
        case
            when regexp_full_match(c.phone, '\+[1-9][0-9]{6,14}')
                then sha256(ltrim(substr(c.phone, 2), '0'))
        end as phone_meta_sha256,
        case
            when regexp_full_match(c.phone, '\+[1-9][0-9]{6,14}') then sha256(c.phone)
        end as phone_google_sha256,
        c.country,
        c.postcode,
        case
            when e.customer_id is not null then 'erasure requested'
            when c.customer_id is null then 'not in dim_customers'
            when not c.has_consent then 'no marketing consent'
            when c.is_unsubscribed then 'unsubscribed'
            when s.segment_size < {{ var('activation_min_segment_size', 100) }}
                then 'segment below minimum size ('
                || s.segment_size || ' < ' || {{ var('activation_min_segment_size', 100) }} || ')'
        end as suppression_reason
    from {{ ref('segment_membership') }} as m
    inner join segment_sizes as s on m.segment_id = s.segment_id
    left join customers as c on m.customer_id = c.customer_id
    left join erased as e on m.customer_id = e.customer_id
),

final as (
    select
        customer_id,
        segment_id,
        segment_name,
        segment_size,
        email_sha256,
        phone_meta_sha256,
        phone_google_sha256,
        country,
        postcode,
        case
            when suppression_reason is null and email_sha256 is null and phone_meta_sha256 is null
                then 'no matchable e-mail or phone'
            else suppression_reason
        end as suppression_reason
    from hashed
)

select
    *,
    suppression_reason is null as is_exportable
from final
