-- Third-party enrichment by postcode, one row per raw record of a loaded file: trimmed, typed,
-- checked. Country resolved to ISO alpha-2 like contacts (empty -> the source's default).
{%- set content_columns = raw_entity_columns('partner_enrichment') %}

with

source as (
    {{ loaded_raw_rows('partner_enrichment') }}
),

country_lookup as (
    select * from {{ ref('stg_reference__country_lookup') }}
),

cleaned as (
    select
        {{ cleaned_raw_columns(content_columns) }}
    from source
),

country_inputs as (
    select
        inputs.country_input,
        country_lookup.alpha2
    from (
        select distinct coalesce(country, _default_country) as country_input
        from cleaned
    ) as inputs
    left join country_lookup
        on country_lookup.lookup_key = {{ country_lookup_key('inputs.country_input') }}
),

typed as (
    select
        cleaned.load_id,
        cleaned.source_system,
        cleaned.source_file,
        cleaned.record_number,
        {{ normalize_postcode('cleaned.postcode') }} as postcode,
        country_inputs.country_input,
        country_inputs.alpha2 as country,
        lower(cleaned.income_band) as income_band,
        lower(cleaned.urbanity) as urbanity,
        {{ parse_double('cleaned.population') }} as population,
        cleaned.extra_json,
        cleaned._raw,
        {{ row_hash(['cleaned.source_system', 'cleaned.extra_json'] + prefix_columns('cleaned', content_columns)) }} as _row_hash
    from cleaned
    left join country_inputs
        on coalesce(cleaned.country, cleaned._default_country) = country_inputs.country_input
),

checked as (
    select
        *,
        {{ quarantine_reasons([
            required_check('postcode'),
            ["country_input is not null and country is null", "'unknown country code: ' || country_input"],
        ]) }} as _quarantine_reason
    from typed
),

final as (
    select
        load_id,
        source_system,
        source_file,
        record_number,
        postcode,
        country,
        income_band,
        urbanity,
        population,
        extra_json,
        _quarantine_reason,
        _row_hash,
        {{ quarantined_raw_record() }} as _raw_record
    from checked
)

select * from final
