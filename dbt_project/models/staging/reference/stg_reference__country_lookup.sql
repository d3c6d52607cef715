-- Every accepted spelling of a country (ISO alpha-2, alpha-3, English name, aliases in other
-- languages) by its normalised lookup key, to its ISO alpha-2 code.
with

codes as (
    select * from {{ ref('country_codes') }}
),

aliases as (
    select * from {{ ref('country_aliases') }}
),

spellings as (
    select
        alpha2 as spelling,
        alpha2,
        'alpha2' as spelling_kind
    from codes
    union all
    select
        alpha3 as spelling,
        alpha2,
        'alpha3' as spelling_kind
    from codes
    union all
    select
        country_name as spelling,
        alpha2,
        'name' as spelling_kind
    from codes
    union all
    select
        alias as spelling,
        alpha2,
        'alias' as spelling_kind
    from aliases
),

keyed as (
    select
        {{ country_lookup_key('spelling') }} as lookup_key,
        alpha2,
        spelling,
        spelling_kind
    from spellings
),

-- One row per (key, country); a key claimed by two countries stays twice and fails the
-- uniqueness test on lookup_key.
deduplicated as (
    select
        lookup_key,
        alpha2,
        arg_min(spelling, spelling_rank) as spelling,
        arg_min(spelling_kind, spelling_rank) as spelling_kind
    from (
        select
            *,
            case spelling_kind when 'alpha2' then 1 when 'alpha3' then 2 when 'name' then 3 else 4 end
                as spelling_rank
        from keyed
    ) as ranked
    group by lookup_key, alpha2
)

select * from deduplicated
