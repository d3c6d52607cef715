{#-
  The canonical columns of each raw-zone entity, in contract order
  (python_models/contracts/canonical_sources.yml is the source of truth; the integration test
  checks the two agree).
-#}
{% macro raw_entity_columns(entity) -%}
    {%- set columns = {
        'contacts': [
            'source_record_id', 'first_name', 'last_name', 'full_name', 'email', 'phone', 'street',
            'postcode', 'city', 'country', 'birth_date', 'gender', 'age_band', 'income_band',
            'social_handle', 'marketing_consent', 'unsubscribed', 'created_at', 'updated_at'],
        'web_events': [
            'event_id', 'session_id', 'anonymous_id', 'user_id', 'event_type', 'event_at',
            'page_url', 'duration_seconds', 'utm_source', 'utm_medium', 'utm_campaign', 'device',
            'order_id'],
        'orders': [
            'order_id', 'line_number', 'customer_ref', 'customer_system', 'email', 'ordered_at',
            'amount', 'currency', 'quantity', 'category', 'channel'],
        'social_interactions': [
            'interaction_id', 'platform', 'handle', 'email', 'interaction_type', 'interacted_at',
            'post_id'],
        'campaigns': ['campaign_id', 'campaign_name', 'channel', 'started_at', 'ended_at'],
        'campaign_events': [
            'event_id', 'campaign_id', 'customer_ref', 'customer_system', 'email', 'event_type',
            'event_at', 'variant', 'amount'],
        'partner_enrichment': ['postcode', 'country', 'income_band', 'urbanity', 'population'],
        'labelled_records': ['record_id', 'outcome', 'excluded_attributes', 'categorical_attributes'],
        'known_segments': ['record_id', 'customer_system', 'customer_ref', 'email', 'known_segment'],
    } -%}
    {{ return(columns[entity]) }}
{%- endmacro %}

{#-
  A 0-row select with every column of a raw entity (canonical text columns and metadata), typed
  as in the raw zone. Unit tests of base models use it as the frame of their `format: sql`
  fixtures (`select ... union all by name ...`): dbt cannot introspect an external source.
-#}
{% macro raw_entity_frame(entity) -%}
    select
        {%- for column in raw_entity_columns(entity) %}
        cast(null as varchar) as {{ column }},
        {%- endfor %}
        cast(null as varchar) as load_id,
        cast(null as varchar) as _source_system,
        cast(null as varchar) as _source_file,
        cast(null as varchar) as _file_sha256,
        cast(null as bigint) as _record_number,
        cast(null as varchar) as _extra,
        cast(null as varchar) as _timezone,
        cast(null as varchar) as _default_country,
        cast(null as varchar) as _phone_region,
        cast(null as varchar) as _currency,
        cast(null as varchar) as _date_order
    where false
{%- endmacro %}
