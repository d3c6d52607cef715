{#- The canonical entities and their base / staging models, for the quality marts. -#}
{% macro staged_entities() -%}
    {{ return([
        {'entity': 'contacts', 'base': 'base_crm__contacts', 'stg': 'stg_crm__contacts'},
        {'entity': 'web_events', 'base': 'base_web__events', 'stg': 'stg_web__events'},
        {'entity': 'orders', 'base': 'base_shop__order_lines', 'stg': 'stg_shop__order_lines'},
        {'entity': 'social_interactions', 'base': 'base_social__interactions', 'stg': 'stg_social__interactions'},
        {'entity': 'campaigns', 'base': 'base_marketing__campaigns', 'stg': 'stg_marketing__campaigns'},
        {'entity': 'campaign_events', 'base': 'base_marketing__campaign_events', 'stg': 'stg_marketing__campaign_events'},
        {'entity': 'partner_enrichment', 'base': 'base_partner__postcode_enrichments', 'stg': 'stg_partner__postcode_enrichments'},
        {'entity': 'labelled_records', 'base': 'base_labelled__records', 'stg': 'stg_labelled__records'},
        {'entity': 'known_segments', 'base': 'base_segments__known_segments', 'stg': 'stg_segments__known_segments'},
    ]) }}
{%- endmacro %}
