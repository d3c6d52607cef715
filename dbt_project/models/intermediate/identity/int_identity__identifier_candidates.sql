-- Every (identifier, person) link the data shows, before the guards: contact record keys,
-- contact e-mails, web account ids, cookies seen logged in, social handles (via the contact's
-- handle or the e-mail the network shared). int_identity__identifier_customers keeps the
-- identifiers that point to exactly one person; identity_graph_exclusions lists the others.
{% set account_system = var('identity_web_account_system', 'eshop') %}
with

contact_customers as (
    select * from {{ ref('int_identity__contact_customers') }}
),

contacts as (
    select * from {{ ref('int_identity__contacts') }}
),

-- the events reduced per load (incremental in a micro-batch): summing their counts equals
-- counting the events
web_logins as (
    select * from {{ ref('int_identity__web_logins') }}
),

social_seen as (
    select * from {{ ref('int_identity__social_handles') }}
),

contact_people as (
    select c.*, cc.customer_id
    from contacts as c
    inner join contact_customers as cc using (source_system, source_record_id)
),

contact_refs as (
    select
        'contact_ref' as identifier_type,
        source_system || ':' || source_record_id as identifier_value,
        customer_id,
        1 as n_observations
    from contact_customers
),

emails as (
    select
        'email' as identifier_type,
        lower(trim(email)) as identifier_value,
        customer_id,
        count(*) as n_observations
    from contact_people
    where email is not null
    group by all
),

-- the web account id is the e-shop contact's record id
web_accounts as (
    select
        'web_user_id' as identifier_type,
        w.user_id as identifier_value,
        cc.customer_id,
        sum(w.n_events) as n_observations
    from web_logins as w
    inner join contact_customers as cc
        on cc.source_system = '{{ account_system }}' and cc.source_record_id = w.user_id
    group by all
),

-- a cookie belongs to whoever logged in with it
web_cookies as (
    select
        'web_anonymous_id' as identifier_type,
        w.anonymous_id as identifier_value,
        cc.customer_id,
        sum(w.n_events) as n_observations
    from web_logins as w
    inner join contact_customers as cc
        on cc.source_system = '{{ account_system }}' and cc.source_record_id = w.user_id
    where w.anonymous_id is not null
    group by all
),

social_handles as (
    select distinct platform, handle, email
    from social_seen
),

social_by_handle as (
    select
        'social_handle' as identifier_type,
        s.platform || ':' || s.handle as identifier_value,
        cp.customer_id,
        count(*) as n_observations
    from social_handles as s
    inner join contact_people as cp
        on lower(ltrim(trim(cp.social_handle), '@')) = s.handle
    group by all
),

social_by_email as (
    select
        'social_handle' as identifier_type,
        s.platform || ':' || s.handle as identifier_value,
        cp.customer_id,
        count(*) as n_observations
    from social_handles as s
    inner join contact_people as cp
        on cp.email = s.email
    where s.email is not null
    group by all
),

unioned as (
    select * from contact_refs
    union all select * from emails
    union all select * from web_accounts
    union all select * from web_cookies
    union all select * from social_by_handle
    union all select * from social_by_email
),

final as (
    select
        identifier_type,
        identifier_value,
        customer_id,
        cast(sum(n_observations) as bigint) as n_observations
    from unioned
    where identifier_value is not null and identifier_value <> ''
    group by all
)

select * from final
