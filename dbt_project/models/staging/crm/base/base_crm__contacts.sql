-- Contacts of every CRM-like source (CRM, e-shop accounts, event sign-ups, partner lists), one
-- row per raw record of a loaded file: trimmed, typed, normalised and checked. Rows that break a
-- row check carry _quarantine_reason; stg_crm__contacts keeps the others, without duplicates.
{%- set content_columns = raw_entity_columns('contacts') %}

with

source as (
    {{ loaded_raw_rows('contacts') }}
),

country_lookup as (
    select * from {{ ref('stg_reference__country_lookup') }}
),

cleaned as (
    select
        {{ cleaned_raw_columns(content_columns) }},
        nullif(regexp_replace({{ clean_text('phone') }}, '[\s./-]+', '', 'g'), '') as _phone_dial
    from source
),

-- Country spellings are resolved once per distinct value.
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

with_country as (
    select
        cleaned.*,
        country_inputs.country_input,
        country_inputs.alpha2 as _country
    from cleaned
    left join country_inputs
        on coalesce(cleaned.country, cleaned._default_country) = country_inputs.country_input
),

-- The phone UDF (python_models/dbt_plugin.py) runs once per distinct (dial string, region), not
-- once per row: spaces, dots, dashes and slashes are dropped first so that formatting variants
-- of one number share a call (phonenumbers ignores them anyway).
phone_numbers as (
    select
        phone_dial,
        phone_region,
        normalize_phone(phone_dial, phone_region) as phone_e164
    from (
        select distinct
            _phone_dial as phone_dial,
            _phone_region as phone_region
        from with_country
        where _phone_dial is not null
    ) as distinct_phones
),

-- A number written without country code that is not valid in the source's phone region is
-- read again with the contact's own country (a German mobile in a French CRM); only those.
phone_fallbacks as (
    select
        phone_dial,
        phone_country,
        normalize_phone(phone_dial, phone_country) as phone_e164
    from (
        select distinct
            with_country._phone_dial as phone_dial,
            with_country._country as phone_country
        from with_country
        inner join phone_numbers
            on
                with_country._phone_dial = phone_numbers.phone_dial
                and with_country._phone_region = phone_numbers.phone_region
        where
            phone_numbers.phone_e164 is null
            and with_country._country is not null
            and with_country._country <> with_country._phone_region
    ) as failed_phones
),

typed as (
    select
        cleaned.load_id,
        cleaned.source_system,
        cleaned.source_file,
        cleaned.record_number,
        cleaned.source_record_id,
        cleaned.first_name,
        cleaned.last_name,
        cleaned.full_name,
        {{ normalize_email('cleaned.email') }} as email,
        coalesce(phone_numbers.phone_e164, phone_fallbacks.phone_e164) as phone,
        cleaned.phone as phone_raw,
        case
            when cleaned.phone is not null
                then coalesce(phone_numbers.phone_e164, phone_fallbacks.phone_e164) is not null
        end as is_phone_valid,
        cleaned.street,
        {{ normalize_postcode('cleaned.postcode') }} as postcode,
        cleaned.city,
        cleaned.country_input,
        cleaned._country as country,
        cleaned.birth_date as birth_date_raw,
        {{ parse_date('cleaned.birth_date', 'cleaned._date_order') }} as birth_date_parsed,
        {{ normalize_gender('cleaned.gender') }} as gender,
        cleaned.age_band,
        cleaned.income_band,
        {{ normalize_handle('cleaned.social_handle') }} as social_handle,
        {{ parse_bool('cleaned.marketing_consent') }} as marketing_consent,
        {{ parse_bool('cleaned.unsubscribed') }} as unsubscribed,
        cleaned.created_at as created_at_raw,
        cleaned.updated_at as updated_at_raw,
        {{ parse_timestamp('cleaned.created_at', 'cleaned._tz', 'cleaned._date_order') }} as created_at_utc,
        {{ parse_timestamp('cleaned.updated_at', 'cleaned._tz', 'cleaned._date_order') }} as updated_at_utc,
        cleaned.extra_json,
        cleaned._timezone,
        cleaned._tz,
        cleaned._raw,
        {{ row_hash(['cleaned.source_system', 'cleaned.extra_json'] + prefix_columns('cleaned', content_columns)) }} as _row_hash
    from with_country as cleaned
    left join phone_numbers
        on
            cleaned._phone_dial = phone_numbers.phone_dial
            and cleaned._phone_region = phone_numbers.phone_region
    left join phone_fallbacks
        on
            cleaned._phone_dial = phone_fallbacks.phone_dial
            and cleaned._country = phone_fallbacks.phone_country
),

checked as (
    select
        *,
        case
            when birth_date_parsed between date '{{ var("min_birth_date") }}' and current_date
                then birth_date_parsed
        end as birth_date,
        {{ quarantine_reasons([
            required_check('source_record_id'),
            placeholder_check('source_record_id'),
            ["email is not null and not " ~ is_email_like('email'), "'email without @'"],
            ["country_input is not null and country is null", "'unknown country code: ' || country_input"],
            timezone_check([['created_at_raw', 'created_at_utc'], ['updated_at_raw', 'updated_at_utc']]),
        ]) }} as _quarantine_reason
    from typed
),

final as (
    select
        load_id,
        source_system,
        source_file,
        record_number,
        source_record_id,
        first_name,
        last_name,
        full_name,
        email,
        phone,
        phone_raw,
        is_phone_valid,
        street,
        postcode,
        city,
        country,
        birth_date,
        case when birth_date_raw is not null then birth_date is not null end as is_birth_date_valid,
        gender,
        age_band,
        income_band,
        social_handle,
        marketing_consent,
        unsubscribed,
        created_at_utc,
        updated_at_utc,
        extra_json,
        _quarantine_reason,
        _row_hash,
        {{ quarantined_raw_record() }} as _raw_record
    from checked
)

select * from final
